import Foundation
import ModelIO
import Quantization
import TestSupport
import XCTest

/// `compress --bins N` above 255 (split levels): what `decompress` rebuilds, what `inspect` and
/// `decoder` show, and what the tools that stop at 255 bins say.
final class SplitLevelsCLITests: XCTestCase {
    private let techFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Experiments/tech/asic-22nm.yaml").path

    func testCompressAbove255BinsRoundTripsAndIsShown() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        let original = try SubBitCLI.writeSmallCheckpoint(to: modelURL, seed: 0x1019)
        let restored = try SubBitCLI.compressAndDecompress(modelURL, ["--bins", "1019", "--lanes", "4"], in: dir, tag: "w")
        let expected = try ModelQuantizer(calibration: .fixed(try LayerBins(bins: 1019), .mse)).quantize(original)
        XCTAssertTrue(expected.quantized.allSatisfy { $0.splitLevels?.fineBits == 2 })
        for t in expected.quantized {
            XCTAssertEqual(try restored.tensor(t.name).floats().map(\.bitPattern), t.dequantized().map(\.bitPattern), t.name)
        }
        let sbw = dir.appendingPathComponent("w.sbw").path
        let inspect = try SubBitCLI.run(["inspect", sbw])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("+2 fine") && inspect.stdout.contains("1019"), inspect.stdout)

        let decoder = try SubBitCLI.run(["decoder", sbw, "--tech", techFile, "--lanes", "4", "--table-log", "10"])
        XCTAssertEqual(decoder.status, 0, decoder.stderr)
        XCTAssertTrue(decoder.stdout.contains("split levels (more than 255 bins): 2 layer(s) carry 2 raw fine bit(s)"), decoder.stdout)
        let simulate = try SubBitCLI.run(["decoder", sbw, "--tech", techFile, "--lanes", "4", "--table-log", "10", "--simulate"])
        // The cycle simulator reads the fine-bit stream: its levels equal the software decoder's
        // (the sweep refuses otherwise) and its cycles sit beside the model's.
        XCTAssertEqual(simulate.status, 0, simulate.stderr)
        XCTAssertTrue(simulate.stdout.contains("sim cycles") && simulate.stdout.contains("err %"), simulate.stdout)
        let rtl = try SubBitCLI.run(["rtl", sbw, "-o", dir.appendingPathComponent("rtl").path, "--lanes", "4", "--table-log", "10"])
        XCTAssertNotEqual(rtl.status, 0)
        XCTAssertTrue(rtl.stderr.contains("reads no fine-bit stream"), rtl.stderr)
    }

    func testToolsThatStopAt255BinsRefuse() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try SubBitCLI.writeSmallCheckpoint(to: modelURL, seed: 0x1019)
        let sbw = dir.appendingPathComponent("x.sbw")
        try SubBitCLI.assertCompressRefuses([
            (["--bins", "4097"], "up to 4095"),
            (["--bins", "1020"], "invalid bin count 1020"),
            (["--bins", "509", "--rdoq", "--rdoq-weight", "0.01"], "RDOQ works on at most 255 bins"),
            (["--bins", "509", "--dq", "--dq-weight", "0.01"], "dependent quantization works on at most 255 bins"),
            (["--bins", "509", "--per-channel"], "per-channel steps works on at most 255 bins"),
        ], model: modelURL, output: sbw)
    }
}
