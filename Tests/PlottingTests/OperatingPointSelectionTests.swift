import XCTest
@testable import Plotting

final class OperatingPointSelectionTests: XCTestCase {
    func runs(_ rows: [(id: String, policy: String, bits: Double, top1: Double)], float: Double = 90) -> CSVTable {
        CSVTable(
            header: ["point_id", "bin_policy", "codec", "bits_per_weight_coded", "top1_decoded", "top1_float"],
            rows: rows.map { [$0.id, $0.policy, "tans", "\($0.bits)", "\($0.top1)", "\(float)"] },
            source: "runs.csv")
    }

    func testPicksFewestBitsWithinOnePointOfFloat() throws {
        let table = runs([("a", "learned", 2.0, 89.9), ("b", "learned", 0.9, 89.2),
                          ("c", "learned", 0.4, 85.0), ("d", "learned", 1.2, 88.5)])
        let all: Set = ["a", "b", "c", "d"]
        XCTAssertEqual(try OperatingPointSelection.select(runs: table, layerPoints: all, requested: nil), 1)
        // Only points with layer rows count.
        XCTAssertEqual(try OperatingPointSelection.select(runs: table, layerPoints: ["a", "c"], requested: nil), 0)
        XCTAssertNil(try OperatingPointSelection.select(runs: table, layerPoints: [], requested: nil))
    }

    func testFallsBackToMostAccurateAndPrefersLearned() throws {
        let far = runs([("a", "learned", 2.0, 80), ("b", "learned", 1.0, 75)])
        XCTAssertEqual(try OperatingPointSelection.select(runs: far, layerPoints: ["a", "b"], requested: nil), 0)
        let mixed = runs([("f", "fixed-3", 0.5, 89.9), ("l", "learned", 1.5, 89.5)])
        XCTAssertEqual(try OperatingPointSelection.select(runs: mixed, layerPoints: ["f", "l"], requested: nil), 1)
    }

    func testRequestedPointMustExist() throws {
        let table = runs([("a", "learned", 2.0, 89.9)])
        XCTAssertEqual(try OperatingPointSelection.select(runs: table, layerPoints: ["a"], requested: "a"), 0)
        XCTAssertThrowsError(try OperatingPointSelection.select(runs: table, layerPoints: ["a"], requested: "zz")) { error in
            XCTAssertEqual(error as? PlottingError, .unknownPoint(id: "zz", file: "runs.csv"))
        }
    }
}

final class OperatingPointRuleTests: XCTestCase {
    func testTheAllowedDropScalesWithTheBaselineError() {
        // 90 % float: error 10 → 11 allowed; 99.1 %: 0.9 → 0.99 allowed.
        XCTAssertTrue(OperatingPointSelection.isNearFloat(89.0, floatTop1: 90))
        XCTAssertFalse(OperatingPointSelection.isNearFloat(88.9, floatTop1: 90))
        XCTAssertTrue(OperatingPointSelection.isNearFloat(99.02, floatTop1: 99.1))
        XCTAssertFalse(OperatingPointSelection.isNearFloat(98.43, floatTop1: 99.1))
    }

    func testDegeneratePointsAreNeverChosen() throws {
        let runs = CSVTable(header: ["point_id", "bin_policy", "codec", "bits_per_weight_coded", "top1_decoded", "top1_float",
                                     "min_layer_sqnr_db", "min_sqnr_layer"],
                            rows: [["a", "learned", "tans", "2.0", "89.9", "90", "12", "fc1"],
                                   ["b", "learned", "tans", "0.5", "89.8", "90", "9", "fc1"],
                                   ["c", "learned", "tans", "0.9", "", "", "0.4", "fc2"],
                                   // Measured accuracy decides: a low SQNR is not degenerate here.
                                   ["d", "learned", "tans", "0.8", "89.7", "90", "0.4", "fc2"]],
                            source: "runs.csv")
        let layers = CSVTable(header: ["point_id", "layer", "params", "bins"],
                              rows: [["a", "fc1", "100", "7"], ["b", "fc1", "100", "1"], ["c", "fc1", "100", "3"], ["d", "fc1", "100", "3"]],
                              source: "layers.csv")
        let bad = try OperatingPointSelection.degeneratePoints(runs: runs, layers: layers)
        XCTAssertEqual(bad["b"], ["fc1 pruned to zero"])
        XCTAssertEqual(bad["c"], ["fc2 at 0.40 dB SQNR"])
        XCTAssertNil(bad["a"])
        XCTAssertNil(bad["d"], "a measured decoded accuracy overrides the SQNR floor")
        XCTAssertEqual(try OperatingPointSelection.select(runs: runs, layerPoints: ["a", "b", "c"], requested: nil,
                                                 degenerate: Set(bad.keys)), 0)
    }
}
