import EntropyCoding
import Foundation
import TestSupport
import XCTest

/// End-to-end tests of `subbit decoder` and `subbit bench decoder`.
final class DecoderCommandTests: XCTestCase {
    private let techFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Experiments/tech/asic-22nm.yaml").path

    /// A three-tensor model: two quantized layers and a float bias.
    private func writeModel(in directory: URL, bins: Int = 15, spread: Int = 15) throws -> URL {
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        func symbols(_ n: Int) -> [UInt8] {
            (0..<n).map { _ in
                let zero = UInt8(bins / 2)
                return next() % 10 < 8 ? zero : UInt8(Int(next() % UInt64(spread)) + bins / 2 - spread / 2)
            }
        }
        let conv = try SBWQuantizedTensor(symbols: symbols(4 * 3 * 3 * 3 * 8), step: 0.02, bins: bins,
                                          codec: .tans(tableLog: 10))
        let fc = try SBWQuantizedTensor(symbols: symbols(64 * 10), step: 0.01, bins: bins, codec: .tans(tableLog: 9))
        let file = SBWFile(metadata: ["model": "tiny"], tensors: [
            try SBWTensor(name: "conv.weight", shape: [32, 3, 3, 3], payload: .quantized(conv)),
            try SBWTensor(name: "conv.bias", shape: [32], payload: .float32([Float](repeating: 0.1, count: 32))),
            try SBWTensor(name: "fc.weight", shape: [10, 64], payload: .quantized(fc)),
        ])
        let url = directory.appendingPathComponent("tiny.sbw")
        try file.write(to: url)
        return url
    }

    func testSweepPrintsTableAndWritesCSV() throws {
        let dir = try temporaryFolder()
        let model = try writeModel(in: dir)
        let result = try SubBitCLI.run(["decoder", model.path, "--lanes", "1,4", "--table-log", "8,10",
                                        "--port-bits", "32", "--tech", techFile, "--sharing", "replicated,shared",
                                        "--simulate", "--consumer", "4,64", "-o", "out.csv"], in: dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("C=4 R=8 W=32 replicated split: smallest P keeping up = 4"), result.stdout)
        XCTAssertTrue(result.stdout.contains("C=64 R=10 W=32 shared split: no lane count in the sweep keeps up"), result.stdout)
        XCTAssertTrue(result.stdout.contains("2 quantized tensors"), result.stdout)
        XCTAssertTrue(result.stdout.contains("sim cycles"), result.stdout)
        let csv = try String(contentsOf: dir.appendingPathComponent("out.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 2 * 2 * 2)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertTrue(header.contains("net_area_saved_um2") && header.contains("sim_decode_cycles"))
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(cells.count, header.count)
            // Analytic and simulated totals agree within 3 %.
            let analytic = Double(cells[header.firstIndex(of: "decode_cycles")!])!
            let simulated = Double(cells[header.firstIndex(of: "sim_decode_cycles")!])!
            XCTAssertEqual(analytic, simulated, accuracy: simulated * 0.03)
        }
    }

    /// Issue 20: `--double-buffer` costs two table banks and says so in the CSV; `--sensitivity`
    /// prints the ±30 % table per configuration, and refuses an FPGA technology with the fix.
    func testDoubleBufferAndSensitivity() throws {
        let dir = try temporaryFolder()
        let model = try writeModel(in: dir)
        let result = try SubBitCLI.run(["decoder", model.path, "--lanes", "4", "--table-log", "10", "--port-bits", "32",
                                        "--tech", techFile, "--double-buffer", "--sensitivity", "-o", "db.csv"], in: dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("P=4 R=10 W=32 replicated split double-buffered:"), result.stdout)
        XCTAssertTrue(result.stdout.contains("| baseline | 1.00 |"), result.stdout)
        XCTAssertTrue(result.stdout.contains("| SRAM leakage | 1.30 |"), result.stdout)
        let csv = try String(contentsOf: dir.appendingPathComponent("db.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines[1][lines[0].firstIndex(of: "double_buffer")!], "true")
        XCTAssertGreaterThan(Double(lines[1][lines[0].firstIndex(of: "table_build_hidden_us")!])!, 0)

        let fpga = URL(fileURLWithPath: techFile).deletingLastPathComponent().appendingPathComponent("fpga-7series.yaml").path
        let refused = try SubBitCLI.run(["decoder", model.path, "--lanes", "4", "--table-log", "10", "--tech", fpga,
                                         "--sensitivity"], in: dir)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("FPGA") && refused.stderr.contains("asic-22nm.yaml"), refused.stderr)
    }

    func testImpossibleConfigurationsAreRefused() throws {
        let dir = try temporaryFolder()
        let model = try writeModel(in: dir)
        let cases: [([String], String)] = [
            (["--lanes", "0"], "at least one lane"),
            (["--port-bits", "0"], "port width W = 0"),
            (["--clock-mhz", "0"], "clock"),
            (["--lanes", "two"], "not a whole number"),
            (["--sharing", "banked"], "is not one of replicated, shared"),
            (["--consumer", "0"], "at least 1 weight"),
        ]
        for (extra, expected) in cases {
            let result = try SubBitCLI.run(["decoder", model.path, "--tech", techFile, "-o", "out.csv"] + extra, in: dir)
            XCTAssertNotEqual(result.status, 0, "\(extra)")
            XCTAssertTrue(result.stderr.contains(expected), "\(extra): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.csv").path))
        }
    }

    /// Issue 20: `--memory-read-latency` and `--state-loop-cycles` reach the model and the
    /// simulator (a constant layer included: it has no state loop), print one report line when
    /// changed, and bad values are refused with one message naming the option.
    func testMemoryLatencyAndStateLoopOptions() throws {
        let dir = try temporaryFolder()
        let base = try writeModel(in: dir)
        var file = try SBWFile(contentsOf: base)
        let constant = try SBWQuantizedTensor(symbols: [UInt8](repeating: 7, count: 300), step: 0.02, bins: 15,
                                              codec: .tans(tableLog: 10))
        file.tensors.append(try SBWTensor(name: "pruned.weight", shape: [300], payload: .quantized(constant)))
        let model = dir.appendingPathComponent("with-constant.sbw")
        try file.write(to: model)
        func run(_ extra: [String], _ csv: String) throws -> (stdout: String, rows: [[String: Double]]) {
            let result = try SubBitCLI.run(["decoder", model.path, "--lanes", "1,4", "--table-log", "10", "--port-bits", "32",
                                            "--tech", techFile, "--simulate", "-o", csv] + extra, in: dir)
            XCTAssertEqual(result.status, 0, result.stderr)
            let lines = try String(contentsOf: dir.appendingPathComponent(csv), encoding: .utf8).split(separator: "\n")
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let rows = lines.dropFirst().map { line in
                Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false)
                    .map { Double($0) ?? .nan }))
            }
            return (result.stdout, rows)
        }
        let standard = try run([], "default.csv")
        XCTAssertFalse(standard.stdout.contains("weight-memory read latency"), standard.stdout)
        XCTAssertTrue(standard.stdout.contains("3 quantized tensors"), standard.stdout)
        let ideal = try run(["--memory-read-latency", "0"], "ideal.csv")
        let pipelined = try run(["--state-loop-cycles", "2"], "pipelined.csv")
        XCTAssertTrue(ideal.stdout.contains("weight-memory read latency 0 cycle(s), state loop 1 cycle(s)"), ideal.stdout)
        XCTAssertTrue(pipelined.stdout.contains("state loop 2 cycle(s)"), pipelined.stdout)
        for (index, row) in standard.rows.enumerated() {
            // No synchronous-SRAM latency: shorter setup bursts, so fewer cycles.
            XCTAssertLessThan(ideal.rows[index]["decode_cycles"]!, row["decode_cycles"]!)
            // The pipelined loop: a lane decodes every second cycle (P = 1 nearly doubles; the
            // constant layer stays one group per cycle).
            XCTAssertGreaterThan(pipelined.rows[index]["busy_cycles"]!, 1.5 * row["busy_cycles"]!)
            for sweep in [standard, ideal, pipelined] {
                let r = sweep.rows[index]
                XCTAssertEqual(r["decode_cycles"]!, r["sim_decode_cycles"]!, accuracy: r["sim_decode_cycles"]! * 0.03)
            }
        }
        let cases: [([String], String)] = [
            (["--memory-read-latency", "9"], "--memory-read-latency 9 is out of range"),
            (["--memory-read-latency=-1"], "--memory-read-latency -1 is out of range"),
            (["--state-loop-cycles", "3"], "--state-loop-cycles 3 is not modelled"),
            (["--state-loop-cycles", "0"], "--state-loop-cycles 0 is not modelled"),
        ]
        for (extra, expected) in cases {
            let result = try SubBitCLI.run(["decoder", model.path, "--tech", techFile, "-o", "bad.csv"] + extra, in: dir)
            XCTAssertNotEqual(result.status, 0, "\(extra)")
            XCTAssertTrue(result.stderr.contains(expected), "\(extra): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.csv").path))
        }
    }

    func testTableLogBelowTheUsedSymbolsIsRefused() throws {
        let dir = try temporaryFolder()
        let model = try writeModel(in: dir, bins: 255, spread: 200)
        let result = try SubBitCLI.run(["decoder", model.path, "--table-log", "6,10", "--tech", techFile], in: dir)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("too small") && result.stderr.contains("distinct symbols"), result.stderr)
    }

    func testMissingFilesAreNamed() throws {
        let dir = try temporaryFolder()
        let model = try writeModel(in: dir)
        let noTech = try SubBitCLI.run(["decoder", model.path, "--tech", "nope.yaml"], in: dir)
        XCTAssertNotEqual(noTech.status, 0)
        XCTAssertTrue(noTech.stderr.contains("nope.yaml"), noTech.stderr)
        let noModel = try SubBitCLI.run(["decoder", "missing.sbw", "--tech", techFile], in: dir)
        XCTAssertNotEqual(noModel.status, 0)
        XCTAssertTrue(noModel.stderr.contains("missing.sbw"), noModel.stderr)
    }

    func testBenchDecoderReportsARate() throws {
        let result = try SubBitCLI.run(["bench", "decoder", "--tech", techFile, "--seconds", "0.05"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("evaluations per second"), result.stdout)
    }
}
