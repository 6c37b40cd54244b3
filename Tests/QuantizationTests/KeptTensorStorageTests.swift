import XCTest
import TestSupport
import EntropyCoding
import ModelIO
@testable import Quantization

/// `TensorPolicy.FloatStorage.q8` (8-bit kept tensors) and `dropTrainingState` through
/// `ModelQuantizer` and `SBWModelCodec`: what is stored, what comes back, what is refused.
final class KeptTensorStorageTests: XCTestCase {
    private func model(bias: [Float]? = nil) throws -> SafeTensorsFile {
        var random = SplitMix64(seed: 7)
        var file = SafeTensorsFile()
        file.tensors["conv.weight"] = try TensorData(floats: random.weights(count: 6 * 25), shape: [6, 1, 5, 5])
        file.tensors["conv.bias"] = try TensorData(floats: bias ?? random.weights(count: 6), shape: [6])
        file.tensors["bn.weight"] = try TensorData(floats: (0..<32).map { _ in 1 + Float(random.normal()) * 0.1 }, shape: [32])
        file.tensors["bn.running_var"] = try TensorData(floats: (0..<32).map { i in i == 0 ? 1e-7 : Float(abs(random.normal())) * 3 }, shape: [32])
        file.tensors["bn.num_batches_tracked"] = try TensorData(integers: [1234], shape: [], dtype: .i64)
        return file
    }

    private let calibration = Calibration.fixed(try! LayerBins(bins: 7), .mse)

    func testQ8StoresOneBytePerValueAndRoundTripsThroughSBW() throws {
        let input = try model()
        let f16 = try ModelQuantizer(policy: TensorPolicy(floatStorage: .float16), calibration: calibration).quantize(input)
        let q8 = try ModelQuantizer(policy: TensorPolicy(floatStorage: .q8), calibration: calibration).quantize(input)
        XCTAssertEqual(q8.quantized, f16.quantized, "weights untouched")
        // 6 + 32 + 32 values at 1 byte + 3 × 8 bytes of offset and step, + the 8-byte counter.
        XCTAssertEqual(q8.keptByteCount, 70 + 24 + 8)
        XCTAssertEqual(f16.keptByteCount, 70 * 2 + 8)
        for k in q8.kept where k.data.dtype.isFloatingPoint {
            let code = try XCTUnwrap(k.affine8, k.name)
            XCTAssertEqual(k.data.dtype, .f32, "decoded kept tensors are F32")
            let original = try input.tensors[k.name]!.floats()
            for (v, d) in zip(original, try k.data.floats()) {
                XCTAssertLessThanOrEqual(abs(v - d), code.step / 2 + 4 * max(abs(v), abs(d)).ulp, k.name)
            }
        }
        XCTAssertTrue(try q8.kept.first { $0.name == "bn.running_var" }!.data.floats().allSatisfy { $0 > 0 })
        let options = try CodecOptions(tableLog: 9)
        let bytes = try SBWModelCodec.encode(q8, options: options)
        XCTAssertEqual(try SBWModelCodec.decode(bytes), q8)
        let parts = SBWByteBreakdown(try SBWFile(bytes: bytes))
        XCTAssertEqual(parts.keptValueBits, (70 + 24) * 8, "8-bit tensors count as kept values")
        let f16Bytes = try SBWModelCodec.encode(f16, options: options)
        XCTAssertEqual(f16Bytes.count - bytes.count, 70 - 24, "q8 saves a byte per value, pays 8 per tensor")
        // decompress writes the same F32 values.
        let url = try temporaryFolder().appendingPathComponent("m.safetensors")
        try SBWModelCodec.decompress(bytes, to: url, metadata: [:])
        let written = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(written.tensors["bn.weight"], q8.kept.first { $0.name == "bn.weight" }!.data)
    }

    func testNonFiniteKeptValuesAreRefusedByName() throws {
        let input = try model(bias: [0, 1, .nan, 2, 3, 4])
        XCTAssertThrowsError(try ModelQuantizer(policy: TensorPolicy(floatStorage: .q8), calibration: calibration).quantize(input)) { error in
            XCTAssertTrue("\(error)".contains("conv.bias") && "\(error)".contains("finite"), "\(error)")
        }
        XCTAssertNoThrow(try ModelQuantizer(policy: TensorPolicy(floatStorage: .float32), calibration: calibration).quantize(input))
    }

    func testDropTrainingStateLeavesOutOnlyTheCounters() throws {
        let input = try model()
        let kept = try ModelQuantizer(policy: TensorPolicy(floatStorage: .q8), calibration: calibration).quantize(input)
        let dropped = try ModelQuantizer(policy: TensorPolicy(floatStorage: .q8, dropTrainingState: true), calibration: calibration).quantize(input)
        XCTAssertEqual(Set(kept.kept.map(\.name)).subtracting(dropped.kept.map(\.name)), ["bn.num_batches_tracked"])
        XCTAssertEqual(try kept.droppingTrainingState(), dropped)
        let bytes = try SBWModelCodec.encode(dropped, options: CodecOptions())
        XCTAssertNil(try SBWFile(bytes: bytes).metadata["int:bn.num_batches_tracked"])
        XCTAssertEqual(try SBWModelCodec.decode(bytes), dropped)
        XCTAssertTrue(TensorPolicy.isTrainingState(name: "layer1.0.bn1.num_batches_tracked", isFloatingPoint: false))
        XCTAssertFalse(TensorPolicy.isTrainingState(name: "bn.running_var", isFloatingPoint: true))
        XCTAssertFalse(TensorPolicy.isTrainingState(name: "bn.num_batches_tracked_extra", isFloatingPoint: false))
    }

    func testDefaultsAreByteIdentical() throws {
        // The default policy stores no kind-4 record and keeps the counter.
        let input = try model()
        let plain = try ModelQuantizer(calibration: calibration).quantize(input)
        XCTAssertTrue(plain.kept.allSatisfy { $0.affine8 == nil })
        XCTAssertTrue(plain.kept.contains { $0.name == "bn.num_batches_tracked" })
        let file = try SBWFile(bytes: SBWModelCodec.encode(plain, options: CodecOptions()))
        XCTAssertFalse(file.tensors.contains { if case .affine8 = $0.payload { return true } else { return false } })
    }
}
