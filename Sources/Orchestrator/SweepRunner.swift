import Foundation
import ModelIO
import Training

/// What one sweep point produced: its row of `runs.csv` and its rows of `layers.csv`,
/// as column → value text (columns per ``ResultsTable``).
public struct PointRecord: Sendable, Equatable, Codable {
    public var run: [String: String]
    public var layers: [[String: String]]

    public init(run: [String: String], layers: [[String: String]]) {
        self.run = run
        self.layers = layers
    }
}

/// The expensive and the cheap step of a sweep point, supplied by the caller (the CLI wires the
/// training, quantization, codec and decoder modules in; tests supply fakes).
public struct PointSteps: Sendable {
    /// Evaluates one point of a training: encodes, decodes, evaluates and models the decoder.
    public typealias PointEvaluation = @Sendable (_ point: SweepPoint, _ threads: Int) throws -> PointRecord

    /// Trains (or calibrates) the weights of a point; the bytes are cached under the point's
    /// ``TrainingKey`` and shared by every point with the same key. `threads` is the BLAS thread budget.
    public var train: @Sendable (_ point: SweepPoint, _ key: TrainingKey, _ threads: Int) throws -> [UInt8]
    /// Reads a training's bytes once and returns how each of its points is evaluated: the
    /// runner evaluates a training's points together, so the stored weights are decoded once per
    /// training rather than once per point.
    public var evaluator: @Sendable (_ trained: [UInt8]) throws -> PointEvaluation

    public init(train: @escaping @Sendable (SweepPoint, TrainingKey, Int) throws -> [UInt8],
                evaluator: @escaping @Sendable ([UInt8]) throws -> PointEvaluation) {
        self.train = train
        self.evaluator = evaluator
    }

    /// Steps whose evaluation reads the trained bytes itself, point by point.
    public init(train: @escaping @Sendable (SweepPoint, TrainingKey, Int) throws -> [UInt8],
                evaluate: @escaping @Sendable (SweepPoint, [UInt8], Int) throws -> PointRecord) {
        self.init(train: train, evaluator: { trained in { point, threads in try evaluate(point, trained, threads) } })
    }
}

/// Runs a sweep's points with a content-addressed cache: trainings are cached by ``TrainingKey``,
/// finished points by a key over the training key and every other axis, so a rerun — after an
/// interruption, or with more codec/decoder values — computes only what is missing, and
/// `fresh` recomputes everything.
///
/// Points are grouped by training; `jobs` groups run at once, each with `cores / jobs` BLAS threads
/// so the machine is not oversubscribed. Results come back in sweep order, whatever the finishing order.
///
/// ```swift
/// let runner = SweepRunner(spec: spec, cache: cacheRoot, steps: steps, jobs: 2)
/// let records = try runner.run(points, progress: SweepProgress(total: points.count))
/// ```
public struct SweepRunner: Sendable {
    public var spec: ExperimentSpec
    public var trainings: ContentStore
    public var points: ContentStore
    public var steps: PointSteps
    public var jobs: Int
    public var cores: Int
    public var fresh: Bool
    /// Extra text folded into every point key (e.g. the technology file's contents), so a change
    /// to an input outside the spec's axes invalidates the cached points.
    var pointSalt: String

    public init(spec: ExperimentSpec, cache: URL, steps: PointSteps, jobs: Int = 1,
                cores: Int = CPUBudget.available, fresh: Bool = false, pointSalt: String = "") {
        self.spec = spec
        self.trainings = ContentStore(root: cache.appendingPathComponent("trainings"))
        self.points = ContentStore(root: cache.appendingPathComponent("points"))
        self.steps = steps
        self.jobs = max(1, jobs)
        self.cores = max(1, cores)
        self.fresh = fresh
        self.pointSalt = pointSalt
    }

    /// The cache key of a finished point: its training, its label (the codec and decoder axes), the
    /// run's salt, and the coding fingerprint (a codec change that moves a bit recomputes the point).
    func pointKey(_ point: SweepPoint) -> String {
        let text = "point-format=\(TrainingKey.formatVersion)\ncoding=\(NumericsFingerprint.coding)\n"
            + "training=\(TrainingKey(spec: spec, point: point).hex)\n\(point.label)\n\(pointSalt)"
        return SHA256.hex(of: Array(text.utf8))
    }

    /// Runs `selected` (in sweep order) and returns one record per point, in the same order.
    public func run(_ selected: [SweepPoint], progress: SweepProgress? = nil) throws -> [PointRecord] {
        // Group points by training, keeping first-appearance order.
        var groups: [(key: TrainingKey, indices: [Int])] = []
        var groupIndex: [TrainingKey: Int] = [:]
        for (i, point) in selected.enumerated() {
            let key = TrainingKey(spec: spec, point: point)
            if let g = groupIndex[key] { groups[g].indices.append(i) } else {
                groupIndex[key] = groups.count
                groups.append((key, [i]))
            }
        }
        let groupList = groups
        let results = ResultSlots(count: selected.count)
        let workers = min(jobs, max(1, groups.count))
        let threads = max(1, cores / workers)
        progress?.start(trainings: groups.count)
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            while let g = next.take(below: groupList.count), !results.failed {
                let group = groupList[g]
                do {
                    try runGroup(group.key, indices: group.indices, selected: selected, threads: threads,
                                 worker: worker, results: results, progress: progress)
                } catch {
                    results.fail(error)
                }
            }
        }
        progress?.finish()
        if let error = results.firstError { throw error }
        return results.records()
    }

    private func runGroup(_ key: TrainingKey, indices: [Int], selected: [SweepPoint], threads: Int, worker: Int,
                          results: ResultSlots, progress: SweepProgress?) throws {
        // Points already finished need no training at all.
        var pending: [Int] = []
        for i in indices {
            if !fresh, let bytes = points.get(pointKey(selected[i])),
               let record = try? JSONDecoder().decode(PointRecord.self, from: Data(bytes)) {
                results.set(i, record)
                progress?.pointDone(cached: true)
            } else {
                pending.append(i)
            }
        }
        guard !pending.isEmpty else {
            progress?.trainingDone(cached: true)
            return
        }
        let trained: [UInt8]
        if !fresh, let cached = trainings.get(key.hex) {
            trained = cached
            progress?.trainingDone(cached: true)
        } else {
            // One process trains a key at a time; another run of the same spec on this cache
            // waits for it and takes the stored result instead of training again.
            let started = Date()
            let (bytes, cached) = try trainings.withLock(key.hex, waiting: { holder in
                progress?.status(worker: worker, "waiting for training \(key) (in progress: \(holder.trimmingCharacters(in: .whitespacesAndNewlines)))")
            }) { () throws -> ([UInt8], Bool) in
                if let stored = trainings.get(key.hex), !fresh || (trainings.modificationDate(key.hex).map { $0 > started } ?? false) {
                    return (stored, true)
                }
                progress?.status(worker: worker, "training \(key) (\(selected[pending[0]].binPolicy), λ=\(selected[pending[0]].value(of: .lambda)))")
                let trained = try steps.train(selected[pending[0]], key, threads)
                try trainings.put(trained, for: key.hex)
                // Keep what was hashed beside the entry, for humans inspecting the cache.
                try? AtomicFile.write(Array(key.canonical.utf8), to: trainings.url(for: key.hex).appendingPathExtension("key.txt"))
                return (trained, false)
            }
            trained = bytes
            progress?.trainingDone(cached: cached)
        }
        let evaluate = try steps.evaluator(trained)
        for i in pending {
            progress?.status(worker: worker, "evaluating \(selected[i].label)")
            let record = try evaluate(selected[i], threads)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try points.put(Array(try encoder.encode(record)), for: pointKey(selected[i]))
            results.set(i, record)
            progress?.pointDone(cached: false)
        }
        progress?.status(worker: worker, nil)
    }
}

/// A thread-safe next-index dispenser.
private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// Results filled in by concurrent workers, plus the first failure.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [PointRecord?]
    private(set) var firstError: Error?
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    var failed: Bool { lock.withLock { firstError != nil } }
    func set(_ i: Int, _ record: PointRecord) { lock.withLock { slots[i] = record } }
    func fail(_ error: Error) { lock.withLock { if firstError == nil { firstError = error } } }
    func records() -> [PointRecord] { lock.withLock { slots.map { $0! } } }
}
