import Foundation
import ModelIO
import TestSupport
import XCTest

/// End-to-end tests of `subbit run` and `subbit merge` on a small real pipeline: a pretrained
/// model made here is calibrated, encoded, decoded and costed at every point, through the cache.
final class RunCommandTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A folder with a small "pretrained" model and a spec of `points` sweep points over it.
    func makeExperiment(largeSweep: Bool = false) throws -> (folder: URL, spec: URL) {
        let folder = try temporaryFolder()
        var state: UInt64 = 42
        func normal() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Float(state >> 40) / Float(1 << 24)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let v = Float(state >> 40) / Float(1 << 24)
            return (-2 * log(max(u, 1e-7))).squareRoot() * cos(2 * .pi * v)
        }
        var file = SafeTensorsFile()
        for (name, shape) in [("conv1.weight", [16, 3, 3, 3]), ("fc1.weight", [64, 144]), ("fc2.weight", [10, 64])] {
            let n = shape.reduce(1, *)
            file.tensors[name] = try TensorData(floats: (0..<n).map { _ in normal() * 0.1 }, shape: shape)
            file.tensors[name.replacingOccurrences(of: "weight", with: "bias")] =
                try TensorData(floats: (0..<shape[0]).map { _ in normal() * 0.01 }, shape: [shape[0]])
        }
        try file.write(to: folder.appendingPathComponent("tiny.safetensors"))
        let sweep = largeSweep
            ? "  bin_policy: [3, 5, 7, 9, 15, 31]\n  table_log: [8, 9, 10, 11, 12]\n  lanes: [1, 2, 4, 8]\n  port_bits: [32, 64]\n"
            : "  bin_policy: [3, 7, 15]\n  table_log: [8, 10]\n  lanes: [1, 4]\n  port_bits: [32, 64]\n"
        let spec = try writeSpec("e2e.yaml", experiment: "e2e", in: folder, sweep: sweep,
                                 decoder: ", compute_weights_per_cycle: 4", plots: "[decoders, codec-overhead]")
        return (folder, spec)
    }

    /// A spec over the folder's `tiny.safetensors` (MSE steps) with these sweep lines.
    func writeSpec(_ file: String, experiment: String, in folder: URL, sweep: String, decoder: String = "",
                   plots: String = "[frontier]") throws -> URL {
        let tech = Self.repository.appendingPathComponent("Experiments/tech/asic-22nm.yaml").path
        let spec = folder.appendingPathComponent(file)
        try """
        experiment: \(experiment)
        pretrained: \(folder.appendingPathComponent("tiny.safetensors").path)
        calibration: mse
        sweep:
        \(sweep)decoder: {tech: \(tech)\(decoder)}
        outputs: {plots: \(plots), formats: [svg]}
        """.write(to: spec, atomically: true, encoding: .utf8)
        return spec
    }

    func run(_ spec: URL, in folder: URL, cache: String, results: String = "Results", extra: [String] = []) throws -> CLIResult {
        try SubBitCLI.run(["run", spec.path, "--cache", cache, "--results", results] + extra, in: folder)
    }

    /// `runs.csv` rows without `train_seconds` (a wall-clock measurement, different on every run).
    func rows(_ url: URL) throws -> [String] { try Self.rows(url) }

    /// `runs.csv` rows without `train_seconds`.
    static func rows(_ url: URL) throws -> [String] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        let skip = header.firstIndex(of: "train_seconds")!
        return lines.map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset != skip }.map { String($0.element) }.joined(separator: ",")
        }
    }

    func testRunWritesResultsAndPlotsAndARerunComputesNothing() throws {
        let (folder, spec) = try makeExperiment()
        let first = try run(spec, in: folder, cache: "cache")
        XCTAssertEqual(first.status, 0, first.stderr)
        let results = folder.appendingPathComponent("Results/e2e")
        let runs = try rows(results.appendingPathComponent("runs.csv"))
        XCTAssertEqual(runs.count, 1 + 3 * 2 * 2 * 2)
        XCTAssertTrue(runs[0].hasPrefix("point_id,experiment,dataset,model"))
        for name in ["layers.csv", "pareto.csv", "runs.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent(name).path), name)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Plots/e2e/decoders.svg").path))
        XCTAssertTrue(first.stdout.contains("results:"), first.stdout)
        let second = try run(spec, in: folder, cache: "cache")
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("points 24/24 (24 cached)"), second.stderr)
        XCTAssertEqual(try rows(results.appendingPathComponent("runs.csv")), runs)
    }

    func testShardsMergeToTheUnshardedRows() throws {
        let (folder, spec) = try makeExperiment()
        XCTAssertEqual(try run(spec, in: folder, cache: "cache-whole", results: "Whole").status, 0)
        for i in 1...3 {
            // Separate caches: the shards compute everything themselves.
            let r = try run(spec, in: folder, cache: "cache-shards-\(i)", results: "Sharded", extra: ["--shard", "\(i)/3"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let incomplete = try SubBitCLI.run(["merge", "Sharded/e2e"], in: folder)
        XCTAssertEqual(incomplete.status, 0, incomplete.stderr)
        XCTAssertEqual(try rows(folder.appendingPathComponent("Sharded/e2e/runs.csv")),
                       try rows(folder.appendingPathComponent("Whole/e2e/runs.csv")))
        // A missing shard is named, and nothing is overwritten.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("Sharded/e2e/shards/2-of-3"))
        let missing = try SubBitCLI.run(["merge", "Sharded/e2e"], in: folder)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("2/3"), missing.stderr)
    }

    /// SIGKILL a sweep at 5 random moments (each with its own cache); every rerun resumes and ends
    /// with exactly the rows of an uninterrupted run — none missing, none duplicated, and a results
    /// file seen after a kill is never partial.
    func testSIGKILLAtRandomMomentsThenResumeGivesTheUninterruptedRows() throws {
        let (folder, spec) = try makeExperiment(largeSweep: true)
        let started = Date()
        XCTAssertEqual(try run(spec, in: folder, cache: "cache-reference", results: "Reference").status, 0)
        // Kill moments spread over the span an uninterrupted run takes, so they land mid-run.
        let span = max(Date().timeIntervalSince(started), 0.2)
        let reference = try rows(folder.appendingPathComponent("Reference/e2e/runs.csv"))
        XCTAssertEqual(reference.count, 1 + 6 * 5 * 4 * 2)
        var generator = SystemRandomNumberGenerator()
        var interrupted = 0
        for attempt in 0..<5 {
            let cache = "cache-killed-\(attempt)", results = "Killed-\(attempt)"
            let process = Process()
            process.executableURL = SubBitCLI.executableURL
            process.arguments = ["run", spec.path, "--cache", cache, "--results", results]
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(span * 1e6 * Double.random(in: 0.05...0.8, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { interrupted += 1 }
            let runsCSV = folder.appendingPathComponent("\(results)/e2e/runs.csv")
            if FileManager.default.fileExists(atPath: runsCSV.path) {
                XCTAssertEqual(try rows(runsCSV), reference, "attempt \(attempt): a written runs.csv is whole")
            }
            let resumed = try run(spec, in: folder, cache: cache, results: results)
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(try rows(runsCSV), reference, "attempt \(attempt)")
        }
        XCTAssertGreaterThanOrEqual(interrupted, 4, "the kills must land while the sweep runs")
    }

    func testMalformedSpecExitsTwoAndWritesNothing() throws {
        let folder = try temporaryFolder()
        let spec = folder.appendingPathComponent("bad.yaml")
        try "pretrained: mobilenet_v2\nsweep:\n  tabel_log: [8]\n".write(to: spec, atomically: true, encoding: .utf8)
        let r = try run(spec, in: folder, cache: "cache")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad.yaml:3:3: sweep.tabel_log: unknown key. Did you mean 'table_log'?"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Results").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cache").path))
    }

    /// The optional `layer_form` axis end to end: swept, it adds points and a `layer_form`
    /// column, and `smallest` files are smaller; a spec that leaves it out writes no such column
    /// and finds its points in the cache the swept run filled (its labels did not change).
    func testLayerFormAxisIsAColumnOnlyWhenSwept() throws {
        let (folder, _) = try makeExperiment()
        func spec(_ name: String, _ extra: String) throws -> URL {
            try writeSpec("\(name).yaml", experiment: "forms", in: folder, sweep: "  bin_policy: [7]\n  table_log: [12]\n  lanes: [1, 4]\n" + extra)
        }
        func table(_ results: String) throws -> [[String: String]] {
            let lines = try String(contentsOf: folder.appendingPathComponent("\(results)/forms/runs.csv"), encoding: .utf8)
                .split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        }
        let swept = try run(try spec("swept", "  layer_form: [configured, smallest]\n"), in: folder, cache: "cache", results: "A")
        XCTAssertEqual(swept.status, 0, swept.stderr)
        let a = try table("A")
        XCTAssertEqual(a.map { $0["layer_form"] }, ["configured", "smallest", "configured", "smallest"])
        for lanes in ["1", "4"] {
            let pair = a.filter { $0["lanes"] == lanes }
            let (configured, smallest) = (Int(pair[0]["bytes_coded"]!)!, Int(pair[1]["bytes_coded"]!)!)
            XCTAssertLessThan(smallest, configured, "R = 12 tables cost more than the tiny layers' smallest forms")
            XCTAssertFalse(pair[1]["decode_cycles"]!.isEmpty, "the smallest file is costed by the decoder model")
        }

        let plain = try run(try spec("plain", ""), in: folder, cache: "cache", results: "B")
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stderr.contains("(2 cached)"), plain.stderr)
        let b = try table("B")
        XCTAssertNil(b[0]["layer_form"], "an unswept optional axis writes no column")
        func comparable(_ row: [String: String]) -> [String: String] {
            row.filter { !["point_id", "train_seconds", "layer_form"].contains($0.key) }
        }
        XCTAssertEqual(b.map(comparable), a.filter { $0["layer_form"] == "configured" }.map(comparable))
    }
}
