import Foundation
import ModelIO

/// Submits a sweep's ``SlurmJobScripts`` as one chain of jobs: the baselines, then the shard array
/// (`afterok` on the baselines), then merge-and-plot (`afterok` on the whole array). If a
/// submission in the chain fails, the jobs already submitted are cancelled, so a failure leaves
/// nothing queued.
///
/// `sbatch` is a parameter so the chain can be checked without a cluster: it gets the arguments
/// and returns the job id (`sbatch --parsable`).
///
/// ```swift
/// let submission = SlurmSubmission(scripts: scripts)
/// let jobs = try submission.submit()        // runs sbatch three times
/// print(jobs.watchCommand)                  // squeue --jobs=41,42,43 …
/// ```
public struct SlurmSubmission: Sendable {
    public var scripts: SlurmJobScripts

    /// The ids of a submitted chain.
    public struct Jobs: Sendable, Equatable {
        public var baselines: String?
        public var shards: String
        public var merge: String

        /// The one command that shows the chain's progress (the chain is done when none is listed
        /// and the merge log ends with the plot paths).
        public var watchCommand: String {
            let ids = ([baselines].compactMap { $0 } + [shards, merge]).joined(separator: ",")
            return "squeue --jobs=\(ids) --format='%.14i %.28j %.9T %.10M %R'"
        }
    }

    public init(scripts: SlurmJobScripts) { self.scripts = scripts }

    /// Checks what a submission needs before anything is written: an executable binary, and no
    /// shards of another split in the results folder (merge would refuse to mix them).
    public func validate() throws {
        guard FileManager.default.isExecutableFile(atPath: scripts.paths.binary) else {
            throw SlurmError("\(scripts.paths.binary) is not an executable. Fix: build it (swift build -c release --product subbit) or pass --binary PATH.")
        }
        let shards = URL(fileURLWithPath: scripts.resultsFolder).appendingPathComponent("shards")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: shards.path)) ?? []
        let suffix = "-of-\(scripts.resources.shards)"
        if let other = names.filter({ !$0.hasPrefix(".") && !$0.hasSuffix(suffix) }).sorted().first {
            throw SlurmError("\(shards.path)/\(other) is a shard of another split than \(scripts.resources.shards). Fix: delete \(shards.path) (or submit with that split) first.")
        }
    }

    /// What `--dry-run` prints: each script under a header naming its file, then the sbatch calls.
    public var dryRun: String {
        var text = ""
        for (name, script) in scripts.all {
            text += "# ---- \(scripts.folder)/\(name)\n\(script)\n"
        }
        text += "# ---- submission (not run: --dry-run)\n" + submissionCommands.joined(separator: "\n") + "\n"
        return text
    }

    /// Writes the scripts into `Results/<exp>/slurm/` (creating `logs/`) and submits the chain.
    public func submit(sbatch: (_ arguments: [String]) throws -> String = SlurmSubmission.runSbatch,
                       scancel: (_ ids: [String]) -> Void = SlurmSubmission.runScancel) throws -> Jobs {
        try validate()
        try FileManager.default.createDirectory(atPath: scripts.logsFolder, withIntermediateDirectories: true)
        for (name, text) in scripts.all {
            try AtomicFile.write(Array(text.utf8), to: URL(fileURLWithPath: "\(scripts.folder)/\(name)"))
            chmod("\(scripts.folder)/\(name)", 0o755)
        }
        var submitted: [String] = []
        do {
            var baselines: String?
            if scripts.hasBaselines {
                baselines = try sbatch(arguments("baselines.sbatch", after: nil))
                submitted.append(baselines!)
            }
            let shards = try sbatch(arguments("shards.sbatch", after: baselines))
            submitted.append(shards)
            let merge = try sbatch(arguments("merge.sbatch", after: shards))
            return Jobs(baselines: baselines, shards: shards, merge: merge)
        } catch {
            if !submitted.isEmpty { scancel(submitted) }
            throw error
        }
    }

    /// The sbatch command lines of the chain, with the shell variables the job ids would be in.
    var submissionCommands: [String] {
        var lines: [String] = []
        if scripts.hasBaselines { lines.append("BASELINES_JOB=$(sbatch " + arguments("baselines.sbatch", after: nil).joined(separator: " ") + ")") }
        lines.append("SHARDS_JOB=$(sbatch " + arguments("shards.sbatch", after: scripts.hasBaselines ? "$BASELINES_JOB" : nil).joined(separator: " ") + ")")
        lines.append("MERGE_JOB=$(sbatch " + arguments("merge.sbatch", after: "$SHARDS_JOB").joined(separator: " ") + ")")
        return lines
    }

    /// `sbatch`'s arguments for one script of the chain, after the job `after` succeeded.
    func arguments(_ script: String, after: String?) -> [String] {
        ["--parsable"] + (after.map { ["--dependency=afterok:\($0)"] } ?? []) + ["\(scripts.folder)/\(script)"]
    }

    /// Checks that `sbatch` and `scancel` are on PATH, before anything is written.
    public static func requireClient() throws {
        for name in ["sbatch", "scancel"] { _ = try SlurmClient.locate(name) }
    }

    /// Runs `sbatch ARGS` (found on PATH) and returns the job id it prints.
    public static func runSbatch(_ arguments: [String]) throws -> String {
        let result = try SlurmClient.run("sbatch", arguments)
        guard result.status == 0 else {
            throw SlurmError("sbatch \(arguments.joined(separator: " ")) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)). Fix: check the partition, time and account options against `sinfo`.")
        }
        // `--parsable` prints "id" or "id;cluster".
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SlurmError("sbatch printed no job id ('\(result.stdout)'). Fix: check `sbatch --version` works on this node.")
        }
        return id
    }

    /// Cancels `ids` (best effort: used to undo a half-submitted chain).
    public static func runScancel(_ ids: [String]) {
        _ = try? SlurmClient.run("scancel", ids)
    }
}

/// Runs a Slurm client command found on PATH and captures its output.
enum SlurmClient {
    /// The path of `name` on PATH.
    static func locate(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let executable = path.split(separator: ":").map({ "\($0)/\(name)" })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw SlurmError("\(name) is not on PATH. Fix: submit from a Slurm login node (Scripts/slurm/setup-slurm.sh installs the client here).")
        }
        return executable
    }

    static func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let executable = try locate(name)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // sbatch and scancel print a line or two; read both pipes to the end, then reap.
        let errData = DataBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.data, as: UTF8.self))
    }
}

private final class DataBox: @unchecked Sendable { var data = Data() }
