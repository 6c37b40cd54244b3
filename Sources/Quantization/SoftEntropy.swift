#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EntropyCoding

/// A differentiable estimate of the entropy of a layer's quantized weights, with its analytic
/// gradient with respect to every weight and to the step — the rate term of the
/// entropy-regularized training objective.
///
/// Each weight is softly assigned to the integer bins `j ∈ [−K, K]` of its scaled value
/// `x_i = w_i / Δ`:
///
///     a_ij = softmax_j(−(x_i − j)² / τ),   p_j = (1/n) Σ_i a_ij,   Ĥ = −Σ_j p_j log₂ p_j.
///
/// As `τ → 0` the assignment becomes hard rounding (with clamping to the outer bins) and `Ĥ`
/// becomes the exact empirical entropy of the quantized symbols.
///
/// **Gradient.** With `g_j = −log₂ p_j` (the `−1/ln 2` term of `∂Ĥ/∂p_j` cancels through the
/// softmax), `∂Ĥ/∂x_i = (2 / (n τ)) · Cov_{a_i}(g, j)`, the covariance of `g_j` and `j` under
/// the row `a_i·`; then `∂Ĥ/∂w_i = (∂Ĥ/∂x_i) / Δ` and `∂Ĥ/∂Δ = −Σ_i (∂Ĥ/∂x_i) · x_i / Δ`.
///
/// **Cost.** Two passes over the weights (histogram, then gradient), each `O(n · W)` with
/// `W = 2r + 1` the window of bins around `clamp(round(x_i))`, but only two `exp` calls per
/// weight and pass (see `assign`); nothing is allocated per weight. Bins further away than `r` are dropped: their softmax weight relative
/// to the nearest bin is at most `exp(−r(r+1)/τ)`, and `r` is the smallest radius that keeps
/// the total dropped mass of every row below `truncation` (`truncation: 0` keeps all bins,
/// exactly). With the defaults (`τ = 0.25`, `truncation = 1e-9`) `r = 2`.
///
/// ```swift
/// let soft = SoftEntropy(temperature: 0.25)
/// var grad = [Float](repeating: 0, count: weights.count)
/// let e = grad.withUnsafeMutableBufferPointer { g in
///     weights.withUnsafeBufferPointer { w in
///         soft.accumulateGradient(weights: w, step: 0.05, bins: 7, into: g, scale: λ)
///     }
/// }
/// // e.entropy: Ĥ in bits per weight; grad += λ · ∂Ĥ/∂w; e.stepGradient = ∂Ĥ/∂Δ.
/// ```
public struct SoftEntropy: Hashable, Sendable {
    /// Softmax temperature τ > 0, in squared bin units.
    public let temperature: Double
    /// The most softmax mass a row may lose to the bin window (0 = exact, all bins).
    public let truncation: Double
    /// Bins at most this far from a weight's nearest bin take part in its soft assignment.
    public let windowRadius: Int

    /// The entropy and the step gradient of one evaluation.
    public struct Evaluation: Hashable, Sendable {
        /// `Ĥ` in bits per weight.
        public var entropy: Double
        /// `∂Ĥ/∂Δ`.
        public var stepGradient: Double

        @inlinable
        public init(entropy: Double, stepGradient: Double) {
            self.entropy = entropy
            self.stepGradient = stepGradient
        }
    }

    /// Creates an estimator. `temperature` must be positive and finite; `truncation` in `[0, 1)`.
    public init(temperature: Double = 0.25, truncation: Double = 1e-9) {
        precondition(temperature.isFinite && temperature > 0, "SoftEntropy: temperature must be > 0")
        precondition(truncation >= 0 && truncation < 1, "SoftEntropy: truncation must be in [0, 1)")
        self.temperature = temperature
        self.truncation = truncation
        if truncation == 0 {
            windowRadius = ZeroPointQuantizer.maxBins
        } else {
            // Dropped mass per row ≤ 2 Σ_{m≥0} exp(−(r+m)(r+m+1)/τ) ≤ 4 exp(−r(r+1)/τ).
            let need = temperature * log(4 / truncation)
            var r = 1
            while Double(r * (r + 1)) < need { r += 1 }
            windowRadius = r
        }
    }

    /// `Ĥ` of `weights` quantized with `step` and `bins` (odd, 1…255), in bits per weight.
    @inlinable
    public func entropy<W: BinaryFloatingPoint>(
        weights: UnsafeBufferPointer<W>, step: W, bins: Int
    ) -> Double {
        let k = checkedMaxLevel(bins: bins, step: step)
        guard k > 0, !weights.isEmpty else { return 0 }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * k + 1) { p in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * windowRadius + 1) { e in
                histogram(weights, step: Double(step), maxLevel: k, into: p, window: e)
                return entropyBits(p)
            }
        }
    }

    /// Computes `Ĥ` and adds `scale · ∂Ĥ/∂w_i` to `gradient[i]` for every weight; returns `Ĥ`
    /// and `∂Ĥ/∂Δ` (unscaled). `gradient.count` must equal `weights.count`.
    @inlinable
    public func accumulateGradient<W: BinaryFloatingPoint>(
        weights: UnsafeBufferPointer<W>, step: W, bins: Int,
        into gradient: UnsafeMutableBufferPointer<W>, scale: W = 1
    ) -> Evaluation {
        precondition(gradient.count == weights.count, "SoftEntropy: gradient buffer size mismatch")
        let k = checkedMaxLevel(bins: bins, step: step)
        guard k > 0, !weights.isEmpty else { return Evaluation(entropy: 0, stepGradient: 0) }
        let n = 2 * k + 1
        let r = min(windowRadius, 2 * k)
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * n) { buf in
            let p = UnsafeMutableBufferPointer(rebasing: buf[0..<n])
            let g = UnsafeMutableBufferPointer(rebasing: buf[n..<(2 * n)])
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * r + 1) { e in
                let delta = Double(step)
                histogram(weights, step: delta, maxLevel: k, into: p, window: e)
                let h = entropyBits(p)
                for j in 0..<n { g[j] = p[j] > 0 ? -log2(p[j]) : 0 }
                let tau = temperature
                let factor = 2 / (Double(weights.count) * tau)
                let decay = exp(-2 / tau)
                let s = Double(scale)
                var stepGrad = 0.0
                for i in weights.indices {
                    let x = Double(weights[i]) / delta
                    let (lo, hi) = assign(x, maxLevel: k, radius: r, decay: decay, into: e)
                    // Row statistics about the window centre, to avoid cancellation.
                    var gBar = 0.0, jBar = 0.0, gj = 0.0
                    var j = lo
                    while j <= hi {
                        let a = e[j &- lo]
                        let gv = g[j &+ k]
                        let dj = Double(j &- lo)
                        gBar += a * gv
                        jBar += a * dj
                        gj += a * gv * dj
                        j &+= 1
                    }
                    let dx = factor * (gj - gBar * jBar)
                    gradient[i] += W(s * dx / delta)
                    stepGrad -= dx * x
                }
                return Evaluation(entropy: h, stepGradient: stepGrad / delta)
            }
        }
    }

    /// Array convenience: `Ĥ`, `∂Ĥ/∂w` and `∂Ĥ/∂Δ`.
    @inlinable
    public func entropyAndGradient<W: BinaryFloatingPoint>(
        weights: [W], step: W, bins: Int
    ) -> (entropy: Double, weightGradient: [W], stepGradient: Double) {
        var grad = [W](repeating: 0, count: weights.count)
        let e = grad.withUnsafeMutableBufferPointer { gp in
            weights.withUnsafeBufferPointer { wp in
                accumulateGradient(weights: wp, step: step, bins: bins, into: gp)
            }
        }
        return (e.entropy, grad, e.stepGradient)
    }

    /// Array convenience for `entropy(weights:step:bins:)`.
    @inlinable
    public func entropy<W: BinaryFloatingPoint>(weights: [W], step: W, bins: Int) -> Double {
        weights.withUnsafeBufferPointer { entropy(weights: $0, step: step, bins: bins) }
    }

    // MARK: - Internals

    @usableFromInline
    func checkedMaxLevel<W: BinaryFloatingPoint>(bins: Int, step: W) -> Int {
        precondition(BinCount.isValid(bins),
                     "SoftEntropy: bins must be odd in 1…\(BinCount.maximum)")
        precondition(step.isFinite && step > 0, "SoftEntropy: step must be > 0")
        return (bins - 1) / 2
    }

    /// Writes the softmax row of `x` over bins `lo…hi` into `e[0…hi−lo]`; returns `(lo, hi)`.
    ///
    /// Two `exp` calls per row: relative to the centre bin `c` (the row maximum, weight 1),
    /// consecutive weights have the ratio `e_{j+1}/e_j = exp((2(x − j) − 1)/τ)`, and each step
    /// away from `c` multiplies that ratio by `exp(−2/τ)`. Walking outward from `c` the ratios
    /// only shrink, so nothing overflows; far bins underflow harmlessly to 0.
    @inlinable @inline(__always)
    func assign(_ x: Double, maxLevel k: Int, radius r: Int, decay: Double,
                into e: UnsafeMutableBufferPointer<Double>) -> (Int, Int) {
        let kd = Double(k)
        let cd = x.isNaN ? 0 : Swift.min(Swift.max(x.rounded(), -kd), kd)
        let c = Int(cd)
        let lo = Swift.max(-k, c &- r), hi = Swift.min(k, c &+ r)
        let xc = x.isNaN ? 0 : x - cd
        let invTau = 1 / temperature
        e[c &- lo] = 1
        var sum = 1.0
        if hi > c {
            var v = 1.0, ratio = exp((2 * xc - 1) * invTau)
            var j = c &+ 1
            while j <= hi { v *= ratio; e[j &- lo] = v; sum += v; ratio *= decay; j &+= 1 }
        }
        if lo < c {
            var v = 1.0, ratio = exp((-2 * xc - 1) * invTau)
            var j = c &- 1
            while j >= lo { v *= ratio; e[j &- lo] = v; sum += v; ratio *= decay; j &-= 1 }
        }
        let inv = 1 / sum
        var j = 0
        while j <= hi &- lo { e[j] *= inv; j &+= 1 }
        return (lo, hi)
    }

    /// `p_j = mean_i a_ij` into `p` (2K+1 entries).
    @inlinable
    func histogram<W: BinaryFloatingPoint>(
        _ weights: UnsafeBufferPointer<W>, step: Double, maxLevel k: Int,
        into p: UnsafeMutableBufferPointer<Double>, window e: UnsafeMutableBufferPointer<Double>
    ) {
        let r = Swift.min(windowRadius, 2 * k)
        for j in p.indices { p[j] = 0 }
        let decay = exp(-2 / temperature)
        for w in weights {
            let (lo, hi) = assign(Double(w) / step, maxLevel: k, radius: r, decay: decay, into: e)
            var j = lo
            while j <= hi { p[j &+ k] += e[j &- lo]; j &+= 1 }
        }
        let inv = 1 / Double(weights.count)
        for j in p.indices { p[j] *= inv }
    }

    @inlinable
    func entropyBits(_ p: UnsafeMutableBufferPointer<Double>) -> Double {
        var h = 0.0
        for v in p where v > 0 { h -= v * log2(v) }
        return Swift.max(0, h)
    }
}
