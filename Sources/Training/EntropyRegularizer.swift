import Quantization

/// The rate term of the entropy-regularized objective `loss = CE + λ·R`, with
/// `R = Σ_l n_l·Ĥ_l / Σ_l n_l` — the average soft-histogram entropy of the quantized weights,
/// in bits per weight — and its gradients with respect to every weight, step and precision.
///
/// `Ĥ_l` is ``SoftEntropy`` of the layer's stored weights under its fake quantizer,
/// interpolated in the fractional precision (``FakeQuantizer/softEntropy(_:weights:weightGradient:scale:)``),
/// so `λ` pushes weights into fewer, more probable bins, steps up, and precisions down.
///
/// ```swift
/// let regularizer = EntropyRegularizer(layers: quantized, temperature: 0.25)
/// let rate = regularizer.accumulateGradients(lambda: 0.03)   // after model.backward, before optimizer.step
/// ```
public struct EntropyRegularizer {
    /// The quantized layers: weight parameter and fake-quantize transform.
    public let layers: [(weight: Parameter, transform: FakeQuantizeTransform)]
    public let estimator: SoftEntropy

    public init(layers: [(weight: Parameter, transform: FakeQuantizeTransform)], temperature: Double) {
        self.layers = layers
        self.estimator = SoftEntropy(temperature: temperature)
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

    /// `R` in bits per weight, without touching gradients.
    public func rate() -> Double {
        let total = Double(max(weightCount, 1))
        var sum = 0.0
        for layer in layers {
            let q = layer.transform.quantizer
            let (k0, k1, alpha) = q.interpolation
            let w = UnsafeBufferPointer(layer.weight.value.buffer)
            let h0 = estimator.entropy(weights: w, step: q.step, bins: 2 * k0 + 1)
            let h1 = k1 == k0 ? h0 : estimator.entropy(weights: w, step: q.step, bins: 2 * k1 + 1)
            sum += Double(w.count) * ((1 - Double(alpha)) * h0 + Double(alpha) * h1)
        }
        return sum / total
    }

    /// Adds `λ·∂R/∂(w, Δ, k)` to the parameters' gradients and returns `R` (bits per weight).
    /// The step's share carries the same LSQ scale as the task loss's.
    @discardableResult
    public func accumulateGradients(lambda: Double) -> Double {
        let total = Double(max(weightCount, 1))
        var sum = 0.0
        for layer in layers {
            let n = layer.weight.value.count
            let share = lambda * Double(n) / total
            let q = layer.transform.quantizer
            let e = q.softEntropy(estimator, weights: UnsafeBufferPointer(layer.weight.value.buffer),
                                  weightGradient: layer.weight.grad.buffer, scale: Float(share))
            sum += Double(n) * e.entropy
            layer.transform.step.grad[0] += Float(share * e.stepGradient) * q.lsqGradientScale(count: n)
            if layer.transform.learnsPrecision {
                layer.transform.precision.grad[0] += Float(share * e.precisionGradient)
            }
        }
        return sum / total
    }
}
