import XCTest
@testable import Plotting

/// `bins-over-epochs` from a precision trace: one data block per layer, two curves each, and
/// one clear error for a malformed trace.
final class BinsOverEpochsPlotTests: XCTestCase {
    let trace = """
    epoch,layer,precision_k,bins,bins_used,step
    0,conv1,7,15,15,0.07
    0,fc1,7,15,7,0.2
    0.5,conv1,7.5,17,15,0.07
    0.5,fc1,5.2,11,5,0.2

    """

    func testOneBlockPerLayerWithBothCurves() throws {
        let artifact = try BinsOverEpochsPlot.make(traceCSV: trace, file: "t.csv", title: "test")
        XCTAssertEqual(artifact.fileStem, "bins-over-epochs")
        XCTAssertTrue(artifact.data.contains("conv1"))
        XCTAssertTrue(artifact.data.contains("0.5 16.0 15.0"), artifact.data)
        XCTAssertTrue(artifact.body.contains("index 1 using 1:3 with steps"), artifact.body)
        XCTAssertFalse(artifact.body.contains("index 2"))
    }

    func testMalformedTraceIsRefused() {
        XCTAssertThrowsError(try BinsOverEpochsPlot.make(traceCSV: "epoch,layer\n0,conv1\n", file: "t.csv", title: "x")) {
            XCTAssertTrue("\($0)".contains("precision_k"), "\($0)")
        }
        XCTAssertThrowsError(try BinsOverEpochsPlot.make(traceCSV: trace.replacingOccurrences(of: "7.5", with: "seven"), file: "t.csv", title: "x")) {
            XCTAssertTrue("\($0)".contains("seven"), "\($0)")
        }
    }
}
