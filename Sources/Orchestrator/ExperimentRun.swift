import DecoderHardware
import Foundation
import ModelIO
import Training
import Plotting

/// Where a run reads and writes and how it spends the machine: shared by ``ExperimentRun`` and
/// ``Reproduction`` (whose studies run with its settings, under its paper's folders).
public struct RunSettings: Sendable {
    public var resultsRoot: URL
    public var plotsRoot: URL
    public var cache: URL
    public var data: DataCache
    public var jobs: Int = 1
    public var cores: Int = CPUBudget.available
    public var fresh = false
    /// Root the spec's relative paths (the technology file) are resolved from.
    public var baseDirectory: URL
    public var gnuplot: GnuplotRenderer?

    public init(resultsRoot: URL, plotsRoot: URL, cache: URL, data: DataCache = DataCache(),
                baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.resultsRoot = resultsRoot
        self.plotsRoot = plotsRoot
        self.cache = cache
        self.data = data
        self.baseDirectory = baseDirectory
    }
}

/// One `subbit run`: expand the spec, run (or resume) its points with the cache, write the results
/// folder atomically, and — for a whole (unsharded) sweep — render the spec's plots.
///
/// ```swift
/// let settings = RunSettings(resultsRoot: URL(fileURLWithPath: "Results"), plotsRoot: URL(fileURLWithPath: "Plots"),
///                            cache: DataCache().root.appendingPathComponent("cache"))
/// let run = ExperimentRun(spec: spec, settings: settings)
/// let outcome = try run.execute()
/// print(outcome.resultsFolder.path)
/// ```
@dynamicMemberLookup
public struct ExperimentRun: Sendable {
    public var spec: ExperimentSpec
    /// Folders, cache and parallelism (`run.jobs` reads `run.settings.jobs`).
    public var settings: RunSettings
    public var shard: ShardPlan?
    /// The spec file, as the shard manifest names it in its rerun advice (made absolute).
    public var specPath = ""

    public subscript<Value>(dynamicMember path: WritableKeyPath<RunSettings, Value>) -> Value {
        get { settings[keyPath: path] }
        set { settings[keyPath: path] = newValue }
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        public var records: [PointRecord]
        public var resultsFolder: URL
        public var plots: [URL]
    }

    public init(spec: ExperimentSpec, settings: RunSettings) {
        self.spec = spec
        self.settings = settings
    }

    /// The technology file named by the spec, loaded with its validation.
    public func technology() throws -> (Technology, String) {
        let url = URL(fileURLWithPath: spec.decoder.tech, relativeTo: settings.baseDirectory)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ResultsError("technology file \(spec.decoder.tech) not found. Fix: name a file under Experiments/tech/ in `decoder.tech`.")
        }
        return (try Technology.load(contentsOf: url), text)
    }

    /// Checks that what every job of the sweep reads is there — the technology file, and the data
    /// set or the pretrained model — so a submission fails now, with the fix, not on a compute node.
    public func checkInputs() throws {
        _ = try technology()
        switch spec.source {
        case .train(let source):
            for split in DataCache.Split.allCases {
                for part in DataCache.Part.allCases {
                    _ = try settings.data.locate(source.dataset.resource(split, part))
                }
            }
        case .pretrained(let source):
            if source.model.hasSuffix(".safetensors") {
                guard FileManager.default.isReadableFile(atPath: URL(fileURLWithPath: source.model, relativeTo: settings.baseDirectory).path) else {
                    throw ResultsError("pretrained model \(source.model) not found. Fix: export it with safetensors.torch.save_file(model.state_dict(), \"\(source.model)\") or correct the path in `pretrained`.")
                }
            } else {
                _ = try settings.data.locate(.mobileNetV2)
            }
        }
    }

    public func execute(progress: SweepProgress? = nil) throws -> Outcome {
        let (technology, techText) = try technology()
        let all = SweepExpansion(spec: spec).points()
        let ids = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1, SweepPoint.id(index: $0, total: all.count)) })
        let key = { (point: SweepPoint) in TrainingKey(spec: spec, point: point) }
        let selected = shard.map { $0.select(all, key: key) } ?? all
        let pipeline = PointPipeline(spec: spec, data: settings.data, technology: technology, cache: settings.cache)
        let salt = Self.pointSalt(techText: techText, technology: technology, spec: spec)
        let runner = SweepRunner(spec: spec, cache: settings.cache, steps: pipeline.steps, jobs: settings.jobs, cores: settings.cores,
                                 fresh: settings.fresh, pointSalt: salt)
        var records = try runner.run(selected, progress: progress ?? SweepProgress(total: selected.count))
        let shown = SweepAxis.all.map { ($0, $0.isShown(in: spec.sweep)) }
        for i in records.indices {
            let id = ids[selected[i]]!
            records[i].run[ResultsSchema.Runs.pointID] = id
            for j in records[i].layers.indices { records[i].layers[j][ResultsSchema.Layers.pointID] = id }
            // The axis columns come from the point, not from the cached record (which another spec
            // may have made): an optional axis is a column only where this spec sweeps it.
            for (axis, isShown) in shown { records[i].run[axis.name] = isShown ? selected[i].value(of: axis) : nil }
        }
        // Stamped here, not cached: the point salt already binds a cached point to this file's hash.
        Self.stampTechnology(&records, file: spec.decoder.tech, text: techText)
        let layout = ResultsLayout(resultsRoot: settings.resultsRoot, experiment: spec.name)
        let folder = shard.map(layout.shardFolder) ?? layout.folder
        try Self.writer.write(records, to: folder, pareto: try ParetoTable.rows(records.map(\.run)),
                              paretoColumns: ParetoTable.columns)
        if let shard {
            // Last, so a manifest always describes results that were written whole.
            try ShardManifest(experiment: spec.name, specPath: URL(fileURLWithPath: specPath, relativeTo: settings.baseDirectory).path,
                              specSHA256: SpecFingerprint(spec).hex, shard: shard.index + 1, count: shard.count,
                              pointsTotal: all.count, pointIDs: records.map { $0.run[ResultsSchema.Runs.pointID] ?? "" },
                              runsSHA256: SHA256.hex(of: Array(ResultsWriter.jsonLines(records).utf8)))
                .write(to: folder)
        }
        var plots: [URL] = []
        if shard == nil {
            plots = try render(resultsFolder: folder)
        }
        return Outcome(records: records, resultsFolder: folder, plots: plots)
    }

    /// Trains (or finds in the cache) the float baseline of every seed of a trained spec — what
    /// all shards share — so that a sharded sweep trains each once (`subbit run --baselines-only`,
    /// the first job of `subbit slurm`). Returns, per seed, whether it was already cached; empty
    /// for a pretrained spec, which has no baseline.
    public func trainBaselines() throws -> [(seed: Int, cached: Bool)] {
        let (technology, _) = try technology()
        let pipeline = PointPipeline(spec: spec, data: settings.data, technology: technology, cache: settings.cache)
        let seeds = spec.sweep.seed
        guard case .train = spec.source, !seeds.isEmpty else { return [] }
        let workers = min(max(1, settings.jobs), seeds.count)
        let threads = max(1, settings.cores / workers)
        let outcome = BaselineSlots(count: seeds.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: seeds.count, by: workers) where !outcome.failed {
                do { outcome.set(i, try pipeline.ensureBaseline(seed: seeds[i], threads: threads)) } catch { outcome.fail(error) }
            }
        }
        if let error = outcome.firstError { throw error }
        return zip(seeds, outcome.values).map { ($0, $1) }
    }

    /// Renders the spec's plots from a results folder into `Plots/<experiment>/`.
    public func render(resultsFolder: URL) throws -> [URL] {
        let (kinds, formats) = (spec.outputs.plots, spec.outputs.formats)
        guard !kinds.isEmpty else { return [] }
        let request = PlotRequest(resultsDirectory: resultsFolder,
                                  outputDirectory: settings.plotsRoot.appendingPathComponent(spec.name, isDirectory: true),
                                  plots: kinds, formats: formats)
        let files = try PlotCatalogue.render(request, gnuplot: settings.gnuplot ?? GnuplotRenderer.locate())
        return files.filter { formats.map(\.fileExtension).contains($0.pathExtension) }
    }

    /// What a finished point's cache key adds to its training and label: the technology file's
    /// SHA-256, a hash of the decoder model's outputs under it (`NumericsFingerprint.decoder`),
    /// the cost model's formula version (`DecoderCostModel.version`), the lane buffer size and the
    /// experiment (the compute rate is a sweep axis, so it is in the point's label). A changed technology file or cost model therefore never serves a cached point
    /// with stale decoder columns: the point is recomputed from its cached training.
    ///
    /// ```swift
    /// let salt = ExperimentRun.pointSalt(techText: text, technology: tech, spec: spec)
    /// ```
    static func pointSalt(techText: String, technology: Technology, spec: ExperimentSpec) -> String {
        "tech=\(SHA256.hex(of: Array(techText.utf8)))\ndecoder=\(NumericsFingerprint.decoder(technology))\n"
            + "decoderModel=\(DecoderCostModel.version)\n"
            + "buffer=\(spec.decoder.bufferBits.map(String.init) ?? "default")\nexperiment=\(spec.name)"
    }

    /// Sets every record's `tech_file` (the spec's `decoder.tech`, as written) and `tech_sha256`
    /// (SHA-256 of the file's text, hex).
    static func stampTechnology(_ records: inout [PointRecord], file: String, text: String) {
        let hash = SHA256.hex(of: Array(text.utf8))
        for i in records.indices {
            records[i].run[ResultsSchema.Runs.techFile] = file
            records[i].run[ResultsSchema.Runs.techSHA256] = hash
        }
    }

    /// The writer with the schema's column order.
    public static let writer = ResultsWriter(runColumns: ResultsSchema.Runs.columns,
                                             layerColumns: ResultsSchema.Layers.columns)
}

/// Per-seed outcomes of concurrent baseline trainings, plus the first failure.
private final class BaselineSlots: @unchecked Sendable {
    private var slots: [Bool]
    private(set) var firstError: Error?
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: false, count: count) }
    var failed: Bool { lock.withLock { firstError != nil } }
    var values: [Bool] { lock.withLock { slots } }
    func set(_ i: Int, _ cached: Bool) { lock.withLock { slots[i] = cached } }
    func fail(_ error: Error) { lock.withLock { if firstError == nil { firstError = error } } }
}
