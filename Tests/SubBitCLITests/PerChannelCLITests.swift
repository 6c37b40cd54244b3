import Foundation
import ModelIO
import Quantization
import TestSupport
import XCTest

/// `compress --per-channel`: what `decompress` rebuilds, what `inspect` shows, and the flag errors.
final class PerChannelCLITests: XCTestCase {
    /// `decompress` of a per-channel file gives exactly the library's reconstruction.
    func testCompressPerChannelRoundTrips() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        let original = try SubBitCLI.writeSmallCheckpoint(to: modelURL, seed: 0x2424_0C0C)
        let codec = try CodecOptions(codec: .tans, tableLog: 11, lanes: 16)
        let cases: [([String], ModelQuantizer)] = [
            (["--bins", "15", "--per-channel"],
             ModelQuantizer(calibration: .fixed(try LayerBins(bins: 15), .mse), perChannel: true)),
            (["--rate-weight", "1e-4", "--per-channel"],
             ModelQuantizer(calibration: .rateDistortion(try RateDistortionCalibration(rateWeight: 1e-4, rate: codec.rateModel)),
                            perChannel: true)),
        ]
        for (i, (args, quantizer)) in cases.enumerated() {
            let restored = try SubBitCLI.compressAndDecompress(modelURL, args, in: dir, tag: "m\(i)")
            let expected = try quantizer.quantize(original)
            XCTAssertTrue(expected.quantized.allSatisfy { $0.channelSteps != nil }, "\(args)")
            for t in expected.quantized {
                XCTAssertEqual(try restored.tensor(t.name).floats().map(\.bitPattern), t.dequantized().map(\.bitPattern), "\(args) \(t.name)")
            }
            let inspect = try SubBitCLI.run(["inspect", dir.appendingPathComponent("m\(i).sbw").path])
            XCTAssertEqual(inspect.status, 0, inspect.stderr)
            XCTAssertTrue(inspect.stdout.contains("/32ch") && inspect.stdout.contains("/12ch"), inspect.stdout)
            XCTAssertTrue(inspect.stdout.contains("per-channel step codes"), inspect.stdout)
        }
    }

    func testPerChannelFlagErrors() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try SubBitCLI.writeSmallCheckpoint(to: modelURL, seed: 0x2424_0C0C)
        let sbw = dir.appendingPathComponent("x.sbw")
        let failures: [(args: [String], needle: String)] = [
            (["--bins", "7", "--per-channel", "--rdoq", "--rdoq-weight", "0.1"], "--per-channel and --rdoq do not combine"),
            (["--bins", "7", "--per-channel", "--dq", "--dq-weight", "0.1"], "--per-channel and --dq do not combine"),
            (["--rate-weight", "1e-4", "--per-channel", "--dq"], "--per-channel and --dq do not combine"),
            (["--bins", "7", "--per-channel", "--calibration", "max-abs"], "--calibration max-abs does not apply"),
        ]
        try SubBitCLI.assertCompressRefuses(failures, model: modelURL, output: sbw)
    }
}
