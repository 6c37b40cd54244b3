import XCTest
@testable import Orchestrator
import StrictYAML

/// Multi-study specs (`Experiments/paper.yaml`): every study validated like an ordinary spec,
/// errors located by file, line, column and `studies[i].…` key path.
final class PaperSpecParserTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let valid = """
    experiment: paper
    description: two studies
    studies:
      - name: lenet
        dataset: fashion-mnist
        model: lenet5
        baseline: {epochs: 1}
        sweep:
          lambda:     [0,       0.1,     0]
          bin_policy: [learned, learned, 7]
          zip: [[lambda, bin_policy]]
      - name: mobile
        pretrained: mobilenet_v2
        sweep: {rate_weight: [0.5, 2], lanes: [1, 4]}
    """

    func parse(_ yaml: String) throws -> PaperSpec {
        try PaperSpecParser.parse(yaml: yaml, file: "p.yaml", defaultName: "p")
    }

    func testValidSpecParsesEveryStudy() throws {
        let paper = try parse(Self.valid)
        XCTAssertEqual(paper.name, "paper")
        XCTAssertEqual(paper.description, "two studies")
        XCTAssertEqual(paper.studies.map(\.name), ["lenet", "mobile"])
        XCTAssertEqual(paper.studies[0].sweep.lambda, [0, 0.1, 0])
        XCTAssertEqual(paper.studies[0].sweep.binPolicy, [.learned, .learned, .fixed(7)])
        let points = SweepExpansion(spec: paper.studies[0]).points()
        XCTAssertEqual(points.map { "\($0.lambda) \($0.binPolicy)" }, ["0.0 learned", "0.1 learned", "0.0 fixed-7"])
        XCTAssertEqual(SweepExpansion(spec: paper.studies[1]).points().count, 4)
        guard case .pretrained = paper.studies[1].source else { return XCTFail("expected a pretrained study") }
    }

    func testNameDefaultsToTheFileStem() throws {
        let paper = try parse("studies:\n  - name: a\n    pretrained: mobilenet_v2\n    sweep: {bin_policy: [15]}\n")
        XCTAssertEqual(paper.name, "p")
    }

    /// The committed Experiments/paper.yaml is valid and has the studies the tables expect.
    func testCommittedPaperSpecIsValid() throws {
        let url = Self.repository.appendingPathComponent("Experiments/paper.yaml")
        let paper = try PaperSpecParser.parse(contentsOf: url, displayPath: "Experiments/paper.yaml")
        XCTAssertEqual(paper.name, "paper")
        let names = paper.studies.map(\.name)
        for name in ["fmnist-lenet5", "mnist-lenet5", "fmnist-resnet20", "mobilenetv2"] {
            XCTAssertTrue(names.contains(name), name)
        }
        let mobile = try XCTUnwrap(paper.studies.first { $0.name == "mobilenetv2" })
        XCTAssertEqual(mobile.sweep.lanes, [1, 2, 4, 8, 16])
        XCTAssertEqual(mobile.sweep.tableLog, [8, 10, 12])
        for study in paper.studies {
            if case .train = study.source {
                XCTAssertTrue(study.sweep.lambda.contains(0), "\(study.name): a λ = 0 reference")
                XCTAssertTrue(study.sweep.lambda.contains { $0 > 0 }, "\(study.name): an entropy-regularized point")
                XCTAssertTrue(study.sweep.binPolicy.contains(.learned), "\(study.name): learned precision")
                XCTAssertTrue(study.sweep.binPolicy.contains { $0 != .learned }, "\(study.name): a fixed-bin baseline")
            }
        }
    }

    func testErrorsNameFileLineAndStudyKeyPath() {
        let study0 = "studies:\n  - name: a\n    pretrained: mobilenet_v2\n    sweep: {bin_policy: [15]}\n"
        let cases: [(yaml: String, keyPath: String, line: Int, fragment: String)] = [
            (study0 + "  - name: b\n    dataset: mnist\n    model: lenet5\n    baseline: {epochs: 1}\n    sweep: {lamda: [0]}\n",
             "studies[1].sweep.lamda", 9, "Did you mean 'lambda'?"),
            (study0 + "  - name: b\n    pretrained: mobilenet_v2\n    sweeep: {}\n", "studies[1].sweeep", 7, "Did you mean 'sweep'?"),
            (study0 + "  - name: a\n    pretrained: mobilenet_v2\n    sweep: {bin_policy: [15]}\n", "studies[1].name", 5, "already used by studies[0]"),
            (study0 + "  - pretrained: mobilenet_v2\n    sweep: {bin_policy: [15]}\n", "studies[1].name", 5, "required key is missing"),
            (study0 + "  - name: b/c\n    pretrained: mobilenet_v2\n    sweep: {bin_policy: [15]}\n", "studies[1].name", 5, "cannot name a results folder"),
            (study0 + "  - name: b\n    experiment: b\n    pretrained: mobilenet_v2\n    sweep: {bin_policy: [15]}\n", "studies[1].experiment", 6, "unknown key"),
            (study0 + "  - name: b\n    pretrained: mobilenet_v2\n    sweep: {lanes: [0]}\n", "studies[1].sweep.lanes[0]", 7, "out of range"),
            ("experiment: paper\n", "studies", 1, "required key is missing"),
            ("studies: []\n", "studies", 1, "non-empty list"),
            ("studies: {a: 1}\n", "studies", 1, "non-empty list"),
            ("studies:\n  - 3\n", "studies[0]", 2, "expected a mapping"),
            (study0 + "studys: 1\n", "studys", 5, "Did you mean 'studies'?"),
            ("pretrained: mobilenet_v2\nsweep: {bin_policy: [15]}\n", "studies", 1, "subbit run"),
        ]
        for c in cases {
            XCTAssertThrowsError(try parse(c.yaml), c.keyPath) { error in
                guard let e = error as? SpecError else { return XCTFail("\(c.keyPath): \(error)") }
                XCTAssertEqual(e.keyPath, c.keyPath, "\(e)")
                XCTAssertEqual(e.line, c.line, "\(e)")
                XCTAssertEqual(e.file, "p.yaml")
                XCTAssertTrue(e.message.contains(c.fragment), "\(e)")
            }
        }
    }

    /// Inside a zip group a value may repeat; a repeated combination may not.
    func testZipGroupsRejectRepeatedCombinationsOnly() throws {
        let base = "dataset: mnist\nmodel: lenet5\nbaseline: {epochs: 1}\n"
        let spec = try SpecParser.parse(
            yaml: base + "sweep:\n  lambda: [0, 0.1, 0]\n  bin_policy: [learned, learned, 3]\n  zip: [[lambda, bin_policy]]\n",
            file: "x.yaml", defaultName: "x")
        XCTAssertEqual(SweepExpansion(spec: spec).points().count, 3)
        XCTAssertThrowsError(try SpecParser.parse(
            yaml: base + "sweep:\n  lambda: [0, 0.1, 0]\n  bin_policy: [3, learned, 3]\n  zip: [[lambda, bin_policy]]\n",
            file: "x.yaml", defaultName: "x")) { error in
            let e = error as? SpecError
            XCTAssertEqual(e?.keyPath, "sweep.lambda")
            XCTAssertTrue(e?.message.contains("(lambda 0, bin_policy fixed-3) appears twice") == true, "\(error)")
        }
        XCTAssertThrowsError(try SpecParser.parse(
            yaml: base + "sweep:\n  lambda: [0, 0.1, 0]\n  bin_policy: [learned, learned, 3]\n",
            file: "x.yaml", defaultName: "x"), "outside a zip group a value appears once") { error in
            XCTAssertTrue((error as? SpecError)?.message.contains("the value 0 appears twice") == true, "\(error)")
        }
    }
}
