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

    @Flag(name: .long, help: "Re-render tables.md and the plots from the committed CSVs; train nothing.")
    var tablesOnly = false

    @OptionGroup var sweep: SweepOptions

    func run() throws {
        let start = Date()
        let paper = try parsingSpec { try PaperSpecParser.parse(
            contentsOf: URL(fileURLWithPath: spec), displayPath: spec,
            // The size limits; referenced data is checked by Reproduction before any study runs.
            options: SpecParser.Options(maxPoints: sweep.maxPoints, maxTrainings: sweep.maxTrainings)) }
        var reproduction = Reproduction(paper: paper, settings: sweep.settings())
        reproduction.command = spec == "Experiments/paper.yaml" ? "subbit reproduce" : "subbit reproduce \(spec)"
        let outcome: Reproduction.Outcome
        do {
            if tablesOnly {
                outcome = try reproduction.renderFromResults()
            } else {
                try reproduction.preflight()
                SweepOptions.announceArithmetic(threads: sweep.threads, jobs: sweep.jobs)
                outcome = try reproduction.execute()
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let studies = paper.studies.count == 1 ? "1 study" : "\(paper.studies.count) studies"
        print("\(paper.name): \(studies), \(outcome.points) points")
        for line in outcome.summaries { print("  \(line)") }
        print("tables: \(sweep.results)/\(paper.name)/tables.md")
        print("plots: \(sweep.plots)/\(paper.name)/<study>/ (\(outcome.plots.count) images)")
        print(String(format: "done in %.1f s", Date().timeIntervalSince(start)))
    }
}
