import XCTest
@testable import DecoderHardware

final class EscapeQueueTests: XCTestCase {
    func testNoEscapesNoStalls() {
        XCTAssertEqual(EscapeQueue.stallsPerGroup(lanes: 8, escapeProbability: 0, depth: 8), 0)
    }

    /// Above one escape per group the unit is the bottleneck: a group every P·q cycles, so
    /// P·q − 1 stalls per group.
    func testSaturatedUnitStallsByTheExcessRate() {
        let stalls = EscapeQueue.stallsPerGroup(lanes: 8, escapeProbability: 0.25, depth: 8)
        XCTAssertEqual(stalls, 1.0, accuracy: 0.02)
        XCTAssertEqual(EscapeQueue.stallsPerGroup(lanes: 4, escapeProbability: 1, depth: 4), 3, accuracy: 1e-9)
    }

    func testStallsFallWithDepthAndRiseWithRate() {
        let shallow = EscapeQueue.stallsPerGroup(lanes: 2, escapeProbability: 0.4, depth: 2)
        let deep = EscapeQueue.stallsPerGroup(lanes: 2, escapeProbability: 0.4, depth: 8)
        XCTAssertGreaterThan(shallow, deep)
        XCTAssertGreaterThan(shallow, 0.01)
        let rare = EscapeQueue.stallsPerGroup(lanes: 16, escapeProbability: 0.01, depth: 16)
        XCTAssertLessThan(rare, 1e-6)
        var previous = 0.0
        for q in stride(from: 0.05, through: 0.5, by: 0.05) {
            let value = EscapeQueue.stallsPerGroup(lanes: 4, escapeProbability: q, depth: 4)
            XCTAssertGreaterThanOrEqual(value, previous)
            previous = value
        }
    }
}
