import TestSupport
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

    /// The normalization is a format decision (the counts go into every header), so a faster
    /// implementation must pick exactly the counts of the straightforward one below — the
    /// algorithm as first written, recomputing every gain and loss on each exchange — including
    /// how ties between equal keys fall (many equal small counts, as in escape tables).
    func testOptimizeMatchesTheStraightforwardAlgorithm() throws {
        var rng = SplitMix64(seed: 0x0C7)
        let shared = NormalizationLogCache(capacity: (1 << 12) + 1)   // as the planner shares one (counts beyond: direct)
        for c in 0..<600 {
            var histogram: [Int]
            switch c % 3 {
            case 0: histogram = randomHistogram(&rng)
            case 1:
                // Tie-heavy: small counts, many of them equal.
                histogram = (0..<Int.random(in: 2...256, using: &rng)).map { _ in Int.random(in: 0...4, using: &rng) }
                if histogram.allSatisfy({ $0 == 0 }) { histogram[0] = 1 }
            default:
                // The rare half of a spike-and-slab stream (an escape table's histogram).
                let symbols = BenchmarkStreams.spikeAndSlab(count: 2000 + rng.skewedLength(max: 400_000), bins: 255,
                                                            zeroProbability: 0.98, seed: UInt64(c))
                histogram = try SymbolStatistics.histogram(symbols, alphabetSize: 255)
                histogram[127] = 0
                if histogram.allSatisfy({ $0 == 0 }) { histogram[0] = 1 }
            }
            let present = histogram.filter { $0 > 0 }.count
            let tableLog = max(Int.random(in: 5...15, using: &rng), Int.bitWidth - (present - 1).leadingZeroBitCount)
            let total = histogram.reduce(0, +)
            let start = NormalizedCounts.proportionalFloor(histogram, total: total, tableLog: tableLog)
            let expected = Self.straightforwardOptimize(start, histogram: histogram, tableSize: 1 << tableLog)
            XCTAssertEqual(try NormalizedCounts(histogram: histogram, tableLog: tableLog).counts, expected, "case \(c)")
            let cached = try NormalizedCounts(histogram: histogram, tableLog: tableLog, logCache: shared)
            XCTAssertEqual(cached.counts, expected, "case \(c), shared cache")
            XCTAssertEqual(cached.cost(of: histogram, logCache: shared), cached.cost(of: histogram), "case \(c), cost")
        }
    }

    static func straightforwardOptimize(_ start: [Int], histogram: [Int], tableSize: Int) -> [Int] {
        var f = start
        let present = histogram.indices.filter { histogram[$0] > 0 }
        let weight = histogram.map(Double.init)
        func gain(_ s: Int) -> Double { weight[s] * log2(Double(f[s] + 1) / Double(f[s])) }
        func loss(_ s: Int) -> Double { f[s] <= 1 ? .infinity : weight[s] * log2(Double(f[s]) / Double(f[s] - 1)) }
        var sum = f.reduce(0, +)
        if sum > tableSize {
            var heap = ReferenceHeap(present.compactMap { s in f[s] > 1 ? (-loss(s), s) : nil })
            while sum > tableSize, let (_, s) = heap.pop() {
                f[s] -= 1
                sum -= 1
                if f[s] > 1 { heap.push((-loss(s), s)) }
            }
        }
        if sum < tableSize {
            var heap = ReferenceHeap(present.map { (gain($0), $0) })
            while sum < tableSize, let (_, s) = heap.pop() {
                f[s] += 1
                sum += 1
                heap.push((gain(s), s))
            }
        }
        var moves = 0
        while moves < 64 * tableSize {
            var giver = -1, giverLoss = Double.infinity, secondGiver = -1, secondLoss = Double.infinity
            var taker = -1, takerGain = -Double.infinity
            for s in present {
                let g = gain(s)
                if g > takerGain { taker = s; takerGain = g }
                let l = loss(s)
                if l < giverLoss {
                    secondGiver = giver; secondLoss = giverLoss
                    giver = s; giverLoss = l
                } else if l < secondLoss {
                    secondGiver = s; secondLoss = l
                }
            }
            if giver == taker { giver = secondGiver; giverLoss = secondLoss }
            guard giver >= 0, taker >= 0, takerGain > giverLoss * (1 + 1e-12) + 1e-12 else { break }
            f[giver] -= 1
            f[taker] += 1
            moves += 1
        }
        return f
    }

    /// The max-heap as first written (array operations).
    struct ReferenceHeap {
        var items: [(Double, Int)]
        init(_ items: [(Double, Int)]) {
            self.items = items
            for i in stride(from: items.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        }
        mutating func push(_ item: (Double, Int)) {
            items.append(item)
            var i = items.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard items[parent].0 < items[i].0 else { break }
                items.swapAt(parent, i)
                i = parent
            }
        }
        mutating func pop() -> (Double, Int)? {
            guard !items.isEmpty else { return nil }
            items.swapAt(0, items.count - 1)
            let top = items.removeLast()
            if !items.isEmpty { siftDown(0) }
            return top
        }
        mutating func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var largest = i
                if l < items.count && items[l].0 > items[largest].0 { largest = l }
                if r < items.count && items[r].0 > items[largest].0 { largest = r }
                guard largest != i else { return }
                items.swapAt(i, largest)
                i = largest
            }
        }
    }
}
