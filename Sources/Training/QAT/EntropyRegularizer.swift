import Quantization

/// The rate term of the entropy-regularized objective `loss = CE + λ·R`, with
/// `R = Σ_l n_l·Ĥ_l / Σ_l n_l` — the average soft-histogram entropy of the quantized weights,
/// in bits per weight — and its gradients with respect to every weight, step and precision.
///
/// **Two views of one rate.** The rate the codec pays is the entropy of the *clipped* symbols,
/// `Ĥ_K` (``SoftEntropy`` over the bins `−K…K`, interpolated in the fractional precision `k`).
/// Its gradient with respect to a clipped weight is zero, and so is its pull on the step once
/// most weights are clipped: at a large `λ` the step can shrink until nearly every weight sits in
/// the two outer bins (about one bit per weight), a local minimum the clipped entropy cannot
/// leave. So the weights and the step descend the *range-extended* entropy `Ĥ_ext` instead —
/// the same soft histogram over every level a weight's soft window reaches (at most ±127),
/// i.e. without the clamp. Clipping merges bins, so `Ĥ_ext` is the larger; the two differ only
/// by soft tails when no weight is clipped; and shrinking the step now costs rate,
/// so a large `λ` drives weights and steps towards the zero bin. The precision, which only acts
/// through clipping, descends the clipped `Ĥ_{K₁} − Ĥ_{K₀}`. ``rate()`` (and the value
/// ``accumulateGradients(lambda:)`` returns) is the clipped rate; ``extendedRate()`` is the
/// function whose gradient the weights and steps receive.
///
/// **The alphabet's own cost (opt-in).** With an ``alphabetCost`` each layer also pays the bits
/// its alphabet costs outside the coded symbols — its tANS table description and, weighted, the
/// decoder's table — `R = Σ_l (n_l·Ĥ_l + E_l) / Σ_l n_l` (see ``AlphabetCost``). These bits
/// depend on the weights and the step only through which bin a weight falls in, so they add a
/// gradient to the precisions alone; ``rate()`` and ``extendedRate()`` both include them.
///
/// ```swift
/// let regularizer = EntropyRegularizer(layers: quantized, temperature: 0.25)
/// let rate = regularizer.accumulateGradients(lambda: 0.03)   // after model.backward, before optimizer.step
/// ```
public struct EntropyRegularizer {
    /// The quantized layers: weight parameter and fake-quantize transform.
    public let layers: [(weight: Parameter, transform: FakeQuantizeTransform)]
    public let estimator: SoftEntropy
    /// The alphabet and decoder-table terms added to each layer's rate (nil: the entropy alone,
    /// the default — bit-identical to the rate without them).
    public var alphabetCost: AlphabetCost?

    public init(layers: [(weight: Parameter, transform: FakeQuantizeTransform)], temperature: Double,
                alphabetCost: AlphabetCost? = nil) {
        self.layers = layers
        self.estimator = SoftEntropy(temperature: temperature)
        self.alphabetCost = alphabetCost.flatMap { $0.isActive ? $0 : nil }
    }

    /// The layers of `model` whose weight transform is a ``FakeQuantizeTransform``.
    public init(model: Model, temperature: Double) {
        let layers = model.weightLayers().compactMap { entry -> (Parameter, FakeQuantizeTransform)? in
            guard let t = entry.layer.weightTransform as? FakeQuantizeTransform else { return nil }
            return (entry.layer.weight, t)
        }
        self.init(layers: layers.map { (weight: $0.0, transform: $0.1) }, temperature: temperature)
    }

    /// Total number of quantized weights `Σ n_l`.
    public var weightCount: Int { layers.reduce(0) { $0 + $1.weight.value.count } }

    /// `R` in bits per weight — the clipped, precision-interpolated soft entropy — without
    /// touching gradients.
    public func rate() -> Double {
        let total = Double(max(weightCount, 1))
        var sum = 0.0
        for layer in layers {
            let w = UnsafeBufferPointer(layer.weight.value.buffer)
            sum += Double(w.count) * clippedEntropy(layer.transform.quantizer, w).value
            if let alphabetCost { sum += alphabetCost.bits(weights: w, quantizer: layer.transform.quantizer).value }
        }
        return sum / total
    }

    /// `Σ n_l·Ĥ_ext,l / Σ n_l`: the range-extended soft entropy whose gradient the weights and
    /// steps receive.
    public func extendedRate() -> Double {
        let total = Double(max(weightCount, 1))
        var sum = 0.0
        for layer in layers {
            let q = layer.transform.quantizer
            let w = UnsafeBufferPointer(layer.weight.value.buffer)
            sum += Double(w.count) * estimator.entropy(weights: w, step: q.step, bins: Self.extendedBins(q, w, radius: estimator.windowRadius))
            if let alphabetCost { sum += alphabetCost.bits(weights: w, quantizer: q).value }
        }
        return sum / total
    }

    /// Adds `λ·∂R/∂(w, Δ, k)` to the parameters' gradients (weights and steps from
    /// ``extendedRate()``, precisions from ``rate()``) and returns `R` (bits per weight, clipped).
    /// The step's share carries the same LSQ scale as the task loss's.
    @discardableResult
    public func accumulateGradients(lambda: Double) -> Double {
        let total = Double(max(weightCount, 1))
        var sum = 0.0
        for layer in layers {
            let n = layer.weight.value.count
            let share = lambda * Double(n) / total
            let q = layer.transform.quantizer
            let w = UnsafeBufferPointer(layer.weight.value.buffer)
            let clipped = clippedEntropy(q, w)
            sum += Double(n) * clipped.value
            let extra = alphabetCost?.bits(weights: w, quantizer: q)
            if let extra { sum += extra.value }
            guard lambda > 0 else { continue }
            let e = estimator.accumulateGradient(weights: w, step: q.step, bins: Self.extendedBins(q, w, radius: estimator.windowRadius),
                                                 into: layer.weight.grad.buffer, scale: Float(share))
            layer.transform.step.grad[0] += Float(share * e.stepGradient) * q.lsqGradientScale(count: n)
            if layer.transform.learnsPrecision {
                layer.transform.precision.grad[0] += Float(share * clipped.precisionGradient)
                // The extra bits are per layer, not per weight: λ·(∂E/∂k)/Σn.
                if let extra { layer.transform.precision.grad[0] += Float(lambda * extra.precisionGradient / total) }
            }
        }
        return sum / total
    }

    /// `Ĥ = (1 − α)·Ĥ_{K₀} + α·Ĥ_{K₁}` and `∂Ĥ/∂k = Ĥ_{K₁} − Ĥ_{K₀}` (zero for a fixed precision).
    private func clippedEntropy(_ q: FakeQuantizer, _ w: UnsafeBufferPointer<Float>) -> (value: Double, precisionGradient: Double) {
        let (k0, k1, alpha) = q.interpolation
        let h0 = estimator.entropy(weights: w, step: q.step, bins: 2 * k0 + 1)
        guard q.learnsPrecision else { return (h0, 0) }
        let h1 = k1 == k0 ? h0 : estimator.entropy(weights: w, step: q.step, bins: 2 * k1 + 1)
        return ((1 - Double(alpha)) * h0 + Double(alpha) * h1, h1 - h0)
    }

    /// `2M + 1` with `M = max(K₁, round(max|w|/Δ) + r)` (`r` the estimator's window radius), at
    /// most 255 bins: every bin inside any weight's window exists, so no weight is clamped (up to
    /// the cap) and `M` changing with the largest weight only adds bins of zero mass — the
    /// extended entropy stays continuous in the weights and the step.
    static func extendedBins(_ q: FakeQuantizer, _ w: UnsafeBufferPointer<Float>, radius: Int) -> Int {
        var largest: Float = 0
        for v in w where abs(v) > largest { largest = abs(v) }
        let reach = (largest / q.step).rounded()
        let cap = Int(FakeQuantizer.maxPrecision)
        let levels = reach.isFinite && reach < Float(cap) ? min(cap, Int(reach) + radius) : cap
        return 2 * max(q.interpolation.upper, levels) + 1
    }
}
