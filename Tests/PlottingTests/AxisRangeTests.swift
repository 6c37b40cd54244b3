import XCTest
@testable import Plotting

final class AxisRangeTests: XCTestCase {
    func testLinearHandlesEmptyConstantAndNaN() {
        XCTAssertEqual(AxisRange.linear([]), AxisRange(lower: 0, upper: 1, isLog: false))
        XCTAssertEqual(AxisRange.linear([.nan, .infinity]), AxisRange(lower: 0, upper: 1, isLog: false))
        let constant = AxisRange.linear([91, 91, 91])
        XCTAssertLessThan(constant.lower, 91)
        XCTAssertGreaterThan(constant.upper, 91)
        let zero = AxisRange.linear([0])
        XCTAssertLessThan(zero.lower, zero.upper)
        let padded = AxisRange.linear([0, 10], include: [20])
        XCTAssertEqual(padded.lower, -1, accuracy: 1e-12)
        XCTAssertEqual(padded.upper, 21, accuracy: 1e-12)
    }

    func testLogNeedsPositiveValuesAndAutoFallsBackToLinear() {
        let single = AxisRange.log([4])
        XCTAssertTrue(single.isLog)
        XCTAssertEqual(single.lower, 2)
        XCTAssertEqual(single.upper, 8)
        XCTAssertEqual(AxisRange.log([0, -1]), AxisRange(lower: 1, upper: 10, isLog: true))
        XCTAssertTrue(AxisRange.auto([0.01, 8]).isLog)
        XCTAssertFalse(AxisRange.auto([0, 8]).isLog)
        XCTAssertFalse(AxisRange.auto([1, 2]).isLog)
    }

    func testPowerOfTwoTicsAreFractionsAndKeepOne() {
        let tics = AxisRange(lower: 1.0 / 300, upper: 9, isLog: true).powerOfTwoTics(axis: "x")
        XCTAssertTrue(tics.contains("\"1/256\""), tics)
        XCTAssertTrue(tics.contains("\"1\" 1.0"), tics)
        XCTAssertTrue(tics.contains("\"4\" 4.0"), tics)
        XCTAssertFalse(tics.contains("\"0.00390625\""), tics)
        // Twelve powers of two in range: every second one, anchored at 1.
        XCTAssertEqual(tics.components(separatedBy: "\" ").count - 1, 6, tics)
        XCTAssertEqual(AxisRange(lower: 0, upper: 1, isLog: false).powerOfTwoTics(axis: "x"), "")
    }

    func testFormatFixedAndCompactNumber() {
        XCTAssertEqual(formatFixed(91.25, digits: 1), "91.3")
        XCTAssertEqual(formatFixed(-0.04, digits: 1), "0.0")
        XCTAssertEqual(formatFixed(-2.5, digits: 2), "-2.50")
        XCTAssertEqual(formatFixed(3, digits: 0), "3")
        XCTAssertEqual(compactNumber(0.01), "0.01")
        XCTAssertEqual(compactNumber(16), "16")
        XCTAssertEqual(compactNumber(.nan), "NaN")
    }

    func testSingleValuesGetOneSITic() {
        XCTAssertEqual(siLabel(997_900_000), "998M")
        XCTAssertEqual(siLabel(2214), "2.21k")
        XCTAssertEqual(siLabel(-600_000), "-600k")
        XCTAssertEqual(siLabel(0.5), "500m")
        XCTAssertEqual(siLabel(0), "0")
        let single = AxisRange.auto([2214, 2214])
        XCTAssertEqual(single.singleValue, 2214)
        XCTAssertEqual(single.siFormat(axis: "y"), "set ytics (\"2.21k\" 2214.0)\nunset mytics\n")
        XCTAssertNil(AxisRange.auto([1, 2]).singleValue)
        XCTAssertEqual(AxisRange.log([1e3, 1e6]).siFormat(axis: "x"), "set xtics autofreq\nset format x \"%.0s%c\"\n")
        XCTAssertEqual(AxisRange.linear([0, 600_000]).siFormat(axis: "y"), "set ytics autofreq\nset format y \"%.0s%c\"\n")
        XCTAssertEqual(AxisRange.linear([9_000, 10_000]).siFormat(axis: "y"), "set ytics autofreq\nset format y \"%.1s%c\"\n")
    }
}
