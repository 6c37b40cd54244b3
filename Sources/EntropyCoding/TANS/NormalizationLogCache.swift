#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memoized `log₂((f + 1)/f)` and `log₂ f` for counts `1 ≤ f < capacity`: the per-unit gains and
/// losses of ``NormalizedCounts``' normalization, and the code lengths of its cost (`gain(f) = n·log₂((f + 1)/f)`, and the loss at `f` is the
/// gain at `f − 1`). Each value is the same expression evaluated once, so a cache shared by the
/// normalizations of one plan (``TANSPlanner`` normalizes two tables for each of tens of
/// candidate escape sets) changes no count, only the number of `log2` calls. Counts beyond the
/// capacity are computed directly.
///
/// ```swift
/// let cache = NormalizationLogCache(capacity: 4097)   // tables of up to 2^12 slots
/// cache.stepLog(1)   // log₂ 2 = 1
/// ```
/// - Complexity: O(capacity) to create; O(1) per lookup.
final class NormalizationLogCache {
    let capacity: Int
    /// `values[f]`, or NaN where not computed yet (`log₂((f + 1)/f)` is never NaN for f ≥ 1).
    private let values: UnsafeMutablePointer<Double>
    /// `logs[f] = log₂ f`, or NaN where not computed yet.
    private let logs: UnsafeMutablePointer<Double>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        values = .allocate(capacity: self.capacity)
        values.initialize(repeating: .nan, count: self.capacity)
        logs = .allocate(capacity: self.capacity)
        logs.initialize(repeating: .nan, count: self.capacity)
    }

    deinit {
        values.deallocate()
        logs.deallocate()
    }

    /// `log₂ f`, `f ≥ 1` (the code length term of ``NormalizedCounts/cost(of:)``).
    @inline(__always)
    func log2Count(_ f: Int) -> Double {
        guard f < capacity else { return log2(Double(f)) }
        let cached = logs[f]
        if !cached.isNaN { return cached }
        let computed = log2(Double(f))
        logs[f] = computed
        return computed
    }

    /// `log₂((f + 1)/f)`, `f ≥ 1`.
    @inline(__always)
    func stepLog(_ f: Int) -> Double {
        guard f < capacity else { return Self.compute(f) }
        let cached = values[f]
        if !cached.isNaN { return cached }
        let computed = Self.compute(f)
        values[f] = computed
        return computed
    }

    @inline(__always)
    static func compute(_ f: Int) -> Double { log2(Double(f + 1) / Double(f)) }
}
