import Foundation
import TestSupport
import XCTest

/// `bench rd`'s NNCodec peer without NNCodec: `SUBBIT_PYTHON` names a small shell script that
/// stands in for the interpreter, so the peer's output parser (a `version` line, then
/// `qp,sqnr_db,bits_per_weight,seconds` lines, anything else skipped), its failure paths and
/// the qps it is given are checked on every machine. The real peer is measured by hand
/// (`Scripts/install-nncodec.sh`; see `Results/mobilenetv2/rate-sqnr`).
final class NNCodecPeerCLITests: XCTestCase {
    /// A stand-in interpreter: `-c "import nncodec"` succeeds; the peer program (`-c PROGRAM
    /// MODEL QPS`) records QPS in `qps.txt` beside the script and runs `body`.
    private func fakePython(in dir: URL, body: String) throws -> URL {
        let script = dir.appendingPathComponent("fake-python")
        let text = """
        #!/bin/sh
        if [ "$2" = "import nncodec" ]; then exit 0; fi
        printf '%s' "$4" > "\(dir.path)/qps.txt"
        \(body)

        """
        try text.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return script
    }

    private func bench(_ dir: URL, python: URL, extra: [String] = []) throws -> CLIResult {
        let modelURL = dir.appendingPathComponent("m.safetensors")
        if !FileManager.default.fileExists(atPath: modelURL.path) {
            _ = try SubBitCLI.writeSmallCheckpoint(to: modelURL, seed: 0x2424_2424)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["SUBBIT_PYTHON"] = python.path
        return try SubBitCLI.run(["bench", "rd", modelURL.path, "--bins", "7,15", "--mu", "1e-4", "--rmu", "0.03",
                                  "--span", "10:20"] + extra, environment: environment)
    }

    /// Measurement lines become `nncodec` rows (table, matched column, CSV); noise and
    /// malformed lines are skipped; the version and the qps of `--nncodec-qp` pass through.
    func testPeerOutputIsParsed() throws {
        let dir = try temporaryFolder()
        let python = try fakePython(in: dir, body: """
        echo "version 9.9-test"
        echo "INFO: QP for features.0.0.weight has been clipped"
        echo "-20,16.000000,3.000000,0.250"
        echo "-12,x,1.0,0.1"
        echo "-16,11.000000,2.000000,0.125"
        echo "1,2,3"
        """)
        let csv = dir.appendingPathComponent("rd.csv")
        let r = try bench(dir, python: python, extra: ["--nncodec-qp=-20,-16,-12", "-o", csv.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("qps.txt"), encoding: .utf8), "-20,-16,-12")
        XCTAssertTrue(r.stdout.contains("NNCodec peer: nncodec 9.9-test"), r.stdout)
        XCTAssertTrue(r.stdout.contains("nncodec b/qw"), "the matched table has the peer's column: \(r.stdout)")
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("nncodec,") }
        XCTAssertEqual(rows.count, 2, "\(rows)")
        XCTAssertTrue(rows[0].hasPrefix("nncodec,qp=-20,16.000,3.0000,0.250,"), "\(rows)")
        XCTAssertTrue(rows[1].hasPrefix("nncodec,qp=-16,11.000,2.0000,0.125,"), "\(rows)")
        // Matched at 12 dB: one fifth of the way from (11 dB, 2.0) to (16 dB, 3.0) = 2.200 b/qw.
        let at12 = r.stdout.split(separator: "\n").first { $0.hasPrefix("| 12.0 |") }
        XCTAssertNotNil(at12, r.stdout)
        XCTAssertTrue(at12?.contains("| 2.200 |") ?? false, "\(at12 ?? "")")
    }

    /// A peer program that fails names the last line of its error output; one that prints
    /// no measurement says so; SubBit's own results are printed either way.
    func testPeerFailuresAreReportedAndSubBitRunsAlone() throws {
        let dir = try temporaryFolder()
        let failing = try fakePython(in: dir, body: """
        echo "version 9.9-test"
        echo "Traceback (most recent call last):" >&2
        echo "ValueError: boom" >&2
        exit 3
        """)
        let r = try bench(dir, python: failing)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("NNCodec peer: failed (ValueError: boom); SubBit alone."), r.stdout)
        XCTAssertTrue(r.stdout.contains("matched SQNR"), r.stdout)
        XCTAssertFalse(r.stdout.contains("nncodec b/qw"), r.stdout)

        let silent = try fakePython(in: dir, body: "echo \"version 9.9-test\"")
        let s = try bench(dir, python: silent)
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertTrue(s.stdout.contains("NNCodec peer: failed (it printed no measurement); SubBit alone."), s.stdout)
    }

    /// `--nncodec-lambda 0,1`: λ reaches the program as its third argument; a line carrying λ 1
    /// becomes an `nncodec-rd1` row with its own margin column, a λ 0 line the default `nncodec`;
    /// a negative λ is refused before any work.
    func testRateAwareLambdaGetsItsOwnMode() throws {
        let dir = try temporaryFolder()
        let python = try fakePython(in: dir, body: """
        printf '%s' "$5" > "\(dir.path)/lambdas.txt"
        echo "version 9.9-test"
        echo "-20,16.000000,3.000000,0.250,0"
        echo "-16,11.000000,2.000000,0.125,0"
        echo "-20,15.000000,2.700000,0.300,1"
        echo "-16,10.000000,1.800000,0.200,1"
        """)
        let csv = dir.appendingPathComponent("rd.csv")
        let r = try bench(dir, python: python, extra: ["--nncodec-qp=-20,-16", "--nncodec-lambda", "0,1", "-o", csv.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("lambdas.txt"), encoding: .utf8), "0,1")
        let text = try String(contentsOf: csv, encoding: .utf8)
        XCTAssertTrue(text.contains("\nnncodec,qp=-20,16.000,3.0000,"), text)
        XCTAssertTrue(text.contains("\nnncodec-rd1,qp=-20,15.000,2.7000,"), text)
        XCTAssertTrue(r.stdout.contains("nncodec-rd1 − best SubBit"), r.stdout)
        XCTAssertTrue(r.stdout.contains("rate-aware trellis (not its default) at lambda_scale 1"), r.stdout)

        let bad = try bench(dir, python: python, extra: ["--nncodec-lambda=-1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--nncodec-lambda"), bad.stderr)
    }

    /// A malformed `--nncodec-qp` is refused before any work, with the option named.
    func testBadQPListIsRefused() throws {
        let dir = try temporaryFolder()
        let python = try fakePython(in: dir, body: "exit 0")
        let r = try bench(dir, python: python, extra: ["--nncodec-qp=-20,x"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--nncodec-qp"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("qps.txt").path))
    }
}
