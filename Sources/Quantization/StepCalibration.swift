#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-layer step rules for a given bin count.
///
/// - **max-abs**: `Δ = max|w| / K`, so the largest weight lands exactly on the outer level
///   and nothing is clipped.
/// - **MSE-optimal**: the `Δ` minimizing `Σ (w − q(w)·Δ)²`. The error is not unimodal in `Δ`
///   (it is piecewise smooth, with a kink wherever a weight changes bin), so the search is a
///   log-spaced grid of `gridPoints` steps over `[0.01, 1.25] · max|w|/K` followed by a
///   golden-section refinement between the best grid point's neighbours. It never returns a
///   step worse than max-abs (which is on the grid's candidate list).
///
/// ```swift
/// let step = StepCalibration.mseOptimalStep(weights: w, bins: 15)
/// let q = try ZeroPointQuantizer(bins: 15, step: step)
/// ```
public enum StepCalibration {
    /// `max|w| / K`; `1` when `K = 0` or every weight is zero (any step is then exact).
    static func maxAbsStep(weights: [Float], bins: Int) -> Float {
        let k = (bins - 1) / 2
        let m = maxAbs(weights)
        guard k > 0, m > 0, m.isFinite else { return 1 }
        let step = m / Float(k)
        return step > 0 ? step : .leastNormalMagnitude
    }

    /// The step minimizing the squared quantization error (see the type's documentation).
    public static func mseOptimalStep(weights: [Float], bins: Int, gridPoints: Int = 48,
                                      refinements: Int = 24) -> Float {
        let k = (bins - 1) / 2
        let base = maxAbsStep(weights: weights, bins: bins)
        guard k > 0, maxAbs(weights) > 0 else { return base }
        let error: (Double) -> Double = { logStep in
            squaredError(weights, bins: bins, step: Float(exp(logStep)))
        }
        let lo = log(Double(base) * 0.01), hi = log(Double(base) * 1.25)
        var grid = (0..<gridPoints).map { lo + (hi - lo) * Double($0) / Double(gridPoints - 1) }
        grid.append(log(Double(base)))
        grid.sort()
        let values = grid.map(error)
        let best = values.indices.min { values[$0] < values[$1] }!
        let a = grid[max(best - 1, 0)], b = grid[min(best + 1, grid.count - 1)]
        let (x, fx) = GoldenSection.minimize(error, in: a...b, iterations: refinements)
        let step = fx < values[best] ? exp(x) : exp(grid[best])
        return clampStep(Float(step))
    }

    /// `max|w|` over finite weights.
    public static func maxAbs(_ weights: [Float]) -> Float {
        var m: Float = 0
        weights.withUnsafeBufferPointer { w in
            for x in w where x.isFinite { m = Swift.max(m, Swift.abs(x)) }
        }
        return m
    }

    /// `Σ (w − q(w)·Δ)²` (no histogram; the calibration hot loop).
    static func squaredError(_ weights: [Float], bins: Int, step: Float) -> Double {
        let q = try! ZeroPointQuantizer(bins: bins, step: clampStep(step))
        var sse = 0.0
        weights.withUnsafeBufferPointer { w in
            for x in w { sse += squaredError(x, level: q.level(for: x), step: q.step) }
        }
        return sse
    }

    /// `(x − level·Δ)²` as a `Double`. Computed in `Float` (the historical arithmetic, so
    /// every result that was finite keeps its bits) unless that overflows — |x − level·Δ| above
    /// ~1.8e19, or level·Δ itself beyond `Float.greatestFiniteMagnitude` — and then in `Double`,
    /// where any `Float` squared is finite, so weights up to `Float.greatestFiniteMagnitude`
    /// give finite sums and a meaningful SQNR.
    ///
    /// ```swift
    /// StepCalibration.squaredError(3e30, level: 1, step: 1e30)   // 4e60, not +∞
    /// ```
    /// - Complexity: O(1).
    @inline(__always)
    static func squaredError(_ x: Float, level: Int, step: Float) -> Double {
        let e = x - Float(level) * step
        let squared = e * e
        if squared.isFinite { return Double(squared) }
        let exact = Double(x) - Double(level) * Double(step)
        return exact * exact
    }

    /// `x²` as a `Double`: the `Float` square when finite (unchanged bits), else the `Double` one.
    /// - Complexity: O(1).
    @inline(__always)
    static func square(_ x: Float) -> Double {
        let squared = x * x
        return squared.isFinite ? Double(squared) : Double(x) * Double(x)
    }

    /// A positive finite `Float` step (the search works in `Double` and may underflow).
    static func clampStep(_ step: Float) -> Float {
        guard step.isFinite else { return .greatestFiniteMagnitude }
        return Swift.max(step, .leastNormalMagnitude)
    }
}

/// Golden-section search for a minimum of a one-dimensional function on an interval.
enum GoldenSection {
    static func minimize(_ f: (Double) -> Double, in interval: ClosedRange<Double>,
                         iterations: Int) -> (x: Double, value: Double) {
        let ratio = (sqrt(5.0) - 1) / 2
        var a = interval.lowerBound, b = interval.upperBound
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = f(c), fd = f(d)
        for _ in 0..<iterations {
            if fc <= fd {
                b = d; d = c; fd = fc
                c = b - ratio * (b - a); fc = f(c)
            } else {
                a = c; c = d; fc = fd
                d = a + ratio * (b - a); fd = f(d)
            }
        }
        return fc <= fd ? (c, fc) : (d, fd)
    }
}
