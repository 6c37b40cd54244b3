import XCTest
@testable import EntropyCoding

final class NormalizedCountsTests: XCTestCase {
    private func randomHistogram(_ rng: inout SplitMix64) -> [Int] {
        let size = Int.random(in: 1...256, using: &rng)
        let skew = Double.random(in: 0.05...3, using: &rng)
        var h = (0..<size).map { i -> Int in
            if Double.random(in: 0..<1, using: &rng) < 0.2 { return 0 }
            return Int(Double(Int.random(in: 1...1_000_000, using: &rng)) * exp(-skew * Double(abs(i - size / 2))))
        }
        if h.allSatisfy({ $0 == 0 }) { h[0] = 1 }
        return h
    }

    func testInvariantsAndNeverWorseThanProportional() throws {
        var rng = SplitMix64(seed: 21)
        var strictlyBetter = 0
        for _ in 0..<400 {
            let histogram = randomHistogram(&rng)
            let present = histogram.filter { $0 > 0 }.count
            let tableLog = max(Int.random(in: 5...15, using: &rng), Int.bitWidth - (present - 1).leadingZeroBitCount)
            let counts = try NormalizedCounts(histogram: histogram, tableLog: tableLog)
            XCTAssertEqual(counts.counts.reduce(0, +), 1 << tableLog)
            for (n, f) in zip(histogram, counts.counts) { XCTAssertEqual(n > 0, f >= 1); if n == 0 { XCTAssertEqual(f, 0) } }
            let naive = try NormalizedCounts.proportional(histogram: histogram, tableLog: tableLog)
            let ours = counts.cost(of: histogram), theirs = naive.cost(of: histogram)
            XCTAssertLessThanOrEqual(ours, theirs * (1 + 1e-12) + 1e-9)
            if ours < theirs - 1e-6 { strictlyBetter += 1 }
        }
        XCTAssertGreaterThan(strictlyBetter, 50, "the optimizer should beat naive rounding on many skewed histograms")
    }

    func testMatchesExhaustiveOptimumOnSmallCases() throws {
        var rng = SplitMix64(seed: 22)
        for _ in 0..<60 {
            let histogram = (0..<Int.random(in: 2...4, using: &rng)).map { _ in Int.random(in: 1...500, using: &rng) }
            let tableLog = 5
            let counts = try NormalizedCounts(histogram: histogram, tableLog: tableLog)
            // Enumerate every allocation of 32 slots with f ≥ 1.
            var best = Double.infinity
            func search(_ i: Int, _ left: Int, _ f: inout [Int]) {
                if i == histogram.count - 1 {
                    f[i] = left
                    let c = try! NormalizedCounts(validatingCounts: f, tableLog: tableLog).cost(of: histogram)
                    best = min(best, c)
                    return
                }
                for v in 1...(left - (histogram.count - 1 - i)) { f[i] = v; search(i + 1, left - v, &f) }
            }
            var f = [Int](repeating: 0, count: histogram.count)
            search(0, 32, &f)
            XCTAssertEqual(counts.cost(of: histogram), best, accuracy: 1e-9 * best)
        }
    }

    func testHeaderCodingRoundTripsAndIsCompact() throws {
        var rng = SplitMix64(seed: 23)
        for _ in 0..<300 {
            let histogram = randomHistogram(&rng)
            let present = histogram.filter { $0 > 0 }.count
            let tableLog = max(Int.random(in: 5...15, using: &rng), Int.bitWidth - (present - 1).leadingZeroBitCount)
            let counts = try NormalizedCounts(histogram: histogram, tableLog: tableLog)
            var writer = BitWriter()
            NormalizedCountsCoding.write(counts, to: &writer)
            var reader = BitReader(bytes: writer.bytes)
            XCTAssertEqual(try NormalizedCountsCoding.read(from: &reader, alphabetSize: histogram.count, tableLog: tableLog), counts)
        }
        // 31-symbol Laplace at L = 4096: well under 8 bits per symbol.
        let laplace = (0..<31).map { Int(1_000_000 * exp(-0.6 * Double(abs($0 - 15)))) }
        let counts = try NormalizedCounts(histogram: laplace, tableLog: 12)
        XCTAssertLessThan(NormalizedCountsCoding.bitCount(counts), 31 * 8)
    }

    func testRejectsBadInput() {
        XCTAssertThrowsError(try NormalizedCounts(histogram: [0, 0], tableLog: 5))
        XCTAssertThrowsError(try NormalizedCounts(histogram: [1, 2], tableLog: 0))
        XCTAssertThrowsError(try NormalizedCounts(histogram: [Int](repeating: 1, count: 40), tableLog: 5))
        XCTAssertThrowsError(try NormalizedCounts(validatingCounts: [16, 15], tableLog: 5))
    }
}
