import TestSupport
import XCTest
@testable import EntropyCoding

final class SBWFileTests: XCTestCase {
    static func sampleFile(seed: UInt64 = 5) throws -> SBWFile {
        var rng = SplitMix64(seed: seed)
        func symbols(_ n: Int, _ bins: Int) -> [UInt8] {
            (0..<n).map { _ in Double.random(in: 0..<1, using: &rng) < 0.85 ? UInt8(bins / 2) : UInt8.random(in: 0..<UInt8(bins), using: &rng) }
        }
        let configs: [CodecConfiguration] = [.tans(tableLog: 9, lanes: 4, layout: .interleaved), .huffman(), .fixedWidth, .rans(precisionBits: 12),
                                             .tans(tableLog: 7, lanes: 3, layout: .split)]
        var tensors: [SBWTensor] = []
        for (i, config) in configs.enumerated() {
            let bins = [3, 7, 15, 31, 255][i]
            let q = try SBWQuantizedTensor(symbols: symbols(6 * 20, bins), step: 0.01 * Float(i + 1), bins: bins, codec: config)
            tensors.append(try SBWTensor(name: "layer\(i).weight", shape: [6, 20], payload: .quantized(q)))
        }
        tensors.append(try SBWTensor(name: "zero.weight", shape: [4, 4], payload: .quantized(
            SBWQuantizedTensor(symbols: [UInt8](repeating: 0, count: 16), step: 0, bins: 1, codec: .tans(tableLog: 12)))))
        tensors.append(try SBWTensor(name: "bias", shape: [3], payload: .float32([0.5, -1.25, 3])))
        tensors.append(try SBWTensor(name: "bn.scale", shape: [2], payload: .float16([Float16Bits.half(from: 1.5), Float16Bits.half(from: -2)])))
        return SBWFile(metadata: ["model": "test-net", "λ": "0.01"], tensors: tensors)
    }

    func testRoundTripAndDequantization() throws {
        let file = try Self.sampleFile()
        let bytes = file.serialized()
        let back = try SBWFile(bytes: bytes)
        XCTAssertEqual(back, file)
        XCTAssertEqual(back.metadata["model"], "test-net")
        for tensor in back.tensors {
            if case .quantized(let q) = tensor.payload {
                let s = try q.symbols()
                let values = try q.dequantized()
                for (sym, v) in zip(s, values) { XCTAssertEqual(v, Float(Int(sym) - q.zeroSymbol) * q.step) }
            }
        }
        XCTAssertEqual(try back["bn.scale"]!.floatValues(), [1.5, -2])
        XCTAssertEqual(back.tensors.reduce(0) { $0 + $1.storedBits } + 8 * 4 < bytes.count * 8, true)
    }

    func testAtomicFileWriteAndRead() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sbw-\(UUID().uuidString).sbw")
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try Self.sampleFile()
        try file.write(to: url)
        XCTAssertEqual(try SBWFile(contentsOf: url), file)
        XCTAssertThrowsError(try SBWFile(contentsOf: url.appendingPathExtension("missing")))
    }

    func testRejectsBadBinsAndShapes() {
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: [0], step: 1, bins: 4, codec: .fixedWidth))
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: [0], step: 1, bins: 257, codec: .fixedWidth))
        XCTAssertThrowsError(try SBWTensor(name: "x", shape: [2], payload: .float32([1])))
    }
}
