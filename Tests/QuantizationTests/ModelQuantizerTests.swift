import ModelIO
import TestSupport
import XCTest
@testable import Quantization

/// A small CNN-shaped model: conv, depthwise conv, BN statistics, linear, int counter.
func makeToyModel(seed: UInt64 = 1) throws -> SafeTensorsFile {
    var rng = SplitMix64(seed: seed)
    func gaussian(_ n: Int, _ s: Double) -> [Float] { (0..<n).map { _ in Float(rng.normal() * s) } }
    var file = SafeTensorsFile()
    file.tensors["features.0.0.weight"] = try TensorData(floats: gaussian(8 * 3 * 3 * 3, 0.2), shape: [8, 3, 3, 3])
    file.tensors["features.0.1.weight"] = try TensorData(floats: gaussian(8, 1), shape: [8])
    file.tensors["features.0.1.bias"] = try TensorData(floats: gaussian(8, 0.1), shape: [8])
    file.tensors["features.0.1.running_mean"] = try TensorData(floats: gaussian(8, 0.1), shape: [8])
    file.tensors["features.0.1.running_var"] = try TensorData(floats: gaussian(8, 0.1).map(abs), shape: [8])
    file.tensors["features.0.1.num_batches_tracked"] = try TensorData(integers: [1234], shape: [])
    file.tensors["features.1.conv.0.0.weight"] = try TensorData(floats: gaussian(8 * 9, 0.3), shape: [8, 1, 3, 3])
    file.tensors["classifier.1.weight"] = try TensorData(floats: gaussian(10 * 64, 0.05), shape: [10, 64])
    file.tensors["classifier.1.bias"] = try TensorData(floats: gaussian(10, 0.01), shape: [10], dtype: .f16)
    return file
}

final class ModelQuantizerTests: XCTestCase {
    func testRolesAndRoundTripThroughDequantization() throws {
        let file = try makeToyModel()
        let model = try ModelQuantizer(calibration: .fixed(LayerBins(bins: 15), .mse)).quantize(file)
        XCTAssertEqual(model.quantized.map(\.name),
                       ["classifier.1.weight", "features.0.0.weight", "features.1.conv.0.0.weight"])
        XCTAssertEqual(model.kept.count, 6)
        XCTAssertEqual(model.parameterCount, 216 + 8 * 4 + 1 + 72 + 640 + 10)
        let out = try model.dequantized()
        XCTAssertEqual(Set(out.tensors.keys), Set(file.tensors.keys))
        for name in file.names {
            XCTAssertEqual(out.tensors[name]!.shape, file.tensors[name]!.shape, name)
        }
        // Kept tensors are byte-for-byte the input (f32 storage keeps F16 as F16, ints verbatim).
        for k in model.kept { XCTAssertEqual(out.tensors[k.name], file.tensors[k.name], k.name) }
        for t in model.quantized {
            XCTAssertEqual(try out.tensors[t.name]!.floats(), t.dequantized())
            XCTAssertEqual(t.quantizer.bins, 15)
            let w = try file.tensors[t.name]!.floats()
            XCTAssertGreaterThan(Distortion(weights: w, quantizer: t.quantizer).sqnrDecibels, 15)
        }
    }

    func testFloat16StorageAndKeepFloat() throws {
        let file = try makeToyModel()
        let policy = TensorPolicy(keepFloat: ["classifier.*"], floatStorage: .float16)
        let model = try ModelQuantizer(policy: policy, calibration: .fixed(LayerBins(bins: 3), .maxAbs)).quantize(file)
        XCTAssertEqual(model.quantized.map(\.name), ["features.0.0.weight", "features.1.conv.0.0.weight"])
        let classifier = model.kept.first { $0.name == "classifier.1.weight" }!
        XCTAssertEqual(classifier.data.dtype, .f16)
        XCTAssertEqual(model.kept.first { $0.name.hasSuffix("num_batches_tracked") }!.data.dtype, .i64)
    }

    func testOverridesAndErrors() throws {
        let file = try makeToyModel()
        let model = try ModelQuantizer(calibration: .fixed(LayerBins(bins: 7, overrides: [("features.0.*", 255)]), .mse))
            .quantize(file)
        XCTAssertEqual(model.quantized.map(\.quantizer.bins), [7, 255, 7])
        XCTAssertThrowsError(try ModelQuantizer(calibration: .fixed(LayerBins(bins: 7, overrides: [("nope.*", 3)]), .mse))
            .quantize(file)) { XCTAssertEqual($0 as? QuantizationError, .unmatchedOverride("nope.*")) }
        var bad = file
        bad.tensors["classifier.1.weight"] = try TensorData(floats: [Float.nan] + [Float](repeating: 0, count: 639), shape: [10, 64])
        XCTAssertThrowsError(try ModelQuantizer(calibration: .fixed(LayerBins(bins: 7), .mse)).quantize(bad)) {
            XCTAssertEqual($0 as? QuantizationError, .nonFiniteWeights(tensor: "classifier.1.weight"))
        }
        XCTAssertThrowsError(try ModelQuantizer(calibration: .fixed(LayerBins(bins: 7), .mse)).quantize(SafeTensorsFile()))
    }

    func testQuantizedTensorValidation() throws {
        let q = try ZeroPointQuantizer(bins: 3, step: 0.5)
        XCTAssertEqual(try QuantizedTensor(name: "a", shape: [2, 2], quantizer: q, symbols: [0, 1, 2, 1]).dequantized(),
                       [-0.5, 0, 0.5, 0])
        XCTAssertThrowsError(try QuantizedTensor(name: "a", shape: [2, 2], quantizer: q, symbols: [0, 1, 2]))
        XCTAssertThrowsError(try QuantizedTensor(name: "a", shape: [2], quantizer: q, symbols: [0, 3]))
        let t = try QuantizedTensor(name: "a", shape: [1], quantizer: q, symbols: [0])
        XCTAssertThrowsError(try QuantizedModel(quantized: [t], kept: [KeptTensor(name: "a", data: TensorData(floats: [1], shape: [1]))]))
    }
}
