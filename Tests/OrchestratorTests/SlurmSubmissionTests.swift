import Foundation
import XCTest
@testable import Orchestrator

/// The sbatch scripts `subbit slurm` writes and the dependency chain it submits, with a fake sbatch.
final class SlurmSubmissionTests: XCTestCase {
    let trained = try! SpecParser.parse(yaml: SpecParserTests.valid, file: "q.yaml", defaultName: "q")

    func scripts(_ spec: ExperimentSpec? = nil, root: URL? = nil, shards: Int = 3) throws -> SlurmJobScripts {
        let root = root?.path ?? "/shared/subbit"
        let paths = SlurmJobScripts.Paths(binary: "/bin/true", spec: "\(root)/Experiments/q.yaml", workingDirectory: root,
                                          dataRoot: "\(root)/.data", cache: "\(root)/.data/cache",
                                          resultsRoot: "\(root)/Results", plotsRoot: "\(root)/Plots")
        return SlurmJobScripts(spec: spec ?? trained, paths: paths,
                               resources: try SlurmResources(shards: shards, cpusPerTask: 4, partition: "cpu", time: "01:00:00"))
    }

    func testTheArrayScriptFixesTheCountAndUsesAbsolutePathsAndAppendingLogs() throws {
        let s = try scripts()
        let array = s.shards
        XCTAssertTrue(array.contains("#SBATCH --array=1-3\n"), array)
        XCTAssertTrue(array.contains("count=3\n"), array)
        XCTAssertTrue(array.contains("--shard \"${SLURM_ARRAY_TASK_ID}/${count}\""), array)
        XCTAssertFalse(array.contains("SLURM_ARRAY_TASK_COUNT"), "the count is never the array's size")
        XCTAssertFalse(array.contains("$0") || array.contains("dirname"), "slurmd runs a spool copy: no path from the script's location")
        XCTAssertTrue(array.contains("exec /bin/true run /shared/subbit/Experiments/q.yaml --shard"), array)
        XCTAssertTrue(array.contains("--cache /shared/subbit/.data/cache --results /shared/subbit/Results --plots /shared/subbit/Plots"), array)
        XCTAssertTrue(array.contains("#SBATCH --output=/shared/subbit/Results/quick/slurm/logs/shard-%a-of-3.out\n"), array)
        XCTAssertTrue(array.contains("#SBATCH --chdir=/shared/subbit\n#SBATCH --cpus-per-task=4\n"), array)
        XCTAssertTrue(array.contains("#SBATCH --partition=cpu\n#SBATCH --time=01:00:00\n"), array)
        XCTAssertTrue(array.contains("export SUBBIT_DATA=/shared/subbit/.data\n"), array)
        for script in s.all.map(\.text) {
            XCTAssertTrue(script.contains("#SBATCH --open-mode=append\n"))
            XCTAssertTrue(script.hasPrefix("#!/bin/bash\n"))
        }
        XCTAssertTrue(s.baselines.contains("run /shared/subbit/Experiments/q.yaml --baselines-only"), s.baselines)
        XCTAssertTrue(s.merge.contains("merge /shared/subbit/Results/quick --spec /shared/subbit/Experiments/q.yaml\n"), s.merge)
        XCTAssertTrue(s.merge.contains("plot /shared/subbit/Results/quick -o /shared/subbit/Plots/quick --only frontier,lambda --format svg\n"), s.merge)
        XCTAssertTrue(s.merge.contains("#SBATCH --cpus-per-task=1\n#SBATCH --kill-on-invalid-dep=yes\n"), s.merge)
    }

    func testPathsWithSpacesAreQuoted() throws {
        var s = try scripts()
        s.paths.spec = "/shared/my runs/it's.yaml"
        XCTAssertTrue(s.shards.contains("run '/shared/my runs/it'\\''s.yaml' --shard"), s.shards)
    }

    func testAPretrainedSpecHasNoBaselineJob() throws {
        let yaml = "experiment: p\npretrained: mobilenet_v2\nsweep:\n  bin_policy: [7]\n"
        let s = try scripts(try SpecParser.parse(yaml: yaml, file: "p.yaml", defaultName: "p"))
        XCTAssertEqual(s.all.map(\.name), ["shards.sbatch", "merge.sbatch"])
        XCTAssertFalse(SlurmSubmission(scripts: s).dryRun.contains("BASELINES_JOB"))
    }

    func temporaryRoot() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("subbit-slurm-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTheChainDependsBaselinesShardsMergeAndWritesTheScripts() throws {
        let root = temporaryRoot()
        let submission = SlurmSubmission(scripts: try scripts(root: root))
        var calls: [[String]] = []
        let jobs = try submission.submit(sbatch: { args in calls.append(args); return "\(40 + calls.count)" },
                                         scancel: { _ in XCTFail("nothing to cancel") })
        XCTAssertEqual(jobs, SlurmSubmission.Jobs(baselines: "41", shards: "42", merge: "43"))
        let folder = "\(root.path)/Results/quick/slurm"
        XCTAssertEqual(calls, [
            ["--parsable", "\(folder)/baselines.sbatch"],
            ["--parsable", "--dependency=afterok:41", "\(folder)/shards.sbatch"],
            ["--parsable", "--dependency=afterok:42", "\(folder)/merge.sbatch"],
        ])
        XCTAssertEqual(jobs.watchCommand, "squeue --jobs=41,42,43 --format='%.14i %.28j %.9T %.10M %R'")
        for (name, text) in submission.scripts.all {
            XCTAssertEqual(try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8), text)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/logs"))
    }

    func testAFailedSubmissionCancelsWhatWasSubmitted() throws {
        let root = temporaryRoot()
        var cancelled: [String] = []
        var n = 0
        XCTAssertThrowsError(try SlurmSubmission(scripts: try scripts(root: root)).submit(
            sbatch: { _ in n += 1; if n == 3 { throw SlurmError("sbatch failed: invalid partition") }; return "\(n)" },
            scancel: { cancelled += $0 })) { XCTAssertEqual("\($0)", "sbatch failed: invalid partition") }
        XCTAssertEqual(cancelled, ["1", "2"])
    }

    func testShardsOfAnotherSplitOrAMissingBinaryStopTheSubmissionBeforeAnythingIsWritten() throws {
        let root = temporaryRoot()
        let old = root.appendingPathComponent("Results/quick/shards/1-of-4")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        XCTAssertThrowsError(try SlurmSubmission(scripts: try scripts(root: root)).submit(sbatch: { _ in "1" }, scancel: { _ in })) {
            XCTAssertTrue("\($0)".contains("1-of-4 is a shard of another split than 3. Fix: delete"), "\($0)")
        }
        var s = try scripts(root: temporaryRoot())
        s.paths.binary = "/nonexistent/subbit"
        XCTAssertThrowsError(try SlurmSubmission(scripts: s).submit(sbatch: { _ in "1" }, scancel: { _ in })) {
            XCTAssertTrue("\($0)".contains("/nonexistent/subbit is not an executable. Fix:"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("Results/quick/slurm").path))
    }

    func testResourcesAreChecked() {
        XCTAssertThrowsError(try SlurmResources(shards: 0))
        XCTAssertThrowsError(try SlurmResources(shards: 2, cpusPerTask: 0))
        XCTAssertThrowsError(try SlurmResources(shards: 2, time: "1 hour")) { XCTAssertTrue("\($0)".contains("--time '1 hour'"), "\($0)") }
        XCTAssertNoThrow(try SlurmResources(shards: 2, partition: "gpu-a100", time: "2-00:00:00", memory: "16G"))
    }
}
