import Foundation
import XCTest
import Training
import DecoderHardware
@testable import Orchestrator

/// Counts calls from concurrent workers.
final class CallLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var trainings: [String] = []
    private(set) var evaluations: [String] = []
    func train(_ key: String) { lock.withLock { trainings.append(key) } }
    func evaluate(_ label: String) { lock.withLock { evaluations.append(label) } }
}

final class SweepRunnerTests: XCTestCase {
    let spec = try! SpecParser.parse(yaml: SpecParserTests.valid, file: "q.yaml", defaultName: "q")

    func fakeSteps(_ log: CallLog, failOn failing: String? = nil) -> PointSteps {
        PointSteps(
            train: { point, key, _ in
                log.train(key.hex)
                return Array("trained λ=\(point.lambda) \(point.binPolicy)".utf8)
            },
            evaluate: { point, trained, _ in
                if let failing, point.label.contains(failing) { throw CocoaError(.fileReadCorruptFile) }
                log.evaluate(point.label)
                return PointRecord(run: ["label": point.label, "trained": String(decoding: trained, as: UTF8.self)],
                                   layers: [["layer": "conv1", "lanes": "\(point.lanes)"]])
            })
    }

    func cache() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("subbit-runner-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTrainsOncePerKeyAndReturnsSweepOrder() throws {
        let points = SweepExpansion(spec: spec).points()
        let log = CallLog()
        let runner = SweepRunner(spec: spec, cache: try cache(), steps: fakeSteps(log), jobs: 2, cores: 2)
        let records = try runner.run(points)
        XCTAssertEqual(records.map { $0.run["label"] }, points.map(\.label))
        XCTAssertEqual(log.trainings.count, 6, "3 λ × 2 bin policies")
        XCTAssertEqual(Set(log.trainings).count, 6)
        XCTAssertEqual(log.evaluations.count, points.count)
    }

    /// A training's bytes are read once for all of its points (the point pipeline decodes the
    /// stored weights there), also when a rerun evaluates only the points that are missing.
    func testTrainedBytesAreReadOncePerTraining() throws {
        let points = SweepExpansion(spec: spec).points()
        let (reads, evaluations) = (CallLog(), CallLog())
        let steps = PointSteps(
            train: { point, _, _ in Array("λ=\(point.lambda) \(point.binPolicy)".utf8) },
            evaluator: { trained in
                reads.train(String(decoding: trained, as: UTF8.self))
                return { point, _ in
                    evaluations.evaluate(point.label)
                    return PointRecord(run: ["label": point.label, "trained": String(decoding: trained, as: UTF8.self)], layers: [])
                }
            })
        let records = try SweepRunner(spec: spec, cache: try cache(), steps: steps, jobs: 2, cores: 2).run(points)
        XCTAssertEqual(reads.trainings.count, 6, "one read per training (3 λ × 2 bin policies)")
        XCTAssertEqual(Set(reads.trainings).count, 6)
        XCTAssertEqual(evaluations.evaluations.count, points.count)
        XCTAssertGreaterThan(points.count, 6, "several points per training")
        for (record, point) in zip(records, points) {
            XCTAssertEqual(record.run["trained"], "λ=\(point.lambda) \(point.binPolicy)", "each point sees its own training")
        }
    }

    func testRerunUsesTheCacheAndFreshRecomputes() throws {
        let points = SweepExpansion(spec: spec).points()
        let root = try cache()
        let first = try SweepRunner(spec: spec, cache: root, steps: fakeSteps(CallLog())).run(points)
        let log = CallLog()
        let second = try SweepRunner(spec: spec, cache: root, steps: fakeSteps(log)).run(points)
        XCTAssertEqual(first, second)
        XCTAssertEqual(log.trainings.count, 0)
        XCTAssertEqual(log.evaluations.count, 0)
        let freshLog = CallLog()
        _ = try SweepRunner(spec: spec, cache: root, steps: fakeSteps(freshLog), fresh: true).run(points)
        XCTAssertEqual(freshLog.trainings.count, 6)
        XCTAssertEqual(freshLog.evaluations.count, points.count)
    }

    func testNewDecoderValuesReuseTrainings() throws {
        let root = try cache()
        _ = try SweepRunner(spec: spec, cache: root, steps: fakeSteps(CallLog())).run(SweepExpansion(spec: spec).points())
        var wider = spec
        wider.sweep.lanes.append(64)
        let log = CallLog()
        let points = SweepExpansion(spec: wider).points()
        _ = try SweepRunner(spec: wider, cache: root, steps: fakeSteps(log)).run(points)
        XCTAssertEqual(log.trainings.count, 0, "codec and decoder axes never retrain")
        XCTAssertEqual(log.evaluations.count, points.filter { $0.lanes == 64 }.count)
    }

    func testCorruptCacheEntryIsRecomputed() throws {
        let points = Array(SweepExpansion(spec: spec).points().prefix(3))
        let root = try cache()
        let runner = SweepRunner(spec: spec, cache: root, steps: fakeSteps(CallLog()))
        _ = try runner.run(points)
        let entry = runner.points.url(for: runner.pointKey(points[1]))
        var bytes = try [UInt8](Data(contentsOf: entry))
        bytes[bytes.count - 2] ^= 0x20
        try Data(bytes).write(to: entry)
        let log = CallLog()
        _ = try SweepRunner(spec: spec, cache: root, steps: fakeSteps(log)).run(points)
        XCTAssertEqual(log.evaluations, [points[1].label])
    }

    func testAFailingPointStopsTheSweepWithItsError() throws {
        let points = SweepExpansion(spec: spec).points()
        let runner = SweepRunner(spec: spec, cache: try cache(), steps: fakeSteps(CallLog(), failOn: "lanes=16"), jobs: 2)
        XCTAssertThrowsError(try runner.run(points))
    }

    func testProgressCountsCachedWork() throws {
        let points = Array(SweepExpansion(spec: spec).points().prefix(12))
        let root = try cache()
        _ = try SweepRunner(spec: spec, cache: root, steps: fakeSteps(CallLog())).run(points)
        let progress = SweepProgress(total: points.count, interactive: false, write: { _ in })
        _ = try SweepRunner(spec: spec, cache: root, steps: fakeSteps(CallLog())).run(points, progress: progress)
        XCTAssertTrue(progress.summary.hasPrefix("points 12/12 (12 cached)"), progress.summary)
    }
}

final class ContentStoreTests: XCTestCase {
    func testPutGetAndCorruption() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("subbit-store-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let store = ContentStore(root: root)
        XCTAssertNil(store.get("abcd"))
        try store.put(Array("payload".utf8), for: "abcd")
        XCTAssertEqual(store.get("abcd"), Array("payload".utf8))
        try Data("SBCACHE1garbage".utf8).write(to: store.url(for: "abcd"))
        XCTAssertNil(store.get("abcd"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.url(for: "abcd").deletingLastPathComponent().path)
        XCTAssertEqual(leftovers, ["abcd"], "no temporary files left behind")
    }
}

/// The training key carries the binary's numerics fingerprint and kernel family.
final class NumericsFingerprintTests: XCTestCase {
    let spec = try! SpecParser.parse(yaml: SpecParserTests.valid, file: "q.yaml", defaultName: "q")

    func testACachedTrainingMadeUnderAnotherFingerprintIsNotReused() throws {
        let points = SweepExpansion(spec: spec).points()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("subbit-fp-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        // Entries a binary with different arithmetic left behind.
        let trainings = ContentStore(root: root.appendingPathComponent("trainings"))
        for point in points {
            try trainings.put(Array("stale".utf8), for: TrainingKey(spec: spec, point: point, numerics: "0123456789abcdef").hex)
        }
        let log = CallLog()
        let steps = PointSteps(
            train: { point, key, _ in log.train(key.hex); return Array("fresh \(point.lambda)".utf8) },
            evaluate: { point, trained, _ in PointRecord(run: ["trained": String(decoding: trained, as: UTF8.self)], layers: []) })
        let records = try SweepRunner(spec: spec, cache: root, steps: steps).run(points)
        XCTAssertEqual(log.trainings.count, 6, "every training recomputed")
        XCTAssertFalse(records.contains { $0.run["trained"] == "stale" })
    }

    func testKeysNameTheFingerprintAndKernelsButNotThreads() throws {
        let point = SweepExpansion(spec: spec).points()[0]
        let key = TrainingKey(spec: spec, point: point)
        XCTAssertTrue(key.canonical.contains("numerics=\(NumericsFingerprint.current)\n"))
        XCTAssertTrue(key.canonical.contains("kernels=\(KernelFamily.current)\n"))
        XCTAssertFalse(key.canonical.contains("thread"))
        XCTAssertNotEqual(TrainingKey(spec: spec, point: point, numerics: "x").hex, key.hex)
        XCTAssertEqual(NumericsFingerprint.current.count, 16)
        XCTAssertNotEqual(NumericsFingerprint.current, NumericsFingerprint.coding)
    }

    /// Finished points carry a hash of the decoder model's outputs: another technology (or
    /// another formula) gives another key.
    func testDecoderFingerprintFollowsTheModel() throws {
        let tech = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Experiments/tech")
        let a = try Technology.load(contentsOf: tech.appendingPathComponent("asic-22nm.yaml"))
        let b = try Technology.load(contentsOf: tech.appendingPathComponent("asic-45nm.yaml"))
        XCTAssertEqual(NumericsFingerprint.decoder(a), NumericsFingerprint.decoder(a))
        XCTAssertNotEqual(NumericsFingerprint.decoder(a), NumericsFingerprint.decoder(b))
        XCTAssertEqual(NumericsFingerprint.decoder(a).count, 16)
    }

    /// The probe is deterministic and does not depend on how many threads the process has.
    func testTheProbeIsReproducible() {
        let (a, b) = (NumericsFingerprint.probe(), NumericsFingerprint.probe())
        XCTAssertEqual(a.training, b.training)
        XCTAssertEqual(a.coding, b.coding)
        XCTAssertGreaterThan(a.training.count, 100_000)
    }
}
