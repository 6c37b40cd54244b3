import XCTest
import EntropyCoding
import ModelIO
@testable import Quantization

/// Issue 25, defects 6, 8 and 9 at the compressor: `compress` writes only what `decompress`
/// reads back, refuses what it would silently change, and keeps its numbers finite for weights
/// up to Float.greatestFiniteMagnitude.
final class HostileModelTests: XCTestCase {
    let quantizer = ModelQuantizer(calibration: .fixed(try! LayerBins(bins: 15), .mse))

    func testBoolBytesOtherThanZeroOrOneAreRefusedAtCompress() throws {
        var file = SafeTensorsFile()
        file.tensors["w"] = try TensorData(floats: (0..<16).map { Float($0) }, shape: [4, 4])
        file.tensors["mask"] = try TensorData(dtype: .bool, shape: [3], bytes: [0, 1, 2])
        let model = try quantizer.quantize(file)
        XCTAssertThrowsError(try SBWModelCodec.encode(model, options: CodecOptions())) { error in
            XCTAssertTrue("\(error)".contains("BOOL"), "\(error)")
        }
    }

    func testTensorNamedMetadataIsRefusedBothWays() throws {
        var file = SafeTensorsFile()
        file.tensors["__metadata__"] = try TensorData(floats: (0..<16).map { Float($0) }, shape: [4, 4])
        let model = try quantizer.quantize(file)
        XCTAssertThrowsError(try SBWModelCodec.encode(model, options: CodecOptions())) { error in
            XCTAssertEqual(error as? QuantizationError, .reservedName("__metadata__"))
        }
        let q = try SBWQuantizedTensor(symbols: [7, 7, 7, 7], step: 0.1, bins: 15, codec: .tans(tableLog: 11))
        let sbw = SBWFile(metadata: [SBWModelCodec.formatKey: SBWModelCodec.formatValue],
                          tensors: [try SBWTensor(name: "__metadata__", shape: [2, 2], payload: .quantized(q))])
        XCTAssertThrowsError(try SBWModelCodec.decode(sbw.serialized())) { error in
            XCTAssertEqual(error as? QuantizationError, .reservedName("__metadata__"))
        }
    }

    func testKeptF64IsRefusedNotNarrowed() throws {
        var file = SafeTensorsFile()
        file.tensors["w"] = try TensorData(floats: (0..<16).map { Float($0) }, shape: [4, 4])
        file.tensors["bias"] = try TensorData(floats: [0.1, 0.2], shape: [2], dtype: .f64)
        XCTAssertThrowsError(try quantizer.quantize(file)) { error in
            XCTAssertEqual(error as? QuantizationError, .wouldNarrow(tensor: "bias", dtype: "F64"))
            XCTAssertTrue("\(error)".contains("convert it to F32"), "\(error)")
        }
    }

    /// Defect 8: the same weights scaled by 1e15 and by 1e19 (and up to Float's largest finite
    /// value) give the same SQNR — the squared sums no longer overflow.
    func testSQNRSurvivesHugeWeights() throws {
        let base = (0..<4_096).map { i -> Float in Float(sin(Double(i) * 0.37) * exp(-Double(i % 97) / 30)) }
        func sqnr(_ scale: Float) -> Double {
            let weights = base.map { $0 * scale }
            let q = quantizer.quantizer(for: "w", weights: weights)
            return Distortion(weights: weights, quantizer: q).sqnrDecibels
        }
        let reference = sqnr(1)
        XCTAssertGreaterThan(reference, 10)
        for scale: Float in [1e15, 1e19, 1e30, Float.greatestFiniteMagnitude / 2] {
            let value = sqnr(scale)
            XCTAssertTrue(value.isFinite, "scale \(scale)")
            XCTAssertEqual(value, reference, accuracy: 0.5, "scale \(scale)")
        }
        // Bits of ordinary weights are unchanged: the Float path is taken whenever it is finite.
        let e: Float = 0.3 - Float(1) * 0.25
        XCTAssertEqual(StepCalibration.squaredError(0.3, level: 1, step: 0.25), Double(e * e))
    }

    func testNamesAreEscapedInQuantizationMessages() {
        let text = QuantizationError.nonFiniteWeights(tensor: "a\nb").description
        XCTAssertFalse(text.contains("\n"), text)
        XCTAssertTrue(text.contains("a\\nb"), text)
    }
}
