#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fake quantization for quantization-aware training: the forward pass uses quantized weights,
/// the backward pass passes gradients straight through the rounding (STE), learns the step `Δ`
/// with the LSQ gradient, and learns a fractional precision `k ≥ 0` FracBits-style.
///
/// **Precision.** `k` is a continuous half-bin count. With `K₀ = ⌊k⌋`, `K₁ = K₀ + 1` and
/// `α = k − K₀`, the effective weight interpolates the two neighbouring odd-bin quantizers that
/// share the step:
///
///     ŵ = (1 − α) · Q_{K₀}(w) + α · Q_{K₁}(w),   Q_K(w) = Δ · clamp(round(w/Δ), −K, K),
///
/// so `∂ŵ/∂k = Q_{K₁}(w) − Q_{K₀}(w)`, non-zero only for weights that `Q_{K₀}` clips. At export the
/// layer gets `K = round(k)`, i.e. `N = 2K + 1` bins (``exportedBins``); `k < 0.5` prunes the
/// layer (one bin, all zeros). With `learnsPrecision == false` the quantizer is plain `Q_K` with
/// `K = round(k)`, and `α` is zero.
///
/// **Weights (STE).** `∂ŵ/∂w = (1 − α)·𝟙(|w/Δ| < K₀) + α·𝟙(|w/Δ| < K₁)`: rounding passes the
/// gradient, clipping stops it (as LSQ and PACT do).
///
/// **Step (LSQ, Esser et al. 2019).** For one quantizer, `∂Q_K/∂Δ = round(x) − x` inside the range
/// (`x = w/Δ`) and `±K` where it clips; the interpolation weights the two. LSQ scales the step's
/// gradient by `1/√(n·K)` so its updates stay commensurate with the weights'; ``lsqGradientScale``
/// gives that factor and ``backward`` returns the unscaled sum.
///
/// ```swift
/// var fq = FakeQuantizer(step: 0.05, precision: 3, learnsPrecision: true)
/// fq.forward(weights: w, into: effective)                        // effective weights for the layer
/// let g = fq.backward(weights: w, outputGradient: gy, weightGradient: gw)
/// // gw += ∂L/∂w; g.step = ∂L/∂Δ; g.precision = ∂L/∂k
/// ```
public struct FakeQuantizer: Hashable, Sendable {
    /// The step `Δ > 0`.
    public var step: Float
    /// The continuous precision `k ≥ 0` (half-bin count).
    public var precision: Float
    /// Whether the forward pass interpolates fractional precisions (and `k` gets a gradient).
    public var learnsPrecision: Bool

    /// The largest `k`: `N = 2K + 1` must stay within 255 bins.
    public static let maxPrecision: Float = Float((ZeroPointQuantizer.maxBins - 1) / 2)

    public init(step: Float, precision: Float, learnsPrecision: Bool) {
        self.step = step
        self.precision = precision
        self.learnsPrecision = learnsPrecision
    }

    /// A fixed-precision quantizer with `bins` (odd) bins.
    public init(step: Float, bins: Int) {
        self.init(step: step, precision: Float((bins - 1) / 2), learnsPrecision: false)
    }

    /// The two neighbouring half-bin counts and the weight of the upper one.
    @inlinable
    public var interpolation: (lower: Int, upper: Int, alpha: Float) {
        let k = min(max(precision, 0), Self.maxPrecision)
        if !learnsPrecision {
            let K = Int(k.rounded())
            return (K, K, 0)
        }
        let lower = min(Int(k.rounded(.down)), Int(Self.maxPrecision) - 1)
        return (lower, lower + 1, k - Float(lower))
    }

    /// The bin count the layer gets at export: `2·round(k) + 1`.
    @inlinable
    public var exportedBins: Int {
        2 * Int(min(max(precision, 0), Self.maxPrecision).rounded()) + 1
    }

    /// The hard quantizer used at export.
    public func exportedQuantizer() throws -> ZeroPointQuantizer {
        try ZeroPointQuantizer(bins: exportedBins, step: step)
    }

    /// Writes the effective (fake-quantized) weights. Allocation-free.
    @inlinable
    public func forward(weights: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(output.count >= weights.count, "FakeQuantizer.forward: output too small")
        let (k0, k1, alpha) = interpolation
        let lo = Float(k0), hi = Float(k1)
        let delta = step, inverse = 1 / step
        let a1 = alpha, a0 = 1 - alpha
        for i in 0..<weights.count {
            let r = (weights[i] * inverse).rounded()
            let q0 = r.isNaN ? 0 : min(max(r, -lo), lo)
            let q1 = r.isNaN ? 0 : min(max(r, -hi), hi)
            output[i] = delta * (a0 * q0 + a1 * q1)
        }
    }

    /// Gradients of the step and the precision from one backward pass.
    public struct Gradients: Hashable, Sendable {
        /// `∂L/∂Δ`, before the LSQ scale.
        public var step: Double
        /// `∂L/∂k` (zero when the precision is not learned).
        public var precision: Double

        @inlinable
        public init(step: Double, precision: Double) {
            self.step = step
            self.precision = precision
        }
    }

    /// Accumulates `∂L/∂w` into `weightGradient` (`+=`) given `∂L/∂ŵ` in `outputGradient`, and
    /// returns `∂L/∂Δ` and `∂L/∂k`. Allocation-free.
    @inlinable
    public func backward(weights: UnsafeBufferPointer<Float>, outputGradient: UnsafeBufferPointer<Float>,
                         weightGradient: UnsafeMutableBufferPointer<Float>) -> Gradients {
        precondition(outputGradient.count >= weights.count && weightGradient.count >= weights.count,
                     "FakeQuantizer.backward: buffers too small")
        let (k0, k1, alpha) = interpolation
        let lo = Float(k0), hi = Float(k1)
        let inverse = 1 / step
        let a1 = alpha, a0 = 1 - alpha
        var stepSum: Double = 0
        var precisionSum: Double = 0
        for i in 0..<weights.count {
            let g = outputGradient[i]
            let x = weights[i] * inverse
            let r = x.rounded()
            // Per-quantizer STE pass-through and LSQ step derivative.
            let inside0: Float = abs(x) < lo ? 1 : 0
            let inside1: Float = abs(x) < hi ? 1 : 0
            let dStep0: Float = abs(x) < lo ? r - x : (x < 0 ? -lo : lo)
            let dStep1: Float = abs(x) < hi ? r - x : (x < 0 ? -hi : hi)
            weightGradient[i] += g * (a0 * inside0 + a1 * inside1)
            stepSum += Double(g * (a0 * dStep0 + a1 * dStep1))
            if learnsPrecision {
                let q0 = min(max(r, -lo), lo), q1 = min(max(r, -hi), hi)
                precisionSum += Double(g * step * (q1 - q0))
            }
        }
        return Gradients(step: stepSum, precision: precisionSum)
    }

    /// LSQ's step-gradient scale `1/√(n · K)` for a layer of `count` weights (`K ≥ 1`).
    @inlinable
    public func lsqGradientScale(count: Int) -> Float {
        let K = max(1, interpolation.upper)
        return 1 / (Float(max(count, 1)) * Float(K)).squareRoot()
    }
}
