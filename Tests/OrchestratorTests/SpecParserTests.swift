import XCTest
@testable import Orchestrator
import StrictYAML

final class SpecParserTests: XCTestCase {
    /// The valid spec with `qatLines` added to its `qat:` mapping, parsed.
    static func parse(qat qatLines: String) throws -> ExperimentSpec {
        let yaml = valid.replacingOccurrences(of: "  first_layer_bins: 15\n", with: "  first_layer_bins: 15\n" + qatLines)
        return try SpecParser.parse(yaml: yaml, file: "q.yaml", defaultName: "q")
    }

    static let valid = """
    experiment: quick
    description: Fashion-MNIST LeNet-5
    dataset: fashion-mnist
    model: lenet5
    baseline:
      epochs: 8
      lr: 0.05
    finetune:
      epochs: 2
      optimizer: adam
      lr: 0.001
    qat:
      temperature: 0.3
      first_layer_bins: 15
    sweep:
      lambda: [0, 0.01, 0.03]
      bin_policy: [learned, 7]
      table_log: [8, 12]
      lanes: [1, 4, 16]
    decoder:
      tech: Experiments/tech/asic-22nm.yaml
      compute_weights_per_cycle: 8
    outputs:
      plots: [frontier, lambda]
      formats: [svg]
    """

    func parse(_ yaml: String) throws -> ExperimentSpec {
        try SpecParser.parse(yaml: yaml, file: "x.yaml", defaultName: "x")
    }

    func testValidSpecParsesEveryField() throws {
        let spec = try parse(Self.valid)
        XCTAssertEqual(spec.name, "quick")
        guard case .train(let source) = spec.source else { return XCTFail("expected a trained source") }
        XCTAssertEqual(source.dataset, .fashionMNIST)
        XCTAssertEqual(source.model, .lenet5)
        XCTAssertEqual(source.baseline.epochs, 8)
        XCTAssertEqual(source.baseline.learningRate, 0.05)
        XCTAssertEqual(source.finetune.optimizer, .adam)
        XCTAssertEqual(source.qat.temperature, 0.3)
        XCTAssertEqual(source.qat.firstLayerBins, 15)
        XCTAssertNil(source.qat.lastLayerBins)
        XCTAssertEqual(spec.sweep.lambda, [0, 0.01, 0.03])
        XCTAssertEqual(spec.sweep.binPolicy, [.learned, .fixed(7)])
        XCTAssertEqual(spec.sweep.tableLog, [8, 12])
        XCTAssertEqual(spec.sweep.lanes, [1, 4, 16])
        XCTAssertEqual(spec.sweep.codec, [.tans], "unspecified axes take their default")
        XCTAssertEqual(spec.sweep.computeWeightsPerCycle, [8], "an unswept compute rate is decoder.compute_weights_per_cycle")
        XCTAssertEqual(spec.outputs.plots, [.frontier, .lambda])
        XCTAssertEqual(spec.outputs.formats, [.svg])
        XCTAssertEqual(spec.decoder.computeWeightsPerCycle, 8)
    }

    func testPretrainedSpec() throws {
        let spec = try parse("""
        pretrained: mobilenet_v2
        calibration: rd
        sweep:
          rate_weight: [0, 1e-6, 1e-5]
          table_log: 10
        """)
        XCTAssertEqual(spec.name, "x", "the file name is the default experiment name")
        XCTAssertEqual(spec.source, .pretrained(PretrainedSource(model: "mobilenet_v2", calibration: .rd)))
        XCTAssertEqual(spec.sweep.rateWeight, [0, 1e-6, 1e-5])
        XCTAssertEqual(spec.sweep.tableLog, [10], "a scalar is a one-value axis")
    }

    /// Each malformed spec gives one error that names the key, the line, and what to do.
    func testMalformedSpecsEachGiveTheirError() {
        let base = "dataset: mnist\nmodel: lenet5\nbaseline: {epochs: 1}\n"
        let cases: [(yaml: String, key: String, line: Int?, contains: String)] = [
            (base + "sweep:\n  tabel_log: [8]\n", "sweep.tabel_log", 5, "Did you mean 'table_log'?"),
            (base + "sweep:\n  lambda: []\n", "sweep.lambda", 5, "axis is empty"),
            (base + "sweep:\n  lambda: [0, fast]\n", "sweep.lambda[1]", 5, "expected a number"),
            (base + "sweep:\n  lambda: [-1]\n", "sweep.lambda[0]", 5, "out of range"),
            (base + "sweep:\n  table_log: [4]\n", "sweep.table_log[0]", 5, "from 5 to 15"),
            (base + "sweep:\n  table_log: [16]\n", "sweep.table_log[0]", 5, "from 5 to 15"),
            (base + "sweep:\n  lanes: [0]\n", "sweep.lanes[0]", 5, "from 1 to 64"),
            (base + "sweep:\n  lanes: [2.5]\n", "sweep.lanes[0]", 5, "whole number"),
            (base + "sweep:\n  bin_policy: [8]\n", "sweep.bin_policy[0]", 5, "even"),
            (base + "sweep:\n  bin_policy: [257]\n", "sweep.bin_policy[0]", 5, "out of range"),
            (base + "sweep:\n  bin_policy: [sometimes]\n", "sweep.bin_policy[0]", 5, "unknown bin policy"),
            (base + "sweep:\n  codec: [tnas]\n", "sweep.codec[0]", 5, "Did you mean 'tans'?"),
            (base + "sweep:\n  layout: [diagonal]\n", "sweep.layout[0]", 5, "split, interleaved"),
            (base + "sweep:\n  sharing: [banked]\n", "sweep.sharing[0]", 5, "replicated, shared"),
            (base + "sweep:\n  compute_weights_per_cycle: [0]\n", "sweep.compute_weights_per_cycle[0]", 5, "from 1 to 4096"),
            (base + "sweep:\n  port_bits: [64, 128]\n  table_log: 10\ndecoder: {buffer_bits: 100}\n", "decoder.buffer_bits", 7, "buffer_bits ≥ 138"),
            (base + "finetune: {schedule: cosin}\nsweep:\n  lambda: [0]\n", "finetune.schedule", 4, "Did you mean 'cosine'?"),
            (base + "sweep:\n  lanes: [1, 4, 1]\n", "sweep.lanes", 5, "appears twice"),
            (base + "sweep:\n  lambda: [0, 1]\n  seed: [1, 2, 3]\n  zip: [[lambda, seed]]\n", "sweep.zip[0]", 7, "same number of values"),
            (base + "sweep:\n  zip: [[lambda, speed]]\n", "sweep.zip[0]", 5, "Did you mean 'seed'?"),
            (base + "sweep:\n  rate_weight: [1]\n", "sweep.rate_weight", 5, "sweep `lambda`"),
            ("dataset: cifar10\nmodel: lenet5\nbaseline: {epochs: 1}\nsweep: {lambda: [0]}\n", "dataset", 1, "mnist, fashion-mnist"),
            ("dataset: mnist\nmodel: resnet18\nbaseline: {epochs: 1}\nsweep: {lambda: [0]}\n", "model", 2, "Did you mean 'resnet20'?"),
            ("dataset: mnist\nbaseline: {epochs: 1}\nsweep: {lambda: [0]}\n", "model", 1, "required key is missing"),
            ("dataset: mnist\nmodel: mlp\nsweep: {lambda: [0]}\n", "baseline", 1, "required key is missing"),
            (base, "sweep", 1, "required key is missing"),
            (base + "sweep: {lambda: [0]}\nbaseline2: 3\n", "baseline2", 5, "Did you mean 'baseline'?"),
            (base + "sweep: [1, 2]\n", "sweep", 4, "expected a mapping"),
            (base.replacingOccurrences(of: "{epochs: 1}", with: "{epochs: ten}") + "sweep: {lambda: [0]}\n", "baseline.epochs", 3, "whole number"),
            (base.replacingOccurrences(of: "{epochs: 1}", with: "{epochs: 1, optimiser: sgd}") + "sweep: {lambda: [0]}\n",
             "baseline.optimiser", 3, "Did you mean 'optimizer'?"),
            (base + "sweep: {lambda: [0]}\nqat: {first_layer_bins: 4}\n", "qat.first_layer_bins", 5, "odd"),
            (base + "sweep: {lambda: [0]}\ndecoder: {tech: asic.json}\n", "decoder.tech", 5, "technology file"),
            (base + "sweep: {lambda: [0]}\noutputs: {plots: [frontier, pie]}\n", "outputs.plots[1]", 5, "Choose one of"),
            ("pretrained: resnet50\nsweep: {lambda: [0]}\n", "pretrained", 1, "unknown pretrained model"),
            ("pretrained: mobilenet_v2\nsweep: {lambda: [0.1]}\n", "sweep.lambda", 2, "rate_weight"),
            ("pretrained: mobilenet_v2\nsweep: {bin_policy: [learned]}\n", "sweep.bin_policy[0]", 2, "needs training"),
            ("pretrained: mobilenet_v2\nmodel: lenet5\nsweep: {lambda: [0]}\n", "model", 2, "remove one"),
            ("experiment: ../escape\ndataset: mnist\nmodel: mlp\nbaseline: {epochs: 1}\nsweep: {lambda: [0]}\n", "experiment", 1, "results folder"),
            ("sweep:\n  lambda: [0\n", "", nil, "YAML syntax error"),
            ("", "", nil, "empty"),
            ("- just\n- a list\n", "(top level)", 1, "expected a mapping"),
            (base + "sweep: {lambda: [0]}\nsweep: {lambda: [0]}\n", "sweep", nil, "duplicate key"),
        ]
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for (i, c) in cases.enumerated() {
            do {
                _ = try parse(c.yaml)
                XCTFail("case \(i) parsed, expected an error about \(c.key)")
            } catch let error as SpecError {
                XCTAssertEqual(error.file, "x.yaml", "case \(i)")
                XCTAssertEqual(error.keyPath, c.key, "case \(i): \(error)")
                if let line = c.line { XCTAssertEqual(error.line, line, "case \(i): \(error)") }
                XCTAssertTrue(error.description.contains(c.contains), "case \(i): \(error)")
                XCTAssertFalse(error.description.contains("\n"), "case \(i): one line")
            } catch {
                XCTFail("case \(i): unexpected error type \(error)")
            }
        }
    }

    func testMissingFileNamesTheFix() {
        let url = URL(fileURLWithPath: "/nonexistent/spec.yaml")
        XCTAssertThrowsError(try SpecParser.parse(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("Experiments/"), "\(error)")
        }
    }
}

final class SeedsAxisTests: XCTestCase {
    private func parse(_ sweep: String) throws -> ExperimentSpec {
        try SpecParser.parse(yaml: "dataset: fashion-mnist\nmodel: lenet5\nbaseline: {epochs: 1}\nsweep:\n\(sweep)", file: "s.yaml", defaultName: "s")
    }

    func testSeedsCountListAndSeedList() throws {
        XCTAssertEqual(try parse("  seeds: 3\n").sweep.seed, [1, 2, 3])
        XCTAssertEqual(try parse("  seeds: [4, 9]\n").sweep.seed, [4, 9])
        XCTAssertEqual(try parse("  seed: [7]\n").sweep.seed, [7])
        XCTAssertEqual(try parse("  lambda: [0.1]\n").sweep.seed, [1])
        XCTAssertEqual(SweepExpansion(spec: try parse("  lambda: [0, 0.1]\n  seeds: 3\n")).points().count, 6)
    }

    func testSeedsMistakesNameTheKey() {
        XCTAssertThrowsError(try parse("  seeds: 0\n")) { XCTAssertTrue("\($0)".contains("sweep.seeds"), "\($0)") }
        XCTAssertThrowsError(try parse("  seeds: 3\n  seed: [1]\n")) { XCTAssertTrue("\($0)".contains("both set"), "\($0)") }
        XCTAssertThrowsError(try parse("  seeds: [1, 1]\n")) { XCTAssertTrue("\($0)".contains("seed"), "\($0)") }
    }
}
