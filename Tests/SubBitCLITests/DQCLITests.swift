import Foundation
import ModelIO
import Quantization
import TestSupport
import XCTest

/// `compress --dq`: what `decompress` rebuilds, and the flag errors.
final class DQCLITests: XCTestCase {
    private func writeModel(to url: URL) throws -> SafeTensorsFile {
        try SubBitCLI.writeSmallCheckpoint(to: url, seed: 0x2424_0DD0)
    }

    /// `decompress` of a DQ file gives exactly the library's DQ reconstruction.
    func testCompressDQRoundTrips() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        let original = try writeModel(to: modelURL)
        let codec = try CodecOptions(codec: .tans, tableLog: 11, lanes: 16)
        let cases: [([String], ModelQuantizer)] = [
            (["--rate-weight", "1e-4", "--dq"],
             ModelQuantizer(calibration: .rateDistortion(try RateDistortionCalibration(rateWeight: 1e-4, rate: codec.rateModel)),
                            dependentQuantizer: try DependentQuantizer(rateWeight: 1e-4, codec: codec))),
            (["--bins", "15", "--dq", "--dq-weight", "0.02", "--distortion", "relative", "--dq-states", "4"],
             ModelQuantizer(calibration: .fixed(try LayerBins(bins: 15), .mse),
                            dependentQuantizer: try DependentQuantizer(rateWeight: 0.02, measure: .relative, codec: codec, machine: .fourState))),
        ]
        for (i, (args, quantizer)) in cases.enumerated() {
            let restored = try SubBitCLI.compressAndDecompress(modelURL, args, in: dir, tag: "m\(i)")
            let expected = try quantizer.quantize(original)
            XCTAssertTrue(expected.quantized.allSatisfy { $0.dependentQuantization != nil }, "\(args)")
            for t in expected.quantized {
                XCTAssertEqual(try restored.tensor(t.name).floats().map(\.bitPattern), t.dequantized().map(\.bitPattern), "\(args) \(t.name)")
            }
        }
    }

    func testDQFlagErrors() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        let sbw = dir.appendingPathComponent("x.sbw")
        let failures: [(args: [String], needle: String)] = [
            (["--bins", "7", "--dq"], "needs --dq-weight"),
            (["--bins", "7", "--dq-weight", "0.1"], "add --dq"),
            (["--bins", "7", "--dq-states", "4"], "add --dq"),
            (["--rate-weight", "1e-4", "--dq", "--dq-weight", "0.1"], "does not apply with --rate-weight"),
            (["--rate-weight", "1e-4", "--dq", "--rdoq"], "use one of them"),
            (["--bins", "7", "--dq", "--dq-weight", "0.1", "--dq-states", "6"], "not a known state machine"),
            (["--bins", "7", "--dq", "--dq-weight=-1"], "invalid rate weight"),
        ]
        try SubBitCLI.assertCompressRefuses(failures, model: modelURL, output: sbw)
    }
}
