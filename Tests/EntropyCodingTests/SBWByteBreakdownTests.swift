import TestSupport
import XCTest
@testable import EntropyCoding

final class SBWByteBreakdownTests: XCTestCase {
    /// The parts add up to the file, and each is what it says: names are their prefixed UTF-8,
    /// coded weights the codec's header and payload bits, kept values 16 or 32 bits each.
    func testPartsAddUpToTheFileAndMeasureWhatTheySay() throws {
        var rng = SplitMix64(seed: 0xB7EA)
        for c in 0..<40 {
            var tensors = [SBWTensor]()
            var names = 0, values = 0, header = 0, payload = 0, parameters = 0
            for t in 0..<(1 + c % 5) {
                let name = String(repeating: "é", count: t) + "layer\(t).w"
                names += 8 * (1 + name.utf8.count)
                let count = 1 + rng.skewedLength(max: 3000)
                parameters += count
                switch (c + t) % 3 {
                case 0:
                    let symbols = (0..<count).map { _ in UInt8.random(in: 0..<7, using: &rng) & (Bool.random(using: &rng) ? 3 : 0) }
                    let codec: CodecConfiguration = [.tans(tableLog: 9, lanes: 1 + t), .huffman(), .fixedWidth][c % 3]
                    let q = try SBWQuantizedTensor(symbols: symbols, step: 0.01, bins: 7, codec: codec)
                    header += q.coded.headerBits
                    payload += q.coded.payloadBits
                    tensors.append(try SBWTensor(name: name, shape: [count], payload: .quantized(q)))
                case 1:
                    values += 32 * count
                    tensors.append(try SBWTensor(name: name, shape: [count], payload: .float32((0..<count).map { Float($0) })))
                default:
                    values += 16 * count
                    tensors.append(try SBWTensor(name: name, shape: [count], payload: .float16([UInt16](repeating: 0x3C00, count: count))))
                }
            }
            let metadata = c % 2 == 0 ? ["subbit.model": "quantized/1", "int:bn.n": "I64  12"] : [:]
            let file = SBWFile(metadata: metadata, tensors: tensors)
            let parts = SBWByteBreakdown(file)
            XCTAssertEqual(parts.totalBits, file.serialized().count * 8, "case \(c)")
            XCTAssertEqual(parts.parts.reduce(0) { $0 + $1.bits }, parts.totalBits, "case \(c)")
            XCTAssertEqual(parts.nameBits, names, "case \(c)")
            XCTAssertEqual(parts.keptValueBits, values, "case \(c)")
            XCTAssertEqual(parts.weightTableBits, header, "case \(c)")
            XCTAssertEqual(parts.weightPayloadBits, payload, "case \(c)")
            XCTAssertEqual(parts.parameters, parameters, "case \(c)")
            XCTAssertEqual(parts.metadataBits, metadata.isEmpty ? 8 : 8 * (1 + 1 + 12 + 1 + 11 + 1 + 8 + 1 + 7), "case \(c)")
            XCTAssertGreaterThan(parts.framingBits, 0, "case \(c)")
        }
    }
}
