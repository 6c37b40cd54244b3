import Foundation

/// The three batch scripts of a sweep on Slurm, as `subbit slurm` writes them into
/// `Results/<exp>/slurm/`: `baselines.sbatch` (the float baselines every shard shares; none for
/// a pretrained spec), `shards.sbatch` (the job array, task `i` runs `subbit run SPEC --shard i/N`)
/// and `merge.sbatch` (`subbit merge` then `subbit plot`).
///
/// Every path in them is absolute — the binary, the spec, the working directory, the data cache,
/// results and plots — because slurmd runs a spool copy of the script on the compute node, where
/// neither `$0` nor the submitting shell's directory mean anything. The shard count is written into
/// the array script (not taken from the array's size), so `sbatch --array=2 shards.sbatch` and
/// `scontrol requeue JOB_2` rerun shard 2 of N. Logs append (`--open-mode=append`), one file per
/// shard, and each attempt starts with a dated header line.
///
/// ```swift
/// let scripts = SlurmJobScripts(spec: spec, paths: paths, resources: SlurmResources(shards: 3))
/// print(scripts.shards)      // #!/bin/bash … #SBATCH --array=1-3 … --shard "${SLURM_ARRAY_TASK_ID}/3" …
/// ```
public struct SlurmJobScripts: Sendable {
    /// Absolute paths the jobs use.
    public struct Paths: Sendable {
        public var binary: String
        public var spec: String
        public var workingDirectory: String
        public var dataRoot: String
        public var cache: String
        public var resultsRoot: String
        public var plotsRoot: String

        public init(binary: String, spec: String, workingDirectory: String, dataRoot: String, cache: String,
                    resultsRoot: String, plotsRoot: String) {
            self.binary = binary
            self.spec = spec
            self.workingDirectory = workingDirectory
            self.dataRoot = dataRoot
            self.cache = cache
            self.resultsRoot = resultsRoot
            self.plotsRoot = plotsRoot
        }
    }

    public var spec: ExperimentSpec
    public var paths: Paths
    public var resources: SlurmResources

    public init(spec: ExperimentSpec, paths: Paths, resources: SlurmResources) {
        self.spec = spec
        self.paths = paths
        self.resources = resources
    }

    /// `Results/<exp>` (absolute).
    public var resultsFolder: String { "\(paths.resultsRoot)/\(spec.name)" }
    /// Where the scripts are written: `Results/<exp>/slurm`.
    public var folder: String { "\(resultsFolder)/slurm" }
    /// Where the jobs' logs go: `Results/<exp>/slurm/logs`.
    public var logsFolder: String { "\(folder)/logs" }

    /// Whether the spec has float baselines to train first (trained sources do, pretrained ones not).
    var hasBaselines: Bool {
        if case .train = spec.source { return true }
        return false
    }

    /// The scripts by file name, in submission order.
    public var all: [(name: String, text: String)] {
        (hasBaselines ? [("baselines.sbatch", baselines)] : []) + [("shards.sbatch", shards), ("merge.sbatch", merge)]
    }

    /// The float baselines of every seed, once, before any shard starts.
    public var baselines: String {
        script(job: "baselines", log: "baselines.out", cpus: resources.cpusPerTask, header: [
            "# The float baselines every shard of \(spec.name) fine-tunes from, trained once (one per seed).",
            "# Rerun: sbatch \(folder)/baselines.sbatch",
        ], body: ["exec \(q(paths.binary)) run \(q(paths.spec)) --baselines-only \(commonOptions)"])
    }

    /// The job array: task `i` runs shard `i` of ``SlurmResources/shards``.
    public var shards: String {
        let n = resources.shards
        return script(job: "shards", log: "shard-%a-of-\(n).out", cpus: resources.cpusPerTask, header: [
            "# Shard i of \(n) of \(spec.name) in array task i. The count \(n) is fixed here, not taken from the array,",
            "# so one shard reruns alone: sbatch --array=2 \(folder)/shards.sbatch  (or scontrol requeue JOB_2).",
        ], directives: ["--array=1-\(n)"], body: [
            "count=\(n)",
            ": \"${SLURM_ARRAY_TASK_ID:?submit as an array: sbatch --array=1-\(n) \(folder)/shards.sbatch (or --array=i for shard i)}\"",
            "exec \(q(paths.binary)) run \(q(paths.spec)) --shard \"${SLURM_ARRAY_TASK_ID}/${count}\" \(commonOptions)",
        ])
    }

    /// Merges the shards (refusing any of another spec) and renders the spec's plots.
    public var merge: String {
        var body = ["\(q(paths.binary)) merge \(q(resultsFolder)) --spec \(q(paths.spec))"]
        let plots = spec.outputs.plots, formats = spec.outputs.formats
        if !plots.isEmpty {
            body.append("exec \(q(paths.binary)) plot \(q(resultsFolder)) -o \(q("\(paths.plotsRoot)/\(spec.name)")) "
                + "--only \(plots.map(\.rawValue).joined(separator: ",")) --format \(formats.map(\.rawValue).joined(separator: ","))")
        }
        return script(job: "merge", log: "merge.out", cpus: 1, header: [
            "# Merges the shards of \(spec.name) into \(resultsFolder)/{runs,layers,pareto}.csv and plots them (needs gnuplot).",
            "# Rerun after rerunning a shard: sbatch --dependency=afterok:RERUN_JOB \(folder)/merge.sbatch",
        ], directives: ["--kill-on-invalid-dep=yes"], body: body)
    }

    /// Options every `subbit run` of the sweep gets: where the cache, results and plots are.
    private var commonOptions: String {
        "--cache \(q(paths.cache)) --results \(q(paths.resultsRoot)) --plots \(q(paths.plotsRoot))"
    }

    private func script(job: String, log: String, cpus: Int, header: [String], directives: [String] = [],
                        body: [String]) -> String {
        var lines = ["#!/bin/bash"] + header + [
            "# Written by `subbit slurm`; every path is absolute (slurmd runs a copy of this file).",
            "#SBATCH --job-name=subbit-\(spec.name)-\(job)",
            "#SBATCH --output=\(logsFolder)/\(log)",
            "#SBATCH --open-mode=append",
            "#SBATCH --chdir=\(paths.workingDirectory)",
            "#SBATCH --cpus-per-task=\(cpus)",
        ]
        lines += directives.map { "#SBATCH \($0)" }
        if let p = resources.partition { lines.append("#SBATCH --partition=\(p)") }
        if let t = resources.time { lines.append("#SBATCH --time=\(t)") }
        if let m = resources.memory { lines.append("#SBATCH --mem=\(m)") }
        if let a = resources.account { lines.append("#SBATCH --account=\(a)") }
        lines += [
            "set -euo pipefail",
            "export SUBBIT_DATA=\(q(paths.dataRoot))",
            "echo \"== $(date -u +%Y-%m-%dT%H:%M:%SZ) job ${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}${SLURM_ARRAY_TASK_ID:+_$SLURM_ARRAY_TASK_ID} on $(hostname) (${SLURM_CPUS_PER_TASK:-?} CPUs): \(job)\"",
        ]
        lines += body
        return lines.joined(separator: "\n") + "\n"
    }

    /// Single-quotes `text` for bash when it holds anything but safe path characters.
    private func q(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+,:=@%".contains($0) }
        return safe && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// What each job asks Slurm for.
///
/// ```swift
/// let resources = try SlurmResources(shards: 8, cpusPerTask: 4, partition: "cpu", time: "02:00:00")
/// ```
public struct SlurmResources: Sendable, Equatable {
    public var shards: Int
    public var cpusPerTask: Int
    public var partition: String?
    public var time: String?
    public var memory: String?
    public var account: String?

    public init(shards: Int, cpusPerTask: Int = 2, partition: String? = nil, time: String? = nil,
                memory: String? = nil, account: String? = nil) throws {
        guard shards >= 1 else { throw SlurmError("--shards must be at least 1. Fix: e.g. --shards 4.") }
        guard cpusPerTask >= 1 else { throw SlurmError("--cpus-per-task must be at least 1. Fix: e.g. --cpus-per-task 4.") }
        for (name, value) in [("--partition", partition), ("--time", time), ("--mem", memory), ("--account", account)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) {
                throw SlurmError("\(name) '\(value)' is not a Slurm value. Fix: give one word, e.g. \(name == "--time" ? "--time 01:00:00" : "\(name) NAME").")
            }
        }
        self.shards = shards
        self.cpusPerTask = cpusPerTask
        self.partition = partition
        self.time = time
        self.memory = memory
        self.account = account
    }
}

/// A Slurm submission that cannot go ahead, or failed; one line with the fix.
public struct SlurmError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
