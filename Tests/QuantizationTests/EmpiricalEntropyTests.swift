import TestSupport
import XCTest
@testable import Quantization

final class EmpiricalEntropyTests: XCTestCase {
    func testKnownValues() {
        XCTAssertEqual(EmpiricalEntropy.bitsPerSymbol(counts: [1, 2, 1]), 1.5, accuracy: 1e-12)
        XCTAssertEqual(EmpiricalEntropy.bitsPerSymbol(counts: [5, 0, 0]), 0)
        XCTAssertEqual(EmpiricalEntropy.bitsPerSymbol(counts: []), 0)
        XCTAssertEqual(EmpiricalEntropy.bitsPerSymbol(counts: [3, 3, 3, 3]), 2, accuracy: 1e-12)
        XCTAssertEqual(EmpiricalEntropy.bitsPerSymbol(symbols: [7, 7, 9, 9]), 1, accuracy: 1e-12)
        XCTAssertEqual(EmpiricalEntropy.totalBits(counts: [2, 2]), 4, accuracy: 1e-12)
        XCTAssertEqual(RateModel.entropy.bits([], [2, 2]), 4, accuracy: 1e-12)
    }

    func testBoundedByLogOfSupport() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let n = Int.random(in: 1...40, using: &rng)
            let counts = (0..<n).map { _ in Int.random(in: 0...50, using: &rng) }
            let h = EmpiricalEntropy.bitsPerSymbol(counts: counts)
            let support = counts.filter { $0 > 0 }.count
            XCTAssertGreaterThanOrEqual(h, 0)
            XCTAssertLessThanOrEqual(h, log2(Double(max(support, 1))) + 1e-12)
        }
    }
}
