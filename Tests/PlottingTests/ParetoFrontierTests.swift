import TestSupport
import XCTest
@testable import Plotting

final class ParetoFrontierTests: XCTestCase {
    func testExample() {
        let bits = [2.0, 1.0, 0.5, 1.5, 3.0]
        let accuracy = [90.0, 89.0, 80.0, 88.0, 90.0]
        XCTAssertEqual(ParetoFrontier.indices(bits: bits, accuracy: accuracy), [2, 1, 0])
    }

    func testNaNsAreIgnoredAndEmptyGivesEmpty() {
        XCTAssertEqual(ParetoFrontier.indices(bits: [], accuracy: []), [])
        XCTAssertEqual(ParetoFrontier.indices(bits: [.nan, 1, 2], accuracy: [99, .nan, 50]), [2])
        XCTAssertEqual(ParetoFrontier.indices(bits: [1], accuracy: [70]), [0])
    }

    /// Against the definition, checked pairwise, on random clouds with many ties.
    func testMatchesBruteForceOnRandomClouds() {
        var rng = SplitMix64(seed: 11)
        for trial in 0..<400 {
            let n = trial < 380 ? Int(rng.next() % 12) : 200 + Int(rng.next() % 100)
            let bits = (0..<n).map { _ in rng.next() % 10 == 0 ? Double.nan : Double(rng.next() % 8) / 4 }
            let accuracy = (0..<n).map { _ in Double(rng.next() % 6) * 10 }
            let got = ParetoFrontier.indices(bits: bits, accuracy: accuracy)
            let valid = (0..<n).filter { bits[$0].isFinite && accuracy[$0].isFinite }
            func dominated(_ i: Int) -> Bool {
                valid.contains { j in
                    (bits[j] <= bits[i] && accuracy[j] > accuracy[i]) || (bits[j] < bits[i] && accuracy[j] >= accuracy[i])
                }
            }
            let expectedPoints = Set(valid.filter { !dominated($0) }.map { PairKey(bits[$0], accuracy[$0]) })
            XCTAssertEqual(Set(got.map { PairKey(bits[$0], accuracy[$0]) }), expectedPoints, "trial \(trial)")
            // One index per distinct frontier point, sorted by bits with accuracy rising.
            XCTAssertEqual(got.count, expectedPoints.count, "trial \(trial)")
            for (a, b) in zip(got, got.dropFirst()) {
                XCTAssertLessThan(bits[a], bits[b])
                XCTAssertLessThan(accuracy[a], accuracy[b])
            }
        }
    }

    private struct PairKey: Hashable {
        var bits: Double, accuracy: Double
        init(_ b: Double, _ a: Double) { bits = b; accuracy = a }
    }
}
