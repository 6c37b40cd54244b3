import Foundation
import TestSupport
import XCTest

/// `subbit slurm` against a real Slurm: a one-node cluster on localhost (munged, slurmctld and
/// slurmd from Debian's packages, started by `Scripts/slurm/local-cluster.sh`), a tiny trained
/// sweep (MLP on Fashion-MNIST, one epoch each: a baseline job, three shards, merge and plot),
/// one shard cancelled mid-run and rerun the documented way, the merged files compared with an
/// unsharded run, and a shard of an edited spec refused by `merge`. Skipped, with the reason,
/// where the cluster cannot start (not root, no packages); never passed without running.
final class SlurmClusterTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let clusterScript = repository.appendingPathComponent("Scripts/slurm/local-cluster.sh").path

    func testSweepOnALocalClusterMergesToTheUnshardedRunAfterARerunAndRefusesAnEditedSpec() throws {
        let started = Date()
        let dataRoot = ProcessInfo.processInfo.environment["SUBBIT_DATA"] ?? Self.repository.appendingPathComponent(".data").path
        guard FileManager.default.fileExists(atPath: dataRoot + "/fashion-mnist/t10k-images-idx3-ubyte.gz")
                || FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("skipped: Fashion-MNIST is not installed (Scripts/setup.sh installs it)")
        }
        // A short path: munged's socket lives under it (Unix socket paths are limited to 107 bytes).
        let cluster = URL(fileURLWithPath: try Shell.mktemp("/tmp/subbit-slurm.XXXXXX"))
        let work = try temporaryFolder()
        let start = try Shell.run([Self.clusterScript, "start", cluster.path])
        addTeardownBlock {
            _ = try? Shell.run([Self.clusterScript, "stop", cluster.path])
            try? FileManager.default.removeItem(at: cluster)
            unsetenv("SLURM_CONF")
        }
        if start.status == 3 { throw XCTSkip("skipped: " + start.stdout.replacingOccurrences(of: "skip: ", with: "").trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(start.status, 0, "local-cluster.sh start: \(start.stdout) \(start.stderr)")
        guard start.status == 0 else { return }
        setenv("SLURM_CONF", cluster.appendingPathComponent("slurm.conf").path, 1)
        setenv("SUBBIT_DATA", dataRoot, 1)

        let spec = work.appendingPathComponent("slurmtiny.yaml")
        try Self.spec(lanes: "[1, 4]").write(to: spec, atomically: true, encoding: .utf8)
        // Submitted from a folder that is neither the spec's nor the repository: every path in the jobs is absolute.
        let elsewhere = work.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let results = work.appendingPathComponent("Results"), plots = work.appendingPathComponent("Plots")
        let cache = work.appendingPathComponent("cache")
        let submit = try SubBitCLI.run(["slurm", spec.path, "--shards", "3", "--cpus-per-task", "1", "--time", "00:10:00",
                                        "--results", results.path, "--plots", plots.path, "--cache", cache.path], in: elsewhere)
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let ids = Self.jobIDs(submit.stdout)
        guard let baselines = ids["baselines"], let shards = ids["shards"], let merge = ids["merge+plot"] else {
            return XCTFail("no job ids in: \(submit.stdout)")
        }
        XCTAssertTrue(submit.stdout.contains("watch: squeue --jobs=\(baselines),\(shards),\(merge)"), submit.stdout)

        // The unsharded reference, from its own cache, while the cluster works.
        let reference = try Shell.launch([SubBitCLI.executableURL.path, "run", spec.path, "--cache", work.appendingPathComponent("cache-reference").path,
                                          "--results", work.appendingPathComponent("Reference").path,
                                          "--plots", work.appendingPathComponent("ReferencePlots").path], in: work,
                                         stderr: work.appendingPathComponent("reference.err"))

        // Cancel shard 2 while it runs.
        try Self.waitUntil(timeout: 150, "shard 2 running") { try Self.taskStates(shards)[2] == "RUNNING" }
        usleep(500_000)
        XCTAssertEqual(try Shell.run(["scancel", "\(shards)_2"]).status, 0)
        try Self.waitForJobs([baselines, shards, merge], timeout: 150)
        XCTAssertEqual(try Self.taskStates(baselines)[0], "COMPLETED")
        let states = try Self.taskStates(shards)
        XCTAssertEqual(states[1], "COMPLETED")
        XCTAssertEqual(states[2], "CANCELLED")
        XCTAssertEqual(states[3], "COMPLETED")
        // merge.sbatch has --kill-on-invalid-dep: a failed array leaves no merge waiting forever.
        XCTAssertEqual(try Self.taskStates(merge)[0], "CANCELLED")
        let experiment = results.appendingPathComponent("slurmtiny")
        let incomplete = try SubBitCLI.run(["merge", experiment.path], in: work)
        XCTAssertNotEqual(incomplete.status, 0)
        XCTAssertTrue(incomplete.stderr.contains("shard 2/3 missing"), incomplete.stderr)

        // The documented rerun: the one task, then the merge after it.
        let scripts = experiment.appendingPathComponent("slurm")
        let rerun = try Shell.run(["sbatch", "--parsable", "--array=2", scripts.appendingPathComponent("shards.sbatch").path])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let rerunID = rerun.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let remerge = try Shell.run(["sbatch", "--parsable", "--dependency=afterok:\(rerunID)", scripts.appendingPathComponent("merge.sbatch").path])
        XCTAssertEqual(remerge.status, 0, remerge.stderr)
        let remergeID = remerge.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try Self.waitForJobs([rerunID, remergeID], timeout: 120)
        XCTAssertEqual(try Self.taskStates(rerunID)[2], "COMPLETED")
        XCTAssertEqual(try Self.taskStates(remergeID)[0], "COMPLETED",
                       (try? String(contentsOf: scripts.appendingPathComponent("logs/merge.out"), encoding: .utf8)) ?? "")
        // Shard 2's log kept the cancelled attempt and appended the rerun.
        let log2 = try String(contentsOf: scripts.appendingPathComponent("logs/shard-2-of-3.out"), encoding: .utf8)
        XCTAssertEqual(log2.components(separatedBy: "\n== ").count + (log2.hasPrefix("== ") ? 0 : -1), 2, log2)
        // The baseline job trained the one float baseline; no shard trained it again (one entry, no lock left).
        let baselinesLog = try String(contentsOf: scripts.appendingPathComponent("logs/baselines.out"), encoding: .utf8)
        XCTAssertTrue(baselinesLog.contains("slurmtiny: float baseline of seed 1 trained"), baselinesLog)
        let entries = try FileManager.default.subpathsOfDirectory(atPath: cache.appendingPathComponent("baselines").path)
        XCTAssertEqual(entries.filter { $0.contains("/") }.count, 1, "\(entries)")
        let mergeLog = try String(contentsOf: scripts.appendingPathComponent("logs/merge.out"), encoding: .utf8)
        XCTAssertTrue(mergeLog.contains("merged 12 points"), mergeLog)
        XCTAssertTrue(FileManager.default.fileExists(atPath: plots.appendingPathComponent("slurmtiny/frontier.svg").path))

        reference.waitUntilExit()
        XCTAssertEqual(reference.terminationStatus, 0, (try? String(contentsOf: work.appendingPathComponent("reference.err"), encoding: .utf8)) ?? "")
        let whole = work.appendingPathComponent("Reference/slurmtiny")
        XCTAssertEqual(try RunCommandTests.rows(experiment.appendingPathComponent("runs.csv")),
                       try RunCommandTests.rows(whole.appendingPathComponent("runs.csv")))
        for file in ["layers.csv", "pareto.csv"] {
            XCTAssertEqual(try Data(contentsOf: experiment.appendingPathComponent(file)),
                           try Data(contentsOf: whole.appendingPathComponent(file)), file)
        }
        XCTAssertEqual(try Data(contentsOf: plots.appendingPathComponent("slurmtiny/frontier.svg")),
                       try Data(contentsOf: work.appendingPathComponent("ReferencePlots/slurmtiny/frontier.svg")))

        // A shard of an edited spec (lanes [1, 8]) over the same results: merge refuses, writes nothing.
        let edited = work.appendingPathComponent("edited/slurmtiny.yaml")
        try FileManager.default.createDirectory(at: edited.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Self.spec(lanes: "[1, 8]").write(to: edited, atomically: true, encoding: .utf8)
        let shard = try SubBitCLI.run(["run", edited.path, "--shard", "2/3", "--cache", cache.path, "--results", results.path,
                                       "--plots", plots.path], in: work)
        XCTAssertEqual(shard.status, 0, shard.stderr)
        let before = try Data(contentsOf: experiment.appendingPathComponent("runs.csv"))
        for extra in [[], ["--spec", spec.path]] {
            let mixed = try SubBitCLI.run(["merge", experiment.path] + extra, in: work)
            XCTAssertEqual(mixed.status, 1, mixed.stderr)
            XCTAssertEqual(mixed.stderr.split(separator: "\n").count, 1, mixed.stderr)
            XCTAssertTrue(mixed.stderr.contains("shard 2-of-3 was made from a different spec (\(edited.path)"), mixed.stderr)
            XCTAssertTrue(mixed.stderr.contains("Fix: rerun it"), mixed.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: experiment.appendingPathComponent("runs.csv")), before, "a refused merge writes nothing")

        let seconds = Date().timeIntervalSince(started)
        print("SlurmClusterTests: whole test \(String(format: "%.1f", seconds)) s")
        XCTAssertLessThan(seconds, 240, "the cluster test must finish in under 4 minutes")
    }

    /// Without the baseline job, shards started together on an empty cache still train the shared
    /// float baseline once: one takes its lock file, the other waits, then reads it from the cache.
    func testShardsStartedTogetherOnAnEmptyCacheTrainTheBaselineOnce() throws {
        let dataRoot = ProcessInfo.processInfo.environment["SUBBIT_DATA"] ?? Self.repository.appendingPathComponent(".data").path
        guard FileManager.default.fileExists(atPath: dataRoot + "/fashion-mnist/t10k-images-idx3-ubyte.gz")
                || FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("skipped: Fashion-MNIST is not installed (Scripts/setup.sh installs it)")
        }
        let work = try temporaryFolder()
        let spec = work.appendingPathComponent("slurmtiny.yaml")
        try Self.spec(lanes: "[1]").replacingOccurrences(of: "lambda: [0, 0.01, 0.1]", with: "lambda: [0, 0.1]")
            .replacingOccurrences(of: "finetune: {epochs: 1", with: "finetune: {epochs: 0")
            .write(to: spec, atomically: true, encoding: .utf8)
        let shards = try (1...2).map { i in
            try Shell.launch([SubBitCLI.executableURL.path, "run", spec.path, "--shard", "\(i)/2", "--threads", "1",
                              "--cache", work.appendingPathComponent("cache").path, "--results", work.appendingPathComponent("Results").path],
                             in: work, stderr: work.appendingPathComponent("shard-\(i).err"))
        }
        for shard in shards { shard.waitUntilExit() }
        let logs = try (1...2).map { try String(contentsOf: work.appendingPathComponent("shard-\($0).err"), encoding: .utf8) }
        XCTAssertEqual(shards.map(\.terminationStatus), [0, 0], logs.joined(separator: "\n"))
        XCTAssertEqual(logs.filter { $0.contains("to finish the same cache entry") }.count, 1, logs.joined(separator: "\n"))
        let entries = try FileManager.default.subpathsOfDirectory(atPath: work.appendingPathComponent("cache/baselines").path)
        XCTAssertEqual(entries.filter { $0.contains("/") }.count, 1, "one baseline, no lock file left: \(entries)")
    }

    /// A sweep of 3 trainings × 2 table logs × 2 lane counts = 12 points: a float MLP baseline
    /// and a one-epoch fine-tuning per λ, so each shard trains once and runs for seconds.
    static func spec(lanes: String) -> String {
        """
        experiment: slurmtiny
        dataset: fashion-mnist
        model: mlp
        baseline: {epochs: 1, batch: 512}
        finetune: {epochs: 1, batch: 512}
        sweep:
          lambda: [0, 0.01, 0.1]
          bin_policy: [7]
          table_log: [8, 10]
          lanes: \(lanes)
        decoder: {tech: \(repository.appendingPathComponent("Experiments/tech/asic-22nm.yaml").path), compute_weights_per_cycle: 4}
        outputs: {plots: [frontier, decoders], formats: [svg]}

        """
    }

    /// "baselines" → id, … from `subbit slurm`'s report lines ("  shards      job 42 (…)").
    static func jobIDs(_ report: String) -> [String: String] {
        var ids: [String: String] = [:]
        for line in report.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count >= 3, words[1] == "job" { ids[String(words[0])] = String(words[2]) }
        }
        return ids
    }

    /// Each task's state from `scontrol -o show job` (array task id, or 0 for a plain job).
    static func taskStates(_ job: String) throws -> [Int: String] {
        let r = try Shell.run(["scontrol", "-o", "show", "job", job])
        var states: [Int: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            var fields: [String: String] = [:]
            for word in line.split(separator: " ") {
                let kv = word.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
            }
            guard let state = fields["JobState"] else { continue }
            states[fields["ArrayTaskId"].flatMap { Int($0) } ?? 0] = state
        }
        return states
    }

    /// Waits until none of `jobs` is in the queue (pending, running or completing).
    static func waitForJobs(_ jobs: [String], timeout: TimeInterval) throws {
        try waitUntil(timeout: timeout, "jobs \(jobs) to leave the queue") {
            try Shell.run(["squeue", "-h", "--jobs=\(jobs.joined(separator: ","))"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
    }

    static func waitUntil(timeout: TimeInterval, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(200_000)
        }
        let queue = (try? Shell.run(["squeue"]).stdout) ?? ""
        throw TimeoutError(description: "timed out after \(Int(timeout)) s waiting for \(what); queue:\n\(queue)")
    }

    struct TimeoutError: Error, CustomStringConvertible { var description: String }
}

/// Runs a command (searched on PATH) with this process's environment, capturing its output.
enum Shell {
    static func run(_ args: [String], in directory: URL? = nil) throws -> CLIResult {
        let scratch = FileManager.default.temporaryDirectory
        let outURL = scratch.appendingPathComponent("shell-out-\(UUID().uuidString)")
        let errURL = scratch.appendingPathComponent("shell-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = args
        if let directory { process.currentDirectoryURL = directory }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Starts a command in the background, its standard error into `stderr`; the caller waits for it.
    static func launch(_ args: [String], in directory: URL, stderr: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: args[0])
        process.arguments = Array(args.dropFirst())
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderr)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `mktemp -d TEMPLATE`.
    static func mktemp(_ template: String) throws -> String {
        try run(["mktemp", "-d", template]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
