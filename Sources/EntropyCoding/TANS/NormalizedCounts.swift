#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Normalized symbol counts for a table of `L = 2^tableLog` slots: `f_s ≥ 1` for every symbol
/// present in the histogram, `f_s = 0` for absent ones, and `Σ f_s = L`.
///
/// ## Algorithm: exact minimum of the expected code length
/// Coding `n_s` occurrences of symbol `s` with probability `f_s / L` costs
/// `C(f) = Σ_s n_s · log₂(L / f_s)` bits. `C` is a sum of convex functions of the individual
/// `f_s`, and the constraint is a single budget `Σ f_s = L` with integer `f_s ≥ 1`. For such a
/// separable convex resource-allocation problem a point is globally optimal iff no single unit
/// moved from one symbol to another lowers the cost (the marginal-analysis theorem of Gross,
/// 1956; Fox, 1966). So:
/// 1. start from the proportional allocation `f_s = max(1, ⌊n_s·L/n⌋)`;
/// 2. while `Σ f > L`, take a unit from the symbol whose loss `n_s·log₂(f_s/(f_s−1))` is smallest
///    (never below 1); while `Σ f < L`, give a unit to the symbol whose gain
///    `n_s·log₂((f_s+1)/f_s)` is largest;
/// 3. while the largest gain exceeds the smallest loss of another symbol, move one unit.
/// Each move strictly lowers `C`, so step 3 terminates, at the exact optimum. Starting from the
/// proportional point keeps the number of moves small (about the number of symbols).
///
/// This never does worse than naive proportional rounding (``proportional(histogram:tableLog:)``),
/// which is one particular feasible point.
///
/// ```swift
/// let counts = try NormalizedCounts(histogram: [980, 15, 5], tableLog: 5)
/// counts.counts        // [30, 1, 1] — sums to 32
/// ```
public struct NormalizedCounts: Sendable, Equatable, Hashable {
    /// log₂ of the table size.
    public let tableLog: Int
    /// Normalized count per symbol (index = symbol value); sums to `tableSize`.
    public let counts: [Int]

    /// `L = 2^tableLog`.
    @inlinable public var tableSize: Int { 1 << tableLog }
    /// Number of symbols (present or not) the counts cover.
    @inlinable public var alphabetSize: Int { counts.count }
    /// Number of symbols with a non-zero count.
    public var presentSymbolCount: Int { counts.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    /// Table logs any table in this module accepts (tANS uses 5…15, rANS up to 16).
    public static let supportedTableLogs = 1...16

    /// Optimal normalization of `histogram` (see the type's documentation).
    /// - Throws: if `tableLog` is unsupported, the histogram is empty or all zero, has a negative
    ///   entry, or more present symbols than table slots.
    public init(histogram: [Int], tableLog: Int) throws {
        try self.init(histogram: histogram, tableLog: tableLog, logCache: nil)
    }

    /// The same counts, with the gains' logarithms memoized in `logCache` (shared by callers
    /// that normalize many histograms).
    init(histogram: [Int], tableLog: Int, logCache: NormalizationLogCache?) throws {
        try Self.checkTableLog(tableLog)
        let total = try Self.checkHistogram(histogram, tableLog: tableLog)
        self.tableLog = tableLog
        self.counts = Self.optimize(Self.proportionalFloor(histogram, total: total, tableLog: tableLog),
                                    histogram: histogram, tableSize: 1 << tableLog, logCache: logCache)
    }

    /// Wraps already-normalized counts after checking them (used when reading headers).
    /// - Throws: ``EntropyCodingError/corrupt(_:)`` unless every count is ≥ 0 and they sum to `2^tableLog`.
    public init(validatingCounts counts: [Int], tableLog: Int) throws {
        guard Self.supportedTableLogs.contains(tableLog) else {
            throw EntropyCodingError.corrupt("table log \(tableLog) is outside \(Self.supportedTableLogs)")
        }
        guard !counts.isEmpty, counts.count <= 256 else {
            throw EntropyCodingError.corrupt("normalized counts cover \(counts.count) symbols; expected 1…256")
        }
        var sum = 0
        for c in counts {
            guard c >= 0 else { throw EntropyCodingError.corrupt("negative normalized count") }
            sum += c
        }
        guard sum == 1 << tableLog else {
            throw EntropyCodingError.corrupt("normalized counts sum to \(sum), expected \(1 << tableLog)")
        }
        self.tableLog = tableLog
        self.counts = counts
    }

    /// The naive baseline: `f_s = max(1, round(n_s·L/n))`, with the rounding error taken from
    /// (or given to) the most frequent symbol (or spread over others if that would drop below 1).
    /// Only for comparison — ``init(histogram:tableLog:)`` is never worse.
    public static func proportional(histogram: [Int], tableLog: Int) throws -> NormalizedCounts {
        try checkTableLog(tableLog)
        let total = try checkHistogram(histogram, tableLog: tableLog)
        let size = 1 << tableLog
        var f = histogram.map { n -> Int in
            n == 0 ? 0 : max(1, Int((Double(n) * Double(size) / Double(total)).rounded()))
        }
        var excess = f.reduce(0, +) - size
        // Settle the difference on the largest counts first.
        let order = f.indices.sorted { f[$0] > f[$1] }
        var i = 0
        while excess != 0 {
            let s = order[i % order.count]
            if excess > 0 {
                let take = min(excess, f[s] - 1)
                f[s] -= take
                excess -= take
            } else if f[s] > 0 {
                f[s] -= excess
                excess = 0
            }
            i += 1
        }
        return try NormalizedCounts(validatingCounts: f, tableLog: tableLog)
    }

    /// Ideal coding cost in bits of `histogram` under these counts: `Σ n_s·log₂(L/f_s)`
    /// (infinite if a present symbol has count 0).
    public func cost(of histogram: [Int]) -> Double {
        cost(of: histogram, logCache: nil)
    }

    /// ``cost(of:)`` with the logarithms memoized in `logCache` (the same values).
    func cost(of histogram: [Int], logCache: NormalizationLogCache?) -> Double {
        var bits = 0.0
        for (s, n) in histogram.enumerated() where n > 0 {
            let f = s < counts.count ? counts[s] : 0
            if f == 0 { return .infinity }
            bits += Double(n) * (Double(tableLog) - (logCache?.log2Count(f) ?? log2(Double(f))))
        }
        return bits
    }

    // MARK: - Internals

    static func checkTableLog(_ tableLog: Int) throws {
        guard supportedTableLogs.contains(tableLog) else {
            throw EntropyCodingError.invalidParameter(
                "table log \(tableLog) is outside \(supportedTableLogs.lowerBound)…\(supportedTableLogs.upperBound); pick a value in that range")
        }
    }

    /// Returns the histogram total after validating it.
    static func checkHistogram(_ histogram: [Int], tableLog: Int) throws -> Int {
        guard !histogram.isEmpty, histogram.count <= 257 else {
            throw EntropyCodingError.invalidParameter("histogram has \(histogram.count) symbols; expected 1…257")
        }
        var total = 0
        var present = 0
        for n in histogram {
            guard n >= 0 else { throw EntropyCodingError.invalidParameter("histogram has a negative count") }
            total += n
            if n > 0 { present += 1 }
        }
        guard total > 0 else { throw EntropyCodingError.invalidParameter("histogram is all zero; nothing to normalize") }
        guard present <= 1 << tableLog else {
            throw EntropyCodingError.invalidParameter(
                "\(present) present symbols do not fit a table of \(1 << tableLog) slots; raise the table log")
        }
        return total
    }

    static func proportionalFloor(_ histogram: [Int], total: Int, tableLog: Int) -> [Int] {
        let size = Double(1 << tableLog)
        return histogram.map { n in n == 0 ? 0 : max(1, Int(Double(n) * size / Double(total))) }
    }

    /// Steps 2 and 3 of the documented algorithm.
    /// (`gain(s) = n_s·log₂((f_s + 1)/f_s)`, `loss(s) = n_s·log₂(f_s/(f_s − 1))`, the logarithms
    /// taken from `logCache` when given.)
    static func optimize(_ start: [Int], histogram: [Int], tableSize: Int,
                         logCache: NormalizationLogCache? = nil) -> [Int] {
        var f = start
        let present = histogram.indices.filter { histogram[$0] > 0 }
        let weight = histogram.map(Double.init)
        @inline(__always) func stepLog(_ f: Int) -> Double {
            if let logCache { return logCache.stepLog(f) }
            return NormalizationLogCache.compute(f)
        }
        @inline(__always) func gain(_ s: Int) -> Double { weight[s] * stepLog(f[s]) }
        @inline(__always) func loss(_ s: Int) -> Double { f[s] <= 1 ? .infinity : weight[s] * stepLog(f[s] - 1) }
        var sum = f.reduce(0, +)
        // Phases 2a/2b can take one move per symbol; a heap keeps each move O(log n).
        if sum > tableSize {
            var heap = MaxHeap(present.compactMap { s in f[s] > 1 ? (-loss(s), s) : nil })
            while sum > tableSize, let (_, s) = heap.pop() {
                f[s] -= 1
                sum -= 1
                if f[s] > 1 { heap.push((-loss(s), s)) }
            }
        }
        if sum < tableSize {
            var heap = MaxHeap(present.map { (gain($0), $0) })
            while sum < tableSize, let (_, s) = heap.pop() {
                f[s] += 1
                sum += 1
                heap.push((gain(s), s))
            }
        }
        // Pairwise exchange until no move lowers the cost (relative tolerance avoids cycling on ties).
        // Each symbol's gain and loss depend on its own count only: they are kept per symbol and
        // recomputed for the two symbols a move changes (the same values as computing them afresh).
        var gains = [Double](repeating: 0, count: f.count), losses = gains
        for s in present {
            gains[s] = gain(s)
            losses[s] = loss(s)
        }
        var moves = 0
        while moves < 64 * tableSize {
            var giver = -1, giverLoss = Double.infinity, secondGiver = -1, secondLoss = Double.infinity
            var taker = -1, takerGain = -Double.infinity
            for s in present {
                let g = gains[s]
                if g > takerGain { taker = s; takerGain = g }
                let l = losses[s]
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
            gains[giver] = gain(giver)
            losses[giver] = loss(giver)
            gains[taker] = gain(taker)
            losses[taker] = loss(taker)
            moves += 1
        }
        return f
    }
}

/// A binary max-heap of (key, symbol) pairs for the normalization moves. Ties between equal
/// keys resolve by the heap's shape, so the normalized counts depend on this exact sequence of
/// comparisons and swaps: keep it when changing the implementation.
struct MaxHeap {
    private var items: [(Double, Int)]

    init(_ items: [(Double, Int)]) {
        self.items = items
        self.items.withUnsafeMutableBufferPointer { heap in
            for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { Self.siftDown(heap, i) }
        }
    }

    mutating func push(_ item: (Double, Int)) {
        items.append(item)
        items.withUnsafeMutableBufferPointer { heap in
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard heap[parent].0 < heap[i].0 else { break }
                heap.swapAt(parent, i)
                i = parent
            }
        }
    }

    mutating func pop() -> (Double, Int)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        if !items.isEmpty { items.withUnsafeMutableBufferPointer { Self.siftDown($0, 0) } }
        return top
    }

    private static func siftDown(_ heap: UnsafeMutableBufferPointer<(Double, Int)>, _ start: Int) {
        var i = start
        let count = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var largest = i
            if l < count && heap[l].0 > heap[largest].0 { largest = l }
            if r < count && heap[r].0 > heap[largest].0 { largest = r }
            guard largest != i else { return }
            heap.swapAt(i, largest)
            i = largest
        }
    }
}
