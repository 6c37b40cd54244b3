import Foundation
import ModelIO
import Quantization
import TestSupport
import XCTest

/// `compress --rdoq`, compress-sweep's RDOQ points and `bench rd`.
final class RDOQCLITests: XCTestCase {
    private func writeModel(to url: URL) throws -> SafeTensorsFile {
        try SubBitCLI.writeSmallCheckpoint(to: url, seed: 0x2424_2424)
    }

    /// `decompress` of an RDOQ file gives exactly the RDOQ levels × Δ.
    func testCompressRDOQRoundTrips() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        let original = try writeModel(to: modelURL)
        let codec = try CodecOptions(codec: .tans, tableLog: 11, lanes: 16)
        let cases: [([String], ModelQuantizer)] = [
            (["--rate-weight", "1e-4", "--rdoq"],
             ModelQuantizer(calibration: .rateDistortion(try RateDistortionCalibration(rateWeight: 1e-4, rate: codec.rateModel)),
                            rdoq: try RDOQ(rateWeight: 1e-4, codec: codec))),
            (["--rate-weight", "0.05", "--distortion", "relative", "--rdoq"],
             ModelQuantizer(calibration: .rateDistortion(try RateDistortionCalibration(rateWeight: 0.05, rate: codec.rateModel, measure: .relative)),
                            rdoq: try RDOQ(rateWeight: 0.05, measure: .relative, codec: codec))),
            (["--bins", "15", "--rdoq", "--rdoq-weight", "0.02", "--distortion", "relative"],
             ModelQuantizer(calibration: .fixed(try LayerBins(bins: 15), .mse), rdoq: try RDOQ(rateWeight: 0.02, measure: .relative, codec: codec))),
        ]
        for (i, (args, quantizer)) in cases.enumerated() {
            let restored = try SubBitCLI.compressAndDecompress(modelURL, args, in: dir, tag: "m\(i)")
            let expected = try quantizer.quantize(original)
            let nearest = try ModelQuantizer(calibration: quantizer.calibration).quantize(original)
            XCTAssertNotEqual(expected.quantized.map(\.symbols), nearest.quantized.map(\.symbols), "\(args): RDOQ moved some level")
            for t in expected.quantized {
                let levels = t.symbols.map { Float(Int($0) - t.quantizer.maxLevel) * t.quantizer.step }
                XCTAssertEqual(try restored.tensor(t.name).floats().map(\.bitPattern), levels.map(\.bitPattern), "\(args) \(t.name)")
            }
        }
    }

    func testRDOQFlagErrors() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        let sbw = dir.appendingPathComponent("x.sbw")
        let failures: [(args: [String], needle: String)] = [
            (["--bins", "7", "--rdoq"], "needs --rdoq-weight"),
            (["--bins", "7", "--rdoq-weight", "0.1"], "add --rdoq"),
            (["--rate-weight", "1e-4", "--rdoq", "--rdoq-weight", "0.1"], "does not apply with --rate-weight"),
            (["--bins", "7", "--rdoq", "--rdoq-weight=-1"], "invalid rate weight"),
            (["--bins", "7", "--rdoq", "--rdoq-weight", "0.1", "--distortion", "squared"], "--distortion"),
            (["--bins", "7", "--distortion", "relative"], "only apply to --calibration rd"),
        ]
        try SubBitCLI.assertCompressRefuses(failures, model: modelURL, output: sbw)
    }

    /// compress-sweep runs RDOQ points and refuses malformed ones with the reason.
    func testCompressSweepRDOQPoints() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        let out = dir.appendingPathComponent("sweep")
        let r = try SubBitCLI.run(["compress-sweep", modelURL.path, "--out", out.path,
                                   "--points", "bins=15,bins=15+rrdoq=0.02,mu=1e-4,mu=1e-4+rdoq"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try String(contentsOf: out.appendingPathComponent("compression.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.map { $0[0] }, ["bins=15", "bins=15+rrdoq=0.02", "mu=0.0001", "mu=0.0001+rdoq"])
        let tans = rows.map { Double($0[15])! }
        XCTAssertLessThan(tans[1], tans[0], "RDOQ codes fewer bits at 15 bins")
        XCTAssertLessThan(tans[3], tans[2], "RDOQ codes fewer bits at μ")
        let md = try String(contentsOf: out.appendingPathComponent("compression.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("`+rdoq`"), "the document explains RDOQ points")
        for (point, needle) in [("bins=15+rdoq", "needs RDOQ's μ"), ("mu=1e-4+rdoq=3", "its own μ"), ("bins=15+rdoqq=1", "is not +rdoq")] {
            let bad = try SubBitCLI.run(["compress-sweep", modelURL.path, "--out", out.path, "--points", point])
            XCTAssertNotEqual(bad.status, 0, point)
            XCTAssertTrue(bad.stderr.contains(needle), "\(point): \(bad.stderr)")
        }
    }

    /// SUBBIT_PYTHON chooses the peer's interpreter; one that cannot import nncodec (here: none
    /// at all) is named in the one-line note, and SubBit runs alone.
    func testBenchRDNamesThePeerInterpreter() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        var environment = ProcessInfo.processInfo.environment
        environment["SUBBIT_PYTHON"] = "/nonexistent/python"
        let r = try SubBitCLI.run(["bench", "rd", modelURL.path, "--bins", "7,15", "--mu", "1e-4", "--rmu", "0.03",
                                   "--span", "10:20"], environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("/nonexistent/python cannot import nncodec"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Scripts/install-nncodec.sh"), r.stdout)
    }

    /// `bench rd` on a small grid: the table, the CSV, the peer line, and bad options.
    func testBenchRD() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        let csv = dir.appendingPathComponent("rd.csv")
        let r = try SubBitCLI.run(["bench", "rd", modelURL.path, "--bins", "7,15,31", "--mu", "1e-3,1e-4,1e-5",
                                   "--rmu", "0.3,0.03,0.003", "--span", "10:20", "--nncodec-qp=-20", "-o", csv.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("matched SQNR"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Scripts/install-nncodec.sh") || r.stdout.contains("NNCodec peer: nncodec"), r.stdout)
        XCTAssertTrue(r.stdout.contains("best RDOQ mode vs best plain mode"), r.stdout)
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "mode,point,sqnr_db,tans_bits_per_quantized_weight,seconds,rdoq_seconds,rdoq_changed_fraction,rdoq_iterations_max")
        let modes = lines.dropFirst().map { String($0.split(separator: ",")[0]) }
        for m in ["bins", "bins+rdoq", "mu", "mu+rdoq", "rmu", "rmu+rdoq"] {
            XCTAssertEqual(modes.filter { $0 == m }.count, 3, m)
        }
        for (args, needle) in [(["--bins", "4"], "odd number"), (["--mu", "x"], "--mu: 'x' is not a finite number"),
                               (["--span", "20:10"], "bad --span")] {
            let bad = try SubBitCLI.run(["bench", "rd", modelURL.path, "--no-peer"] + args)
            XCTAssertNotEqual(bad.status, 0, "\(args)")
            XCTAssertTrue(bad.stderr.contains(needle), "\(args): \(bad.stderr)")
        }
    }
    /// `bench rd --dq --per-channel`: each tool's decoder share beside the bits it saves (RDOQ
    /// adds nothing to the decoder; DQ and per-channel steps do), and the options' mistakes.
    func testBenchRDCostsEachToolInTheDecoder() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        let tech = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Experiments/tech/asic-22nm.yaml")
        let r = try SubBitCLI.run(["bench", "rd", modelURL.path, "--bins", "7,15,31", "--mu", "1e-3,1e-4", "--rmu", "0.3,0.03",
                                   "--span", "10:20", "--dq", "--per-channel", "--no-peer", "--tech", tech.path, "--cost-lanes", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Decoder cost of each tool beside the bits it saves (asic-22nm; P = 4, R = 11"), r.stdout)
        let rows = r.stdout.split(separator: "\n").map(String.init)
        func row(_ name: String) throws -> [Double] {
            let line = try XCTUnwrap(rows.first { $0.hasPrefix(name) }, name)
            return line.dropFirst(35).split(separator: " ").compactMap { Double($0) }
        }
        let rdoq = try row("RDOQ"), dq = try row("dependent quantization (8 states)"), pc = try row("per-channel steps")
        for cells in [rdoq, dq, pc] {
            XCTAssertEqual(cells.count, 7, "\(cells)")
            XCTAssertEqual(cells[4], cells[2] - cells[3], accuracy: 1, "net = memory saved − decoder added")
        }
        XCTAssertEqual(rdoq[3], 0, "RDOQ changes no decoder")
        XCTAssertEqual(rdoq[6], 0)
        XCTAssertGreaterThan(dq[3], 0)
        XCTAssertGreaterThan(pc[3], 0)
        XCTAssertGreaterThan(pc[6], 0)
        for (args, needle) in [(["--tech", dir.appendingPathComponent("none.yaml").path], "none.yaml"),
                               (["--cost-lanes", "0"], "--cost-lanes 0 is out of range")] {
            let bad = try SubBitCLI.run(["bench", "rd", modelURL.path, "--no-peer", "--bins", "7"] + args)
            XCTAssertNotEqual(bad.status, 0, "\(args)")
            XCTAssertTrue(bad.stderr.contains(needle), "\(args): \(bad.stderr)")
        }
    }
}
