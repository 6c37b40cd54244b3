import XCTest
import TestSupport
@testable import Orchestrator
import EntropyCoding

/// The `layer_form` sweep axis, and through it what an optional axis promises (``SweepAxis``):
/// left at its default, a spec's points, labels, fingerprint and columns are what they were
/// before the axis existed; swept, it adds points, labels and a column, and never a training.
final class LayerFormAxisTests: XCTestCase {
    func parse(sweep lines: String) throws -> ExperimentSpec {
        let yaml = SpecParserTests.valid.replacingOccurrences(
            of: "  lanes: [1, 4, 16]\n", with: "  lanes: [1, 4, 16]\n" + lines)
        return try SpecParser.parse(yaml: yaml, file: "x.yaml", defaultName: "x")
    }

    func testDefaultLeavesLabelsAndFingerprintAsBefore() throws {
        let plain = try parse(sweep: "")
        let spelled = try parse(sweep: "  layer_form: [configured]\n")
        XCTAssertEqual(plain.sweep.layerForm, [.configured])
        XCTAssertEqual(SpecFingerprint(spelled), SpecFingerprint(plain))
        XCTAssertFalse(SpecFingerprint(plain).canonical.contains("layerForm"), SpecFingerprint(plain).canonical)
        for point in SweepExpansion(spec: plain).points() {
            XCTAssertFalse(point.label.contains("layer_form"), point.label)
        }
        XCTAssertFalse(SweepAxis.layerForm.isShown(in: plain.sweep))
        XCTAssertTrue(SweepAxis.lanes.isShown(in: plain.sweep), "a required axis is always a column")
    }

    func testZippedAxesKeepTheirFingerprintFields() throws {
        let spec = try parse(sweep: "  seed: [1, 2, 3]\n  zip: [[lambda, seed]]\n")
        let canonical = SpecFingerprint(spec).canonical
        XCTAssertTrue(canonical.contains("sweep.zip.0.0.name=\"lambda\""), canonical)
        XCTAssertFalse(canonical.contains("isOptional"), canonical)
        XCTAssertFalse(canonical.contains("conflict"), canonical)
    }

    func testSweptAddsPointsLabelsAndNoTraining() throws {
        let plain = try parse(sweep: "")
        let swept = try parse(sweep: "  layer_form: [configured, smallest]\n")
        XCTAssertNotEqual(SpecFingerprint(swept), SpecFingerprint(plain), "shards with and without it do not merge")
        XCTAssertTrue(SweepAxis.layerForm.isShown(in: swept.sweep))
        let before = SweepExpansion(spec: plain).points()
        let after = SweepExpansion(spec: swept).points()
        XCTAssertEqual(after.count, 2 * before.count)
        XCTAssertEqual(swept.sweep.trainingCount, plain.sweep.trainingCount, "the stored form changes no weight")
        let configured = after.filter { $0.layerForm == .configured }
        XCTAssertEqual(Set(configured.map(\.label)), Set(before.map(\.label)), "configured points are the unswept spec's, cache and all")
        for point in after where point.layerForm == .smallest {
            XCTAssertTrue(point.label.hasSuffix(",layer_form=smallest"), point.label)
            var twin = point
            twin.layerForm = .configured
            XCTAssertEqual(TrainingKey(spec: swept, point: point, numerics: "N"), TrainingKey(spec: plain, point: twin, numerics: "N"))
        }
    }

    func testSmallestWithAnotherCodecIsRefusedUnlessZippedWithTANS() throws {
        XCTAssertThrowsError(try parse(sweep: "  codec: [tans, huffman]\n  layer_form: [configured, smallest]\n")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("sweep.layer_form"), text)
            XCTAssertTrue(text.contains("huffman") && text.contains("Fix:"), text)
        }
        let paired = try parse(sweep: "  codec: [tans, tans, huffman]\n  layer_form: [configured, smallest, configured]\n  zip: [[codec, layer_form]]\n")
        XCTAssertEqual(paired.sweep.layerForm, [.configured, .smallest, .configured])
        XCTAssertThrowsError(try parse(sweep: "  codec: [tans, huffman]\n  layer_form: [configured, smallest]\n  zip: [[codec, layer_form]]\n")) { error in
            XCTAssertTrue("\(error)".contains("zipped with codec `huffman`"), "\(error)")
        }
        XCTAssertThrowsError(try parse(sweep: "  layer_form: [tiny]\n")) { error in
            XCTAssertTrue("\(error)".contains("smallest"), "names the choices: \(error)")
        }
    }

    /// It was briefly a `qat` option; the stored form is a codec choice, so it is a sweep axis.
    func testQATKeyIsRefused() throws {
        XCTAssertThrowsError(try SpecParserTests.parse(qat: "  layer_form: smallest\n")) { error in
            XCTAssertTrue("\(error)".contains("qat.layer_form"), "\(error)")
        }
    }
}
