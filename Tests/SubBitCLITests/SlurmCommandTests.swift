import Foundation
import TestSupport
import XCTest

/// `subbit slurm` without a cluster: the dry run, and the mistakes a user can make before
/// anything is submitted — each one line with the fix, a non-zero exit and nothing written.
final class SlurmCommandTests: XCTestCase {
    /// A folder with a pretrained-model spec (the model file only has to exist for these checks).
    func makeSpec() throws -> (folder: URL, spec: URL) {
        let folder = try temporaryFolder()
        try Data("{}".utf8).write(to: folder.appendingPathComponent("tiny.safetensors"))
        let tech = SlurmClusterTests.repository.appendingPathComponent("Experiments/tech/asic-22nm.yaml").path
        let spec = folder.appendingPathComponent("pre.yaml")
        try """
        experiment: pre
        pretrained: \(folder.appendingPathComponent("tiny.safetensors").path)
        calibration: mse
        sweep:
          bin_policy: [3, 7]
        decoder: {tech: \(tech)}
        outputs: {plots: [decoders], formats: [svg]}
        """.write(to: spec, atomically: true, encoding: .utf8)
        return (folder, spec)
    }

    func testDryRunPrintsTheScriptsAndTheChainAndWritesNothing() throws {
        let (folder, spec) = try makeSpec()
        let r = try SubBitCLI.run(["slurm", spec.path, "--shards", "4", "--partition", "short", "--dry-run"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = folder.appendingPathComponent("Results/pre/slurm").path
        XCTAssertTrue(r.stdout.contains("# ---- \(results)/shards.sbatch\n#!/bin/bash\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("#SBATCH --array=1-4\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("#SBATCH --partition=short\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("exec \(SubBitCLI.executableURL.resolvingSymlinksInPath().path) run \(spec.path) --shard \"${SLURM_ARRAY_TASK_ID}/${count}\""), r.stdout)
        XCTAssertFalse(r.stdout.contains("baselines.sbatch"), "a pretrained spec has no baseline job")
        XCTAssertTrue(r.stdout.contains("MERGE_JOB=$(sbatch --parsable --dependency=afterok:$SHARDS_JOB \(results)/merge.sbatch)"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Results").path), "--dry-run writes nothing")
    }

    func testMistakesAreOneLineWithTheFixAndWriteNothing() throws {
        let (folder, spec) = try makeSpec()
        let noTech = folder.appendingPathComponent("notech.yaml")
        try String(contentsOf: spec, encoding: .utf8).replacingOccurrences(of: "asic-22nm.yaml", with: "nope.yaml")
            .write(to: noTech, atomically: true, encoding: .utf8)
        let cases: [(args: [String], status: Int32, message: String)] = [
            (["slurm", spec.path, "--shards", "0"], 2, "--shards must be at least 1. Fix:"),
            (["slurm", spec.path, "--shards", "2", "--time", "one hour"], 2, "--time 'one hour' is not a Slurm value. Fix:"),
            (["slurm", noTech.path, "--shards", "2"], 2, "nope.yaml not found. Fix:"),
            (["slurm", spec.path, "--shards", "2", "--binary", "/nonexistent/subbit"], 1, "/nonexistent/subbit is not an executable. Fix:"),
        ]
        for c in cases {
            let r = try SubBitCLI.run(c.args, in: folder)
            XCTAssertEqual(r.status, c.status, "\(c.args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(c.message), "\(c.args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        // No Slurm client on PATH: refused before a script is written.
        let r = try Shell.run(["PATH=/nonexistent", SubBitCLI.executableURL.path, "slurm", spec.path, "--shards", "2"], in: folder)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("sbatch is not on PATH. Fix:"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Results").path))
    }
}
