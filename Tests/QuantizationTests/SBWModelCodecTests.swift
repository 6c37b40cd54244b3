import Foundation
import EntropyCoding
import ModelIO
import TestSupport
import XCTest
@testable import Quantization

final class SBWModelCodecTests: XCTestCase {
    func toyModel() throws -> QuantizedModel {
        var file = try makeToyModel(seed: 5)
        file.tensors["extra.bf16"] = try TensorData(floats: [1.5, -2, 3.25], shape: [3], dtype: .bf16)
        file.tensors["extra.flags"] = try TensorData(integers: [1, 0, 1, 1], shape: [2, 2], dtype: .bool)
        file.tensors["extra.big"] = try TensorData(integers: [Int64.max, -5], shape: [2])
        return try ModelQuantizer(calibration: .fixed(LayerBins(bins: 9, overrides: [("classifier.*", 1)]), .mse))
            .quantize(file)
    }

    func testRoundTripWithEveryCodec() throws {
        let model = try toyModel()
        for codec in CodecKind.allCases {
            for lanes in [1, 3] {
                let options = try CodecOptions(codec: codec, tableLog: 7, lanes: lanes)
                let back = try SBWModelCodec.decode(SBWModelCodec.encode(model, options: options))
                XCTAssertEqual(back, model, "\(codec) lanes \(lanes)")
            }
        }
        let halves = try ModelQuantizer(policy: TensorPolicy(floatStorage: .float16),
                                        calibration: .fixed(LayerBins(bins: 3), .maxAbs)).quantize(makeToyModel())
        XCTAssertEqual(try SBWModelCodec.decode(SBWModelCodec.encode(halves, options: CodecOptions())), halves)
    }

    /// `decompress` writes, one tensor at a time, exactly the bytes of decoding the whole model
    /// and writing its dequantized safetensors; a file it refuses leaves the previous output.
    func testStreamingDecompressWritesTheBytesOfTheWholeModelPath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("decompress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let halves = try ModelQuantizer(policy: TensorPolicy(floatStorage: .float16),
                                        calibration: .fixed(LayerBins(bins: 3), .maxAbs)).quantize(makeToyModel())
        let metadata = ["format": "pt", "subbit": "decompressed"]
        for (index, model) in [try toyModel(), halves].enumerated() {
            for codec in CodecKind.allCases {
                let bytes = try SBWModelCodec.encode(model, options: try CodecOptions(codec: codec, tableLog: 7, lanes: 2))
                let url = folder.appendingPathComponent("m\(index)-\(codec).safetensors")
                let written = try SBWModelCodec.decompress(bytes, to: url, metadata: metadata)
                let expected = try SBWModelCodec.decode(bytes).dequantized(metadata: metadata).serialized()
                XCTAssertEqual(try [UInt8](Data(contentsOf: url)), expected, "model \(index) \(codec)")
                XCTAssertEqual(written.quantized, model.quantized.count)
                XCTAssertEqual(written.kept, model.kept.count)
                XCTAssertEqual(written.parameters, model.parameterCount)
            }
        }
        // A corrupt stream is found only when its tensor is decoded, after the header went out:
        // the temporary file goes, the previous output stays.
        let url = folder.appendingPathComponent("keep.safetensors")
        try Data("previous".utf8).write(to: url)
        var file = try SBWFile(bytes: SBWModelCodec.encode(try toyModel(), options: CodecOptions(tableLog: 7, lanes: 2)))
        let last = try XCTUnwrap(file.tensors.lastIndex { if case .quantized(let q) = $0.payload, q.coded.symbolCount > 8 { return true }; return false })
        guard case .quantized(var q) = file.tensors[last].payload else { return XCTFail() }
        if case .tans(var t) = q.coded, !t.initialStates.isEmpty {
            t.initialStates[0] = (t.initialStates[0] + 1) % (1 << t.tableLog)
            q.coded = .tans(t)
            file.tensors[last].payload = .quantized(q)
        }
        XCTAssertThrowsError(try SBWModelCodec.decompress(file.serialized(), to: url, metadata: metadata))
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "previous")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }, [])
    }

    /// Corrupted files give an error or (never, in practice, thanks to the CRCs) the original
    /// model — never a crash or a different model.
    func testCorruptedFilesAreRefused() throws {
        let model = try toyModel()
        let bytes = try SBWModelCodec.encode(model, options: CodecOptions(tableLog: 6, lanes: 2))
        var rng = SplitMix64(seed: 77)
        var refused = 0
        for trial in 0..<3000 {
            var b = bytes
            switch trial % 3 {
            case 0:
                for _ in 0...Int.random(in: 0...3, using: &rng) {
                    b[Int.random(in: 0..<b.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 1:
                b.removeLast(Int.random(in: 1...b.count, using: &rng))
            default:
                b.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
            }
            if let decoded = try? SBWModelCodec.decode(b) {
                XCTAssertEqual(decoded, model, "trial \(trial) decoded a different model")
            } else {
                refused += 1
            }
        }
        XCTAssertEqual(refused, 3000)
        // A valid .sbw not written by the model codec.
        let foreign = SBWFile(metadata: [:], tensors: [try SBWTensor(name: "x", shape: [1], payload: .float32([1]))])
        XCTAssertThrowsError(try SBWModelCodec.decode(foreign.serialized())) {
            XCTAssertTrue("\($0)".contains("subbit compress"), "\($0)")
        }
    }
}
