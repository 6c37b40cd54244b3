import ArgumentParser
import Foundation
import ModelIO
import Orchestrator

/// `subbit slurm SPEC --shards N`: submits a sharded sweep to Slurm as one chain of jobs.
struct Slurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Submit a sweep to Slurm: baselines, then a job array of shards, then merge and plot.",
        discussion: """
        Writes Results/<experiment>/slurm/{baselines,shards,merge}.sbatch (every path absolute: \
        submit from anywhere) and submits them with afterok dependencies; prints the job ids and \
        the command that shows progress. Logs go to Results/<experiment>/slurm/logs/ and append. \
        Rerun one shard with `sbatch --array=i …/shards.sbatch` (or scontrol requeue JOB_i), then \
        `sbatch --dependency=afterok:RERUN_JOB …/merge.sbatch`. The jobs run in the spec's \
        repository (found from the spec's folder), so this command works from any directory. The \
        repository, the binary, the data cache and Results/ must be on a filesystem the compute \
        nodes share.
        """)

    @Argument(help: "Experiment spec, e.g. Experiments/quick.yaml.")
    var spec: String

    @Option(name: .long, help: "Number of shards (array tasks).")
    var shards: Int

    @Option(name: .long, help: "Slurm partition (default: the cluster's default).")
    var partition: String?

    @Option(name: .long, help: "CPUs per task; each task trains with that many threads (results do not depend on it).")
    var cpusPerTask: Int = 2

    @Option(name: .long, help: "Time limit per job, e.g. 02:00:00.")
    var time: String?

    @Option(name: .long, help: "Memory per job, e.g. 8G.")
    var mem: String?

    @Option(name: .long, help: "Slurm account to charge.")
    var account: String?

    @Flag(name: .long, help: "Print the scripts and the sbatch calls; write and submit nothing.")
    var dryRun = false

    @Option(name: .long, help: "The subbit binary the jobs run (default: this one), on the shared filesystem.")
    var binary: String?

    @Option(name: .long, help: "Folder for results (default: Results/ in the spec's repository).")
    var results: String?

    @Option(name: .long, help: "Folder for plots (default: Plots/ in the spec's repository).")
    var plots: String?

    @Option(name: .long, help: "Cache folder (default: <data cache>/cache).")
    var cache: String?

    func run() throws {
        let parsed = try parsingSpec { try SpecParser.parse(contentsOf: URL(fileURLWithPath: spec), displayPath: spec) }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        func absolute(_ path: String, from base: URL = cwd) -> String { URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path }
        // The jobs run in the spec's repository (its relative paths, e.g. decoder.tech, resolve
        // there, as for `subbit run` in the repository root), wherever this command runs.
        let specURL = URL(fileURLWithPath: absolute(spec))
        let jobDirectory = DataCache.repositoryRoot(from: specURL.deletingLastPathComponent()) ?? cwd
        let data = DataCache(currentDirectory: jobDirectory)
        let resultsRoot = results.map { absolute($0) } ?? absolute("Results", from: jobDirectory)
        let plotsRoot = plots.map { absolute($0) } ?? absolute("Plots", from: jobDirectory)
        let resources: SlurmResources
        do {
            resources = try SlurmResources(shards: shards, cpusPerTask: cpusPerTask, partition: partition, time: time,
                                           memory: mem, account: account)
            // What every job reads (technology file, data set or model), checked where the jobs run.
            try ExperimentRun(spec: parsed, settings: RunSettings(
                resultsRoot: URL(fileURLWithPath: resultsRoot), plotsRoot: URL(fileURLWithPath: plotsRoot), cache: jobDirectory,
                data: data, baseDirectory: jobDirectory)).checkInputs()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let paths = SlurmJobScripts.Paths(
            binary: absolute(binary ?? Self.thisExecutable), spec: specURL.path, workingDirectory: jobDirectory.standardizedFileURL.path,
            dataRoot: data.root.standardizedFileURL.path,
            cache: absolute(cache ?? data.root.appendingPathComponent("cache").path),
            resultsRoot: resultsRoot, plotsRoot: plotsRoot)
        let submission = SlurmSubmission(scripts: SlurmJobScripts(spec: parsed, paths: paths, resources: resources))
        if dryRun {
            print(submission.dryRun, terminator: "")
            return
        }
        let jobs: SlurmSubmission.Jobs
        do {
            try submission.validate()
            try SlurmSubmission.requireClient()
            jobs = try submission.submit()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let points = SweepExpansion(spec: parsed).points().count
        print("\(parsed.name): \(points) points in \(shards) shards")
        if let b = jobs.baselines { print("  baselines   job \(b)") }
        print("  shards      job \(jobs.shards) (array 1-\(shards)\(jobs.baselines.map { ", after \($0)" } ?? ""))")
        print("  merge+plot  job \(jobs.merge) (after \(jobs.shards))")
        print("scripts and logs: \(submission.scripts.folder)/")
        print("watch: \(jobs.watchCommand)")
        print("done when the merge log ends with the plots: tail \(submission.scripts.logsFolder)/merge.out")
    }

    /// This executable's absolute path (a job must not depend on the submitting shell's PATH or directory).
    static var thisExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
