import EntropyCoding
import ModelIO
import TestSupport
import XCTest
@testable import Quantization

/// `SBWRoundTrip`: the bytes are the encoder's, the parsed file is those bytes, and the decoded
/// model is the written one — for every codec and with dependent quantization.
final class SBWRoundTripTests: XCTestCase {
    func testTheDecodedModelIsTheWrittenOneForEveryCodec() throws {
        let model = try ModelQuantizer(calibration: .fixed(LayerBins(bins: 7), .mse)).quantize(try makeToyModel(seed: 3))
        for (index, codec) in CodecKind.allCases.enumerated() {
            let options = try CodecOptions(codec: codec, tableLog: 9, lanes: 1 + index % 3)
            let stored = try SBWRoundTrip(model, options: options)
            XCTAssertEqual(stored.bytes, try SBWModelCodec.encode(model, options: options), "\(codec)")
            XCTAssertEqual(stored.file, try SBWFile(bytes: stored.bytes), "\(codec)")
            XCTAssertEqual(stored.decoded, model, "\(codec)")
            XCTAssertEqual(stored.decoded, try SBWModelCodec.decode(stored.bytes), "\(codec)")
        }
    }

    func testDependentQuantizationSurvivesTheCheck() throws {
        var rng = SplitMix64(seed: 8)
        var file = SafeTensorsFile()
        file.tensors["a.weight"] = try TensorData(floats: rng.weights(count: 900), shape: [30, 30])
        let codec = try CodecOptions(tableLog: 11, lanes: 2)
        let model = try ModelQuantizer(calibration: .fixed(try LayerBins(bins: 15), .mse),
                                       dependentQuantizer: try DependentQuantizer(rateWeight: 0.01, measure: .relative, codec: codec))
            .quantize(file)
        XCTAssertNotNil(model.quantized[0].dependentQuantization)
        XCTAssertEqual(try SBWRoundTrip(model, options: codec).decoded, model)
    }

    func testTheMismatchMessageSaysItIsACodecBug() {
        let text = "\(QuantizationError.roundTripChanged(tensor: "conv1.weight", codec: "tans"))"
        XCTAssertTrue(text.contains("conv1.weight") && text.contains("codec bug") && text.contains("Fix:"), text)
    }
}
