import ArgumentParser
import Foundation
import ModelIO
import StrictYAML
import Orchestrator
import Training

/// The options `subbit run` and `subbit reproduce` share: where results, plots and the cache
/// go, how many trainings run at once, and whether to ignore the cache.
struct SweepOptions: ParsableArguments {
    @Option(name: .long, help: "Trainings run at once; the threads are divided among them. Results do not depend on it.")
    var jobs: Int = 1

    @Option(name: .long, help: "Threads in all (default: the CPUs this process was given — SLURM_CPUS_PER_TASK or its affinity mask). Results do not depend on it.")
    var threads: Int = CPUBudget.available

    @Flag(name: .long, help: "Ignore the cache and recompute every training and point.")
    var fresh = false

    @Option(name: .long, help: "Folder for results.")
    var results = "Results"

    @Option(name: .long, help: "Folder for plots.")
    var plots = "Plots"

    @Option(name: .long, help: "Cache folder (default: <data cache>/cache).")
    var cache: String?

    @Option(name: .long, help: "Refuse a sweep of more points than this before anything trains.")
    var maxPoints: Int = SpecParser.Options.defaultMaxPoints

    @Option(name: .long, help: "Refuse a sweep of more trainings (or calibrations) than this before anything trains.")
    var maxTrainings: Int = SpecParser.Options.defaultMaxTrainings

    func validate() throws {
        guard maxPoints >= 1 else { throw ValidationError("--max-points must be at least 1.") }
        guard maxTrainings >= 1 else { throw ValidationError("--max-trainings must be at least 1.") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1.") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1.") }
    }

    /// Spec validation with these limits, checking referenced files from the working directory.
    var specOptions: SpecParser.Options {
        SpecParser.Options(baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                           maxPoints: maxPoints, maxTrainings: maxTrainings)
    }

    var resultsRoot: URL { URL(fileURLWithPath: results) }
    var plotsRoot: URL { URL(fileURLWithPath: plots) }

    /// One line on standard error naming what the results depend on (kernel family, numerics
    /// fingerprint) and the parallelism they do not depend on.
    static func announceArithmetic(threads: Int, jobs: Int) {
        FileHandle.standardError.write(Data(
            "arithmetic: kernels \(KernelFamily.current), numerics \(NumericsFingerprint.current); \(threads) thread(s), \(jobs) job(s) (results do not depend on them)\n".utf8))
    }

    /// The folders, cache and parallelism these options give a run or a reproduction.
    func settings(data: DataCache = DataCache()) -> RunSettings {
        var settings = RunSettings(resultsRoot: resultsRoot, plotsRoot: plotsRoot, cache: cacheFolder(data), data: data)
        (settings.jobs, settings.cores, settings.fresh) = (jobs, threads, fresh)
        return settings
    }

    /// `--cache`, or the data cache's `cache/` folder.
    func cacheFolder(_ data: DataCache) -> URL {
        cache.map { URL(fileURLWithPath: $0) } ?? data.root.appendingPathComponent("cache")
    }
}

/// Runs a spec parser; a spec mistake prints as one `error:` line (file, field, fix) and exits 2.
func parsingSpec<Spec>(_ parse: () throws -> Spec) throws -> Spec {
    do {
        return try parse()
    } catch let error as SpecError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}
