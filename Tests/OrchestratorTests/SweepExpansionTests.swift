import XCTest
@testable import Orchestrator
import Training

final class SweepExpansionTests: XCTestCase {
    func testCartesianProductWithTrainingAxesOutermost() {
        let axes = SweepAxes(lambda: [0, 0.1], binPolicy: [.learned, .fixed(7)], tableLog: [8, 12], lanes: [1, 4, 16])
        let points = SweepExpansion(axes: axes).points()
        XCTAssertEqual(points.count, 2 * 2 * 2 * 3)
        XCTAssertEqual(Set(points).count, points.count, "no duplicates")
        // The first 6 points share λ and bin policy: one training serves a block of codec/decoder points.
        XCTAssertEqual(Set(points.prefix(6).map { "\($0.lambda)\($0.binPolicy)" }).count, 1)
        XCTAssertEqual(points.first?.label, "lambda=0,bin_policy=learned,rate_weight=0,seed=1,codec=tans,table_log=8,lanes=1,layout=split,port_bits=64,sharing=replicated,compute_weights_per_cycle=8")
    }

    func testZipGroupsAdvanceTogether() {
        let axes = SweepAxes(lambda: [0, 0.01, 0.1], seed: [1, 2, 3], lanes: [1, 2], zip: [[.lambda, .seed]])
        let points = SweepExpansion(axes: axes).points()
        XCTAssertEqual(points.count, 3 * 2)
        for point in points {
            let i = axes.lambda.firstIndex(of: point.lambda)!
            XCTAssertEqual(point.seed, axes.seed[i])
        }
    }

    func testRandomAxesProduceTheProductOfTheirSizes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let axes = SweepAxes(lambda: (0..<Int.random(in: 1...4, using: &rng)).map(Double.init),
                                 tableLog: Array(5..<(5 + Int.random(in: 1...3, using: &rng))),
                                 lanes: Array(1...Int.random(in: 1...5, using: &rng)))
            let points = SweepExpansion(axes: axes).points()
            XCTAssertEqual(points.count, axes.lambda.count * axes.tableLog.count * axes.lanes.count)
            XCTAssertEqual(Set(points).count, points.count)
        }
    }

    func testCanonicalNumbers() {
        XCTAssertEqual(CanonicalNumber.format(0), "0")
        XCTAssertEqual(CanonicalNumber.format(3), "3")
        XCTAssertEqual(CanonicalNumber.format(0.03), "0.03")
        XCTAssertEqual(CanonicalNumber.format(1e-5), "1e-05")
    }
}

final class TrainingKeyTests: XCTestCase {
    let spec = try! SpecParser.parse(yaml: SpecParserTests.valid, file: "q.yaml", defaultName: "q")

    func testCodecAndDecoderAxesShareTheKey() {
        let points = SweepExpansion(spec: spec).points()
        let keys = Set(points.map { TrainingKey(spec: spec, point: $0) })
        XCTAssertEqual(keys.count, spec.sweep.lambda.count * spec.sweep.binPolicy.count)
    }

    /// The canonical text of a key is what keeps a user's cache valid across releases: the
    /// fields and their spelling must not drift when the spec's types or the axes' declarations do.
    func testCanonicalTextIsStable() throws {
        let point = SweepExpansion(spec: spec).points()[0]
        let lines = TrainingKey(spec: spec, point: point, numerics: "N").canonical.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { !$0.hasPrefix("kernels=") }, [
            "format=\(TrainingKey.formatVersion)", "numerics=N", "kind=train", "dataset=fashion-mnist", "model=lenet5",
            "baseline.epochs=8", "baseline.batch=128", "baseline.optimizer=sgd", "baseline.lr=0.05", "baseline.schedule=cosine",
            "baseline.momentum=0.9", "baseline.weight_decay=0.0005", "baseline.crop_padding=0", "baseline.flip=false",
            "finetune.epochs=2", "finetune.batch=128", "finetune.optimizer=adam", "finetune.lr=0.001", "finetune.schedule=cosine",
            "finetune.momentum=0.9", "finetune.weight_decay=0", "finetune.crop_padding=0", "finetune.flip=false",
            "qat.temperature=0.3", "qat.lambda_warmup_epochs=0", "qat.first_layer_bins=15", "qat.last_layer_bins=policy",
            "qat.initial_bins=15", "qat.float_dtype=f16", "lambda=0", "bin_policy=learned", "seed=1",
        ])
        let pretrained = try SpecParser.parse(yaml: "pretrained: mobilenet_v2\ncalibration: rd\nsweep: {rate_weight: [0.001]}\n",
                                              file: "p.yaml", defaultName: "p")
        let p = SweepExpansion(spec: pretrained).points()[0]
        XCTAssertEqual(TrainingKey(spec: pretrained, point: p, numerics: "N").canonical.split(separator: "\n").map(String.init)
                        .filter { !$0.hasPrefix("kernels=") },
                       ["format=\(TrainingKey.formatVersion)", "numerics=N", "kind=pretrained", "model=mobilenet_v2",
                        "calibration=rd", "rate_weight=0.001", "bin_policy=fixed-15", "seed=1"])
    }

    /// The compute rate is a sweep axis: it multiplies the points, never the trainings, and a
    /// spec may set it once — under `sweep:` or as `decoder.compute_weights_per_cycle`.
    func testComputeRateIsAnAxisThatNeverRetrains() throws {
        let yaml = SpecParserTests.valid.replacingOccurrences(of: "  compute_weights_per_cycle: 8\n", with: "")
            .replacingOccurrences(of: "  lanes: [1, 4, 16]\n", with: "  lanes: [1, 4, 16]\n  compute_weights_per_cycle: [8, 32]\n")
        let swept = try SpecParser.parse(yaml: yaml, file: "q.yaml", defaultName: "q")
        XCTAssertEqual(swept.sweep.computeWeightsPerCycle, [8, 32])
        let points = SweepExpansion(spec: swept).points()
        XCTAssertEqual(points.count, 2 * SweepExpansion(spec: spec).points().count)
        XCTAssertEqual(Set(points.map { TrainingKey(spec: swept, point: $0) }).count, spec.sweep.lambda.count * spec.sweep.binPolicy.count)
        XCTAssertEqual(swept.sweep.trainingCount, spec.sweep.trainingCount)
        let both = SpecParserTests.valid.replacingOccurrences(of: "  lanes: [1, 4, 16]\n", with: "  lanes: [1, 4, 16]\n  compute_weights_per_cycle: [8, 32]\n")
        XCTAssertThrowsError(try SpecParser.parse(yaml: both, file: "q.yaml", defaultName: "q")) { error in
            XCTAssertTrue("\(error)".contains("sweep.compute_weights_per_cycle"), "\(error)")
            XCTAssertTrue("\(error)".contains("set twice"), "\(error)")
        }
    }

    func testEveryTrainingInputChangesTheKey() {
        let point = SweepExpansion(spec: spec).points()[0]
        let key = TrainingKey(spec: spec, point: point)
        var other = point
        other.lambda = 0.5
        XCTAssertNotEqual(TrainingKey(spec: spec, point: other), key)
        other = point
        other.seed = 9
        XCTAssertNotEqual(TrainingKey(spec: spec, point: other), key)
        var changed = spec
        guard case .train(var source) = changed.source else { return XCTFail() }
        source.finetune.epochs += 1
        changed.source = .train(source)
        XCTAssertNotEqual(TrainingKey(spec: changed, point: point), key)
        other = point
        other.lanes = 64
        other.tableLog = 15
        XCTAssertEqual(TrainingKey(spec: spec, point: other), key)
        XCTAssertEqual(key.hex.count, 64)
    }

    /// A model whose convolutions run other than as im2col (ResNet-20's row-Winograd 3×3 kernels)
    /// says so in its training and baseline keys; im2col-only models (LeNet-5) keep their keys.
    func testKeysRecordTheConvolutionAlgorithm() throws {
        XCTAssertFalse(TrainingKey(spec: spec, point: SweepExpansion(spec: spec).points()[0]).canonical.contains("convolution"))
        XCTAssertFalse(TrainingKey.baseline(spec: spec, seed: 1)!.canonical.contains("convolution"))
        var resnet = spec
        guard case .train(var source) = resnet.source else { return XCTFail() }
        source.model = .resnet20
        resnet.source = .train(source)
        let fast = ModelZoo.make(.resnet20, seed: 0).convolutionAlgorithms.contains(.rowWinograd)
        let point = SweepExpansion(spec: resnet).points()[0]
        for key in [TrainingKey(spec: resnet, point: point), TrainingKey.baseline(spec: resnet, seed: 1)!] {
            XCTAssertEqual(key.canonical.contains("\nconvolution=row-winograd\n"), fast, key.canonical)
        }
    }

    func testBaselineKeyIgnoresFinetuning() {
        var changed = spec
        guard case .train(var source) = changed.source else { return XCTFail() }
        source.finetune.epochs += 1
        changed.source = .train(source)
        XCTAssertEqual(TrainingKey.baseline(spec: spec, seed: 1), TrainingKey.baseline(spec: changed, seed: 1))
        XCTAssertNotEqual(TrainingKey.baseline(spec: spec, seed: 1), TrainingKey.baseline(spec: spec, seed: 2))
        for change in [{ (r: inout TrainingRecipe) in r.horizontalFlip.toggle() }, { $0.cropPadding += 2 }, { $0.epochs += 1 }] {
            var other = spec
            guard case .train(var source) = other.source else { return XCTFail() }
            change(&source.baseline)
            other.source = .train(source)
            XCTAssertNotEqual(TrainingKey.baseline(spec: other, seed: 1), TrainingKey.baseline(spec: spec, seed: 1))
        }
    }
}

final class SHA256Tests: XCTestCase {
    func testStandardVectors() {
        XCTAssertEqual(SHA256.hex(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

final class ShardPlanTests: XCTestCase {
    func testShardsPartitionThePointsAndKeepTrainingsTogether() throws {
        let spec = try SpecParser.parse(yaml: SpecParserTests.valid, file: "q.yaml", defaultName: "q")
        let points = SweepExpansion(spec: spec).points()
        let key = { TrainingKey(spec: spec, point: $0) }
        let shards = try (1...3).map { try ShardPlan(parsing: "\($0)/3").select(points, key: key) }
        XCTAssertEqual(shards.map(\.count).reduce(0, +), points.count)
        XCTAssertEqual(Set(shards.flatMap { $0 }), Set(points))
        let trainings = shards.map { Set($0.map(key)) }
        for i in 0..<3 { for j in (i + 1)..<3 { XCTAssertTrue(trainings[i].isDisjoint(with: trainings[j])) } }
        let counts = trainings.map(\.count)
        XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1, "trainings balanced")
    }

    func testParsingErrors() {
        for bad in ["0/3", "4/3", "1/0", "a/b", "2", "1/2/3"] {
            XCTAssertThrowsError(try ShardPlan(parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".contains("Fix:"), "\(error)")
            }
        }
        XCTAssertEqual(try ShardPlan(parsing: "2/3"), try ShardPlan(index: 1, count: 3))
    }
}

/// The opt-in rate terms (`qat.alphabet_rate`, `qat.table_weight`): parsed, refused when
/// malformed, and in the training key only when set, so keys made before them stand.
final class AlphabetRateSpecTests: XCTestCase {
    func parse(_ qatLines: String) throws -> ExperimentSpec { try SpecParserTests.parse(qat: qatLines) }

    func testKeysParseAndEnterTheKeyOnlyWhenSet() throws {
        let plain = try parse("")
        let defaults = try parse("  alphabet_rate: false\n  table_weight: 0\n")
        let on = try parse("  alphabet_rate: true\n  table_weight: 0.05\n")
        guard case .train(let source) = on.source else { return XCTFail("expected a trained source") }
        XCTAssertTrue(source.qat.alphabetRate)
        XCTAssertEqual(source.qat.tableWeight, 0.05)
        let point = SweepExpansion(spec: plain).points()[0]
        let plainKey = TrainingKey(spec: plain, point: point, numerics: "N")
        XCTAssertEqual(TrainingKey(spec: defaults, point: point, numerics: "N"), plainKey, "defaults spelled out change no key")
        XCTAssertFalse(plainKey.canonical.contains("alphabet_rate"))
        XCTAssertFalse(plainKey.canonical.contains("table_weight"))
        let onKey = TrainingKey(spec: on, point: point, numerics: "N")
        XCTAssertNotEqual(onKey, plainKey)
        XCTAssertTrue(onKey.canonical.contains("qat.float_dtype=f16\nqat.alphabet_rate=true\nqat.table_weight=0.05\nlambda=0\n"), onKey.canonical)
        let weightOnly = TrainingKey(spec: try parse("  table_weight: 0.05\n"), point: point, numerics: "N")
        XCTAssertNotEqual(weightOnly, onKey)
        XCTAssertNotEqual(weightOnly, plainKey)
    }

    func testBadValuesAreRefusedWithOneClearMessage() {
        for (lines, expected) in [("  alphabet_rate: yes\n", "qat.alphabet_rate"), ("  alphabet_rate: 1\n", "qat.alphabet_rate"),
                                  ("  table_weight: -0.1\n", "qat.table_weight"), ("  table_weight: lots\n", "qat.table_weight"),
                                  ("  table_weight: 1e9\n", "qat.table_weight")] {
            XCTAssertThrowsError(try parse(lines), lines) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(lines): \(error)")
                XCTAssertFalse("\(error)".contains("\n"), "one message: \(error)")
            }
        }
    }
}

/// `qat.export_rdoq`: parsed, refused when malformed, in the training key and the fingerprint
/// only when set.
final class ExportRDOQSpecTests: XCTestCase {
    func parse(_ qatLines: String) throws -> ExperimentSpec { try SpecParserTests.parse(qat: qatLines) }

    func testKeyEntersOnlyWhenSet() throws {
        let plain = try parse("")
        let on = try parse("  export_rdoq: 0.02\n")
        guard case .train(let source) = on.source else { return XCTFail("expected a trained source") }
        XCTAssertEqual(source.qat.exportRDOQ, 0.02)
        let point = SweepExpansion(spec: plain).points()[0]
        let plainKey = TrainingKey(spec: plain, point: point, numerics: "N")
        XCTAssertEqual(TrainingKey(spec: try parse("  export_rdoq: 0\n"), point: point, numerics: "N"), plainKey)
        XCTAssertFalse(plainKey.canonical.contains("export_rdoq"))
        let onKey = TrainingKey(spec: on, point: point, numerics: "N")
        XCTAssertTrue(onKey.canonical.contains("qat.export_rdoq=0.02\n"), onKey.canonical)
        XCTAssertEqual(SpecFingerprint(try parse("  export_rdoq: 0\n")), SpecFingerprint(plain))
        XCTAssertNotEqual(SpecFingerprint(on), SpecFingerprint(plain))
        for bad in ["  export_rdoq: -1\n", "  export_rdoq: much\n"] {
            XCTAssertThrowsError(try parse(bad), bad) { XCTAssertTrue("\($0)".contains("qat.export_rdoq"), "\($0)") }
        }
    }
}
