import ArgumentParser
import Foundation
import ModelIO
import Orchestrator
import Plotting

/// `subbit run SPEC`: the sweep — train or calibrate, compress, evaluate, model the decoder, plot.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an experiment spec: sweep, cache, results CSVs and plots.",
        discussion: """
        Results go to Results/<experiment>/ (runs.csv, summary.csv, layers.csv, pareto.csv, \
        runs.jsonl), plots to Plots/<experiment>/. Trainings and finished points are cached under \
        the data cache (${SUBBIT_DATA:-.data}/cache), so an interrupted run resumes and a rerun \
        retrains nothing. Results depend on the spec, the seeds and the kernel family only — not on \
        --threads or --jobs. The spec format is documented in Experiments/README.md.
        """)

    @Argument(help: "Experiment spec, e.g. Experiments/quick.yaml.")
    var spec: String

    @Option(name: .long, help: "Run only shard i of n (1-based, e.g. 2/3); combine with `subbit merge`.")
    var shard: String?

    @Flag(name: .long, help: "Only train the float baselines the points share (one per seed) into the cache, e.g. before the shards of a sweep start.")
    var baselinesOnly = false

    @OptionGroup var sweep: SweepOptions

    func validate() throws {
        if baselinesOnly, shard != nil {
            throw ValidationError("--baselines-only trains what every shard shares; give it without --shard.")
        }
    }

    func run() throws {
        let parsed = try parsingSpec { try SpecParser.parse(contentsOf: URL(fileURLWithPath: spec), displayPath: spec, options: sweep.specOptions) }
        var run = ExperimentRun(spec: parsed, settings: sweep.settings())
        run.specPath = spec
        if baselinesOnly {
            do {
                let seeds = try run.trainBaselines()
                if seeds.isEmpty { print("\(parsed.name): no float baselines to train (the spec calibrates a pretrained model).") }
                for (seed, cached) in seeds { print("\(parsed.name): float baseline of seed \(seed) \(cached ? "was cached" : "trained")") }
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode.failure
            }
            return
        }
        do {
            run.shard = try shard.map(ShardPlan.init(parsing:))
        } catch {
            throw ValidationError("\(error)")
        }
        let start = Date()
        SweepOptions.announceArithmetic(threads: sweep.threads, jobs: sweep.jobs)
        let outcome: ExperimentRun.Outcome
        do { outcome = try run.execute() } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        print(try RunSummary.table(outcome.records, experiment: parsed.name))
        print("results: \(outcome.resultsFolder.path)/{runs,summary,layers,pareto}.csv")
        for plot in outcome.plots { print("plot: \(plot.path)") }
        print(String(format: "done in %.1f s", Date().timeIntervalSince(start)))
    }
}

/// `subbit merge RESULTS_DIR`: combines the shards of a sweep into the unsharded files.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shard results of a sweep (Results/<experiment>/shards/*) into its results files.",
        discussion: """
        Refuses, with one line naming the shard and the fix and without writing anything: a \
        missing shard, a shard without its manifest (still running or interrupted), a shard made \
        from a different spec (see --spec), and a duplicated or copied shard.
        """)

    @Argument(help: "The experiment's results folder, e.g. Results/quick.")
    var resultsDirectory: String

    @Option(name: .long, help: "The spec every shard must have been made from (default: the spec most shards were made from).")
    var spec: String?

    func run() throws {
        let layout = ResultsLayout(folder: URL(fileURLWithPath: resultsDirectory))
        let expected = try spec.map { path in
            (SpecFingerprint(try parsingSpec { try SpecParser.parse(contentsOf: URL(fileURLWithPath: path), displayPath: path) }), path)
        }
        do {
            let records = try ShardMerge.records(in: layout, spec: expected)
            try ExperimentRun.writer.write(records, to: layout.folder, pareto: try ParetoTable.rows(records.map(\.run)),
                                           paretoColumns: ParetoTable.columns)
            print("merged \(records.count) points into \(layout.folder.path)/{runs,layers,pareto}.csv")
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// The table `subbit run` ends with: the accuracy–bits frontier (of means over seeds, with the
/// 95 % half-widths and n when a configuration has several seeds).
enum RunSummary {
    static func table(_ records: [PointRecord], experiment: String) throws -> String {
        let R = ResultsSchema.Runs.self
        let runs = records.map(\.run)
        let frontier = try ParetoTable.rows(runs).filter { $0["frontier"] == ParetoTable.accuracyBits }
        let seeded = frontier.contains { Int($0["n"] ?? "") ?? 1 > 1 }
        var lines = ["\(experiment): \(runs.count) points; accuracy–bits frontier\(seeded ? " (means over seeds ± 95 % CI)" : ""):",
                     "  point   λ        bins      codec  R   P   top1 %   bits/w coded  bits/w entropy  ratio"
                        + (seeded ? "   n  ± top1   ± bits/w" : "")]
        for row in frontier {
            func c(_ k: String, _ w: Int) -> String { (row[k] ?? "").padding(toLength: w, withPad: " ", startingAt: 0) }
            var line = "  \(c(R.pointID, 7)) \(c(R.lambda, 8)) \(c(R.binPolicy, 9)) \(c(R.codec, 6)) \(c(R.tableLog, 3)) \(c(R.lanes, 3)) \(c(R.top1Decoded, 8)) \(c(R.bitsPerWeightCoded, 13)) \(c(R.bitsPerWeightEntropy, 15)) \(c(R.compressionRatio, 6))"
            if seeded { line += "   \(c("n", 2)) \(c("top1_decoded_ci95", 7)) \(c("bits_per_weight_coded_ci95", 9))" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
