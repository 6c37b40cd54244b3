import Foundation
import XCTest
@testable import Orchestrator
import StrictYAML

/// Issue 25, defects 3, 4 and 5: every spec mistake is found before anything trains, at its
/// `file:line:col` with its full key path.
final class SpecValidationTests: XCTestCase {
    func parse(_ yaml: String, options: SpecParser.Options = SpecParser.Options()) throws -> ExperimentSpec {
        try SpecParser.parse(yaml: yaml, file: "x.yaml", defaultName: "x", options: options)
    }

    func spec(sweep: String, extra: String = "") -> String {
        """
        dataset: fashion-mnist
        model: lenet5
        baseline: {epochs: 1}
        sweep:
        \(sweep)
        \(extra)
        """
    }

    func assertSpecError(_ yaml: String, options: SpecParser.Options = SpecParser.Options(), line: Int, keyPath: String,
                         contains text: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
        XCTAssertThrowsError(try parse(yaml, options: options), file: file, line: lineNumber) { error in
            guard let error = error as? SpecError else { return XCTFail("\(error)", file: file, line: lineNumber) }
            XCTAssertEqual(error.line, line, "\(error)", file: file, line: lineNumber)
            XCTAssertNotNil(error.column, "\(error)", file: file, line: lineNumber)
            XCTAssertEqual(error.keyPath, keyPath, "\(error)", file: file, line: lineNumber)
            XCTAssertTrue(error.message.contains(text), "\(error)", file: file, line: lineNumber)
        }
    }

    /// Defect 3: a table log whose tables cannot hold the bins is refused at parse time.
    func testTableLogTooSmallForTheBinsIsRefused() throws {
        assertSpecError(spec(sweep: "  bin_policy: [255]\n  table_log: [5, 8]"), line: 6, keyPath: "sweep.table_log",
                        contains: "table_log ≥ 7")
        XCTAssertNoThrow(try parse(spec(sweep: "  bin_policy: [63]\n  table_log: [5]")))
    }

    /// Defect 4: a sweep over the size limit is refused before planning, and the flag raises it.
    func testSweepSizeLimit() throws {
        let huge = "  lambda: [\((0..<100).map { "0.\($0 + 100)" }.joined(separator: ", "))]\n  seeds: 100\n  table_log: [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n  lanes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
        assertSpecError(spec(sweep: huge), line: 5, keyPath: "sweep", contains: "--max-points 1100000")
        let axes = SweepAxes(lambda: (0..<100).map(Double.init), seed: Array(1...100), tableLog: Array(5...15), lanes: Array(1...10))
        XCTAssertEqual(axes.pointCount, 1_100_000)
        XCTAssertEqual(axes.trainingCount, 10_000)
        assertSpecError(spec(sweep: huge), options: SpecParser.Options(maxPoints: 2_000_000), line: 5, keyPath: "sweep",
                        contains: "--max-trainings 10000")
        XCTAssertNoThrow(try parse(spec(sweep: huge), options: SpecParser.Options(maxPoints: 2_000_000, maxTrainings: 10_000)))
    }

    /// Defect 5: `sweep: {}` would run one default point.
    func testEmptySweepIsRefused() {
        assertSpecError("dataset: fashion-mnist\nmodel: lenet5\nbaseline: {epochs: 1}\nsweep: {}\n", line: 4, keyPath: "sweep",
                        contains: "the sweep is empty")
    }

    /// Defect 5: the duplicate (not the first occurrence) with its full path.
    func testDuplicateKeyPointsAtTheRepeatWithItsPath() {
        assertSpecError(spec(sweep: "  lanes: [1]\n  table_log: [8]\n  lanes: [4]"), line: 7, keyPath: "sweep.lanes",
                        contains: "duplicate key (first at line 5)")
        assertSpecError("dataset: fashion-mnist\nmodel: lenet5\nbaseline: {epochs: 1, epochs: 2}\nsweep: {lambda: [0]}\n",
                        line: 3, keyPath: "baseline.epochs", contains: "duplicate key")
    }

    /// Defect 5: referenced files are checked with their location, before anything runs.
    func testMissingReferencedFilesAreLocated() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base.appendingPathComponent("Experiments/tech"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let options = SpecParser.Options(baseDirectory: base)
        assertSpecError(spec(sweep: "  lambda: [0]", extra: "decoder:\n  tech: Experiments/tech/nope.yaml"), options: options,
                        line: 7, keyPath: "decoder.tech", contains: "technology file 'Experiments/tech/nope.yaml' does not exist")
        assertSpecError("pretrained: models/missing.safetensors\nsweep: {rate_weight: [0]}\n", options: options,
                        line: 1, keyPath: "pretrained", contains: "pretrained checkpoint 'models/missing.safetensors' does not exist")
        try Data("x".utf8).write(to: base.appendingPathComponent("Experiments/tech/asic-22nm.yaml"))
        XCTAssertNoThrow(try parse(spec(sweep: "  lambda: [0]"), options: options))
    }
}
