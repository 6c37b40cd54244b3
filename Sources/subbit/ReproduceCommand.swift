import ArgumentParser
import Foundation
import ModelIO
import Orchestrator

/// `subbit reproduce [SPEC]`: every study of the paper spec, then `Results/<paper>/tables.md`.
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run the paper's studies (Experiments/paper.yaml) and write Results/paper/tables.md.",
        discussion: """
        Each study is an ordinary experiment spec with a `name`; its results go to \
        Results/<paper>/<study>/ and its plots to Plots/<paper>/<study>/. Trainings are cached \
        (${SUBBIT_DATA:-.data}/cache), so an interrupted reproduction resumes. tables.md is \
        rendered from the studies' CSVs only; --tables-only re-renders it and the plots from the \
        CSVs already there, without running anything.
        """)

    @Argument(help: "Multi-study spec.")
    var spec = "Experiments/paper.yaml"

    @Option(name: .long, help: "Cache folder (default: <data cache>/cache).")
    var cache: String?

    @Option(name: .long, help: "Trainings run at once; BLAS threads are divided among them.")
    var jobs: Int = 1

    @Flag(name: .long, help: "Re-render tables.md and the plots from the committed CSVs; train nothing.")
    var tablesOnly = false

    @Flag(name: .long, help: "Ignore the cache and recompute every training and point.")
    var fresh = false

    @Option(name: .long, help: "Folder for results.")
    var results = "Results"

    @Option(name: .long, help: "Folder for plots.")
    var plots = "Plots"

    func run() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1.") }
        let start = Date()
        let paper: PaperSpec
        do {
            paper = try PaperSpecParser.parse(contentsOf: URL(fileURLWithPath: spec), displayPath: spec)
        } catch let error as SpecError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let data = DataCache()
        var reproduction = Reproduction(paper: paper, resultsRoot: URL(fileURLWithPath: results),
                                        plotsRoot: URL(fileURLWithPath: plots),
                                        cache: cache.map { URL(fileURLWithPath: $0) } ?? data.root.appendingPathComponent("cache"),
                                        data: data)
        reproduction.jobs = jobs
        reproduction.fresh = fresh
        reproduction.command = spec == "Experiments/paper.yaml" ? "subbit reproduce" : "subbit reproduce \(spec)"
        let outcome: Reproduction.Outcome
        do {
            if tablesOnly {
                outcome = try reproduction.renderFromResults()
            } else {
                try reproduction.preflight()
                outcome = try reproduction.execute()
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let studies = paper.studies.count == 1 ? "1 study" : "\(paper.studies.count) studies"
        print("\(paper.name): \(studies), \(outcome.points) points")
        for line in outcome.summaries { print("  \(line)") }
        print("tables: \(results)/\(paper.name)/tables.md")
        print("plots: \(plots)/\(paper.name)/<study>/ (\(outcome.plots.count) images)")
        print(String(format: "done in %.1f s", Date().timeIntervalSince(start)))
    }
}
