import DecoderHardware
import Foundation
import ModelIO
import Training
import Plotting

/// One `subbit reproduce`: every study of a ``PaperSpec`` run through ``ExperimentRun`` (same cache,
/// so finished trainings are reused), then `Results/<paper>/tables.md` rendered from the studies'
/// CSVs by ``PaperTables``.
///
/// Study `s` writes `Results/<paper>/<s>/{runs,layers,pareto}.csv` and `Plots/<paper>/<s>/`.
/// ``renderFromResults()`` is the regeneration path (`--tables-only`): it reads only the CSVs and
/// rewrites the tables and the plots, so committed results can be checked byte for byte.
///
/// ```swift
/// let paper = try PaperSpecParser.parse(contentsOf: URL(fileURLWithPath: "Experiments/paper.yaml"))
/// let reproduction = Reproduction(paper: paper, settings: RunSettings(
///     resultsRoot: URL(fileURLWithPath: "Results"), plotsRoot: URL(fileURLWithPath: "Plots"),
///     cache: DataCache().root.appendingPathComponent("cache")))
/// try reproduction.preflight()
/// let outcome = try reproduction.execute()
/// print(outcome.tables.path)   // Results/paper/tables.md
/// ```
@dynamicMemberLookup
public struct Reproduction: Sendable {
    public var paper: PaperSpec
    /// Folders, cache and parallelism, shared by every study (`reproduction.jobs` reads `settings.jobs`).
    public var settings: RunSettings

    public subscript<Value>(dynamicMember path: WritableKeyPath<RunSettings, Value>) -> Value {
        get { settings[keyPath: path] }
        set { settings[keyPath: path] = newValue }
    }
    /// The command line named in the tables' header.
    public var command = "subbit reproduce"

    /// What a reproduction produced.
    public struct Outcome: Sendable {
        /// Per study, in spec order: its one-line summary (``PaperTables/summary(_:)``).
        public var summaries: [String]
        public var points: Int
        public var tables: URL
        public var plots: [URL]
    }

    public init(paper: PaperSpec, settings: RunSettings) {
        self.paper = paper
        self.settings = settings
    }

    /// `Results/<paper>/`: the studies' folders and `tables.md`.
    public var resultsFolder: URL { settings.resultsRoot.appendingPathComponent(paper.name, isDirectory: true) }
    /// `Plots/<paper>/`: one folder per study.
    var plotsFolder: URL { settings.plotsRoot.appendingPathComponent(paper.name, isDirectory: true) }
    var tablesFile: URL { resultsFolder.appendingPathComponent("tables.md") }

    /// The ``ExperimentRun`` of one study, writing under `Results/<paper>/` and `Plots/<paper>/`.
    public func run(of study: ExperimentSpec) -> ExperimentRun {
        var run = ExperimentRun(spec: study, settings: settings)
        (run.resultsRoot, run.plotsRoot) = (resultsFolder, plotsFolder)
        return run
    }

    /// Checks, before anything runs, what would otherwise fail halfway: every study's technology
    /// file, data set and pretrained checkpoint, and gnuplot when a study wants plots.
    public func preflight() throws {
        for (i, study) in paper.studies.enumerated() {
            func failure(_ text: String) -> ResultsError { ResultsError("studies[\(i)] (\(study.name)): \(text)") }
            do { try run(of: study).checkInputs() } catch { throw failure("\(error)") }
        }
        if paper.studies.contains(where: { !$0.outputs.plots.isEmpty }) {
            try (settings.gnuplot ?? GnuplotRenderer.locate()).validate()
        }
    }

    /// Runs every study (resuming from the cache), then renders the tables.
    /// `progress` makes the display of each study (by default one on standard error per study).
    public func execute(progress: ((ExperimentSpec, Int) -> SweepProgress?)? = nil) throws -> Outcome {
        var plots: [URL] = []
        var points = 0
        for study in paper.studies {
            let run = run(of: study)
            let total = SweepExpansion(spec: study).points().count
            FileHandle.standardError.write(Data("study \(study.name): \(total) points\n".utf8))
            let outcome = try run.execute(progress: progress?(study, total) ?? SweepProgress(total: total))
            plots += outcome.plots
            points += outcome.records.count
        }
        let (summaries, tables) = try writeTables()
        return Outcome(summaries: summaries, points: points, tables: tables, plots: plots)
    }

    /// The regeneration path: re-renders every study's plots and `tables.md` from the CSVs
    /// already under `Results/<paper>/`, running nothing.
    public func renderFromResults() throws -> Outcome {
        var plots: [URL] = []
        var points = 0
        for study in paper.studies {
            let folder = resultsFolder.appendingPathComponent(study.name, isDirectory: true)
            try requireResults(study)
            plots += try run(of: study).render(resultsFolder: folder)
            points += try CSVTable(contentsOf: folder.appendingPathComponent(ResultsSchema.Runs.fileName)).rows.count
        }
        let (summaries, tables) = try writeTables()
        return Outcome(summaries: summaries, points: points, tables: tables, plots: plots)
    }

    private func writeTables() throws -> ([String], URL) {
        let studies = try studiesFromResults()
        let text = try PaperTables.render(title: paper.name, description: paper.description, command: command, studies: studies)
        try FileManager.default.createDirectory(at: resultsFolder, withIntermediateDirectories: true)
        try AtomicFile.write(Array(text.utf8), to: tablesFile)
        return (try studies.map(PaperTables.summary), tablesFile)
    }

    private func requireResults(_ study: ExperimentSpec) throws {
        let folder = resultsFolder.appendingPathComponent(study.name, isDirectory: true)
        for name in [ResultsSchema.Runs.fileName, ResultsSchema.Layers.fileName] {
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ResultsError("\(url.path) is missing, so study '\(study.name)' has no results to render. Fix: run `subbit reproduce` without --tables-only (it resumes from the cache).")
            }
        }
    }

    private func studiesFromResults() throws -> [PaperTables.Study] {
        try paper.studies.map { study in
            try requireResults(study)
            let folder = resultsFolder.appendingPathComponent(study.name, isDirectory: true)
            let calibration: String?
            if case .pretrained(let source) = study.source { calibration = source.calibration.rawValue } else { calibration = nil }
            return PaperTables.Study(
                name: study.name, description: study.description, calibration: calibration,
                runs: try CSVTable(contentsOf: folder.appendingPathComponent(ResultsSchema.Runs.fileName)),
                layers: try CSVTable(contentsOf: folder.appendingPathComponent(ResultsSchema.Layers.fileName)))
        }
    }
}
