import Foundation

/// Mean, standard deviation and a 95 % confidence interval of a small sample (the seeds of one
/// configuration), with Student's t: the half-width is `t(0.975, n − 1) · s / √n`.
///
/// Non-finite values (a measurement that is missing) are left out; with one value the spread
/// and the interval are NaN ("not measured"), never zero.
///
/// ```swift
/// let s = SampleStatistics([89.5, 89.7, 89.2])
/// s.mean            // 89.4666…
/// s.ci95HalfWidth   // 4.303 · 0.2517 / √3 ≈ 0.625
/// ```
public struct SampleStatistics: Sendable, Equatable {
    /// How many finite values.
    public let count: Int
    public let mean: Double
    /// Sample standard deviation (n − 1 in the denominator); NaN when `count` < 2.
    let standardDeviation: Double
    /// Half-width of the 95 % confidence interval of the mean; NaN when `count` < 2.
    let ci95HalfWidth: Double

    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        count = finite.count
        guard count > 0 else {
            (mean, standardDeviation, ci95HalfWidth) = (.nan, .nan, .nan)
            return
        }
        let m = finite.reduce(0, +) / Double(count)
        mean = m
        guard count > 1 else {
            (standardDeviation, ci95HalfWidth) = (.nan, .nan)
            return
        }
        let variance = finite.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(count - 1)
        standardDeviation = variance.squareRoot()
        ci95HalfWidth = Self.studentT975(degreesOfFreedom: count - 1) * standardDeviation / Double(count).squareRoot()
    }

    /// The interval `mean ± ci95HalfWidth` (a point when the half-width is not known).
    public var interval: ClosedRange<Double> {
        let h = ci95HalfWidth.isFinite ? ci95HalfWidth : 0
        return (mean - h)...(mean + h)
    }

    /// Whether two means are told apart at this level: false when their 95 % intervals overlap
    /// (a conservative reading — overlapping intervals can still differ — stated as such in the
    /// tables), or when either has fewer than two values.
    func isDistinguishable(from other: SampleStatistics) -> Bool {
        guard ci95HalfWidth.isFinite, other.ci95HalfWidth.isFinite else { return false }
        return !interval.overlaps(other.interval)
    }

    /// The 0.975 quantile of Student's t with `df` degrees of freedom: exact table values for
    /// df ≤ 30 (to 4 decimals, from the t distribution's definition), then the Cornish–Fisher
    /// expansion around the normal quantile, which is within 1e-4 beyond 30.
    static func studentT975(degreesOfFreedom df: Int) -> Double {
        precondition(df >= 1, "Student's t needs at least one degree of freedom")
        let table: [Double] = [
            12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
            2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
            2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
        ]
        if df <= table.count { return table[df - 1] }
        let z = 1.959963984540054, n = Double(df)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n)
    }
}
