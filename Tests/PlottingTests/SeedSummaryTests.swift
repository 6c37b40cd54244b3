import XCTest
@testable import Plotting

final class SeedSummaryTests: XCTestCase {
    func testStudentIntervalMatchesTheDefinition() {
        let s = SampleStatistics([89.5, 89.7, 89.2])
        XCTAssertEqual(s.count, 3)
        XCTAssertEqual(s.mean, 89.466666, accuracy: 1e-5)
        let sd = ((0.033333 * 0.033333 + 0.233333 * 0.233333 + 0.266667 * 0.266667) / 2).squareRoot()
        XCTAssertEqual(s.standardDeviation, sd, accuracy: 1e-5)
        XCTAssertEqual(s.ci95HalfWidth, 4.3027 * sd / 3.0.squareRoot(), accuracy: 1e-5)
        // One value: no spread, no interval (never a zero-width one).
        XCTAssertTrue(SampleStatistics([1.5]).ci95HalfWidth.isNaN)
        XCTAssertTrue(SampleStatistics([.nan, 2]).ci95HalfWidth.isNaN)
        // The large-df expansion meets the table and tends to the normal quantile.
        XCTAssertEqual(SampleStatistics.studentT975(degreesOfFreedom: 31), 2.0395, accuracy: 2e-4)
        XCTAssertEqual(SampleStatistics.studentT975(degreesOfFreedom: 120), 1.9799, accuracy: 2e-4)
        XCTAssertFalse(SampleStatistics([1, 2, 3]).isDistinguishable(from: SampleStatistics([2, 3, 4])))
        XCTAssertTrue(SampleStatistics([1, 1.1, 0.9]).isDistinguishable(from: SampleStatistics([5, 5.1, 4.9])))
    }

    private func runs() -> CSVTable {
        CSVTable(header: ["point_id", "seed", "lambda", "bin_policy", "codec", "top1_float", "top1_decoded",
                          "bits_per_weight_coded", "sbw_file", "min_layer_sqnr_db", "min_sqnr_layer"],
                 rows: [["p0", "1", "0.1", "learned", "tans", "90.0", "89.0", "1.0", "a", "7", "fc1"],
                        ["p1", "1", "0.1", "fixed-7", "tans", "90.0", "88.0", "0.8", "b", "9", "fc2"],
                        ["p2", "2", "0.1", "learned", "tans", "91.0", "89.6", "1.2", "c", "3", "conv1"],
                        ["p3", "2", "0.1", "fixed-7", "tans", "91.0", "88.6", "0.9", "d", "8", "fc2"],
                        ["p4", "3", "0.1", "learned", "tans", "89.0", "88.4", "1.1", "e", "5", "fc3"],
                        ["p5", "3", "0.1", "fixed-7", "tans", "89.0", "87.6", "0.7", "f", "9", "fc2"]],
                 source: "runs.csv")
    }

    func testGroupsByConfigurationAndPairsTheChangeBySeed() throws {
        let groups = try SeedSummary.groups(runs())
        XCTAssertEqual(groups.map(\.n), [3, 3])
        XCTAssertEqual(groups[0].seeds, ["1", "2", "3"])
        XCTAssertEqual(groups[0].configuration["bin_policy"], "learned")
        let change = try XCTUnwrap(groups[0].statistics["top1_change"])
        // Paired: −1.0, −1.4, −0.6 → mean −1.0, far tighter than the unpaired spread of top-1.
        XCTAssertEqual(change.mean, -1.0, accuracy: 1e-9)
        XCTAssertLessThan(change.ci95HalfWidth, try XCTUnwrap(groups[0].statistics["top1_decoded"]).ci95HalfWidth)
    }

    func testSummaryAndMeansTables() throws {
        let summary = try SeedSummary.table(runs())
        XCTAssertEqual(summary.rows.count, 2)
        XCTAssertTrue(summary.header.starts(with: ["lambda", "bin_policy", "codec", "n", "seeds"]))
        XCTAssertEqual(try summary.strings("n"), ["3", "3"])
        XCTAssertEqual(try summary.doubles("bits_per_weight_coded_mean")[0], 1.1, accuracy: 1e-9)
        let means = try SeedSummary.means(runs())
        XCTAssertEqual(try means.strings("point_id"), ["p0", "p1"])
        XCTAssertEqual(try means.strings("seed"), ["1", "1"], "identifiers are never averaged")
        XCTAssertEqual(try means.doubles("top1_decoded")[1], 88.0666667, accuracy: 1e-4, "six significant digits")
        XCTAssertEqual(try means.strings("min_layer_sqnr_db"), ["3", "8"], "the worst seed's SQNR")
        XCTAssertEqual(try means.strings("min_sqnr_layer"), ["conv1", "fc2"])
        XCTAssertTrue(try means.doubles("top1_decoded_ci95").allSatisfy { $0 > 0 })
        // One seed per configuration: rows pass through unchanged, without intervals.
        let single = CSVTable(header: runs().header, rows: [runs().rows[0]], source: "runs.csv")
        let passed = try SeedSummary.means(single)
        XCTAssertEqual(Array(passed.rows[0].prefix(single.header.count)), single.rows[0])
        XCTAssertEqual(try passed.strings("top1_decoded_ci95"), [""])
    }
}
