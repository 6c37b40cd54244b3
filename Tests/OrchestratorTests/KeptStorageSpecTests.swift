import XCTest
import TestSupport
@testable import Orchestrator
import Quantization

/// `qat.float_dtype: q8` and `qat.drop_training_state`: parsed, refused when malformed; the
/// first is a training-key field like f16/f32, the second enters neither the training key nor
/// (while false) the spec fingerprint.
final class KeptStorageSpecTests: XCTestCase {
    func parse(_ qatLines: String) throws -> ExperimentSpec { try SpecParserTests.parse(qat: qatLines) }

    func testQ8ParsesAndIsATrainingKeyValue() throws {
        let plain = try parse("")
        let q8 = try parse("  float_dtype: q8\n")
        guard case .train(let source) = q8.source else { return XCTFail("expected a trained source") }
        XCTAssertEqual(source.qat.floatDtype, .q8)
        let point = SweepExpansion(spec: plain).points()[0]
        let key = TrainingKey(spec: q8, point: point, numerics: "N")
        XCTAssertTrue(key.canonical.contains("qat.float_dtype=q8\n"), key.canonical)
        XCTAssertNotEqual(key, TrainingKey(spec: plain, point: point, numerics: "N"))
    }

    func testDropTrainingStateChangesNoKeyAndNoDefaultFingerprint() throws {
        let plain = try parse("")
        let spelled = try parse("  drop_training_state: false\n")
        let on = try parse("  drop_training_state: true\n")
        guard case .train(let source) = on.source else { return XCTFail("expected a trained source") }
        XCTAssertTrue(source.qat.dropTrainingState)
        let point = SweepExpansion(spec: plain).points()[0]
        XCTAssertEqual(TrainingKey(spec: on, point: point, numerics: "N"), TrainingKey(spec: plain, point: point, numerics: "N"),
                       "dropping a counter changes no weight: cached trainings serve it")
        XCTAssertEqual(SpecFingerprint(spelled), SpecFingerprint(plain))
        XCTAssertFalse(SpecFingerprint(plain).canonical.contains("dropTrainingState"))
        XCTAssertNotEqual(SpecFingerprint(on), SpecFingerprint(plain), "shards with and without it do not merge")
    }

    func testBadValuesAreRefusedWithOneClearMessage() {
        for (lines, expected) in [("  float_dtype: q4\n", "qat.float_dtype"), ("  float_dtype: int8\n", "qat.float_dtype"),
                                  ("  drop_training_state: yes\n", "qat.drop_training_state"),
                                  ("  drop_training_state: 1\n", "qat.drop_training_state")] {
            XCTAssertThrowsError(try parse(lines), lines) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(lines): \(error)")
                XCTAssertFalse("\(error)".contains("\n"), "one message: \(error)")
            }
        }
    }
}
