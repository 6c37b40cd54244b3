import XCTest
import TestSupport
@testable import Orchestrator
import Quantization

/// `qat.float_dtype: q8`, `qat.drop_training_state` and `qat.compact_names`: parsed, refused when
/// malformed; the first is a training-key field like f16/f32, the others enter neither the
/// training key nor (while false) the spec fingerprint.
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

    /// `drop_training_state` and `compact_names` shape only the written file.
    func testFileOnlyOptionsChangeNoKeyAndNoDefaultFingerprint() throws {
        let plain = try parse("")
        for (key, field) in [("drop_training_state", "dropTrainingState"), ("compact_names", "compactNames")] {
            let spelled = try parse("  \(key): false\n")
            let on = try parse("  \(key): true\n")
            guard case .train(let source) = on.source else { return XCTFail("expected a trained source") }
            XCTAssertEqual(key == "compact_names" ? source.qat.compactNames : source.qat.dropTrainingState, true, key)
            let point = SweepExpansion(spec: plain).points()[0]
            XCTAssertEqual(TrainingKey(spec: on, point: point, numerics: "N"), TrainingKey(spec: plain, point: point, numerics: "N"),
                           "\(key) changes no weight: cached trainings serve it")
            XCTAssertEqual(SpecFingerprint(spelled), SpecFingerprint(plain), key)
            XCTAssertFalse(SpecFingerprint(plain).canonical.contains(field), key)
            XCTAssertNotEqual(SpecFingerprint(on), SpecFingerprint(plain), "\(key): shards with and without it do not merge")
        }
    }

    func testBadValuesAreRefusedWithOneClearMessage() {
        for (lines, expected) in [("  float_dtype: q4\n", "qat.float_dtype"), ("  float_dtype: int8\n", "qat.float_dtype"),
                                  ("  drop_training_state: yes\n", "qat.drop_training_state"),
                                  ("  drop_training_state: 1\n", "qat.drop_training_state"),
                                  ("  compact_names: on\n", "qat.compact_names")] {
            XCTAssertThrowsError(try parse(lines), lines) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(lines): \(error)")
                XCTAssertFalse("\(error)".contains("\n"), "one message: \(error)")
            }
        }
    }
}
