import Quantization

/// Fake quantization of a layer's weight during training: the ``WeightTransform`` that puts a
/// ``FakeQuantizer`` between the stored weight and the forward pass, with the step `Δ` and the
/// precision `k` as trainable parameters of the layer.
///
/// Parameter names extend the layer's: `conv1.weight_step`, `conv1.weight_precision` — so
/// they are saved in checkpoints beside the weight, and the optimizer updates them. The step's
/// gradient carries LSQ's `1/√(n·K)` scale. After each optimizer step call ``clampToDomain()``:
/// `Δ` stays positive and `k` within `[0, 127]`.
///
/// ```swift
/// let t = FakeQuantizeTransform(step: 0.05, bins: 7, learnsPrecision: true)
/// model.weightLayers()[0].layer.weightTransform = t
/// ```
public final class FakeQuantizeTransform: WeightTransform {
    /// `Δ`, shape `[1]`.
    public let step: Parameter
    /// `k`, shape `[1]` (half-bin count; exported bins `2·round(k) + 1`).
    public let precision: Parameter
    /// Whether `k` is learned (`learned` policy) or fixed (`fixed-N`).
    public let learnsPrecision: Bool

    /// The smallest step kept after an update: a step of zero would divide by zero.
    public static let minimumStep: Float = 1e-8

    public init(step: Float, bins: Int, learnsPrecision: Bool) {
        self.step = Parameter(Tensor(shape: [1], values: [step]))
        self.precision = Parameter(Tensor(shape: [1], values: [Float((bins - 1) / 2)]))
        self.learnsPrecision = learnsPrecision
        // Steps and precisions are scale parameters: weight decay would bias them towards zero.
        self.step.weightDecayScale = 0
        self.precision.weightDecayScale = 0
    }

    /// The quantizer with the current parameter values.
    public var quantizer: FakeQuantizer {
        FakeQuantizer(step: step.value[0], precision: precision.value[0], learnsPrecision: learnsPrecision)
    }

    public func forward(weight: Tensor, into effective: Tensor, context: ExecutionContext) {
        let q = quantizer
        q.forward(weights: UnsafeBufferPointer(weight.buffer), into: effective.buffer)
    }

    public func backward(weight: Tensor, gradEffective: Tensor, gradWeight: Tensor, context: ExecutionContext) {
        let q = quantizer
        let g = q.backward(weights: UnsafeBufferPointer(weight.buffer), outputGradient: UnsafeBufferPointer(gradEffective.buffer),
                           weightGradient: gradWeight.buffer)
        step.grad[0] += Float(g.step) * q.lsqGradientScale(count: weight.count)
        if learnsPrecision { precision.grad[0] += Float(g.precision) }
    }

    public func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) {
        body(prefix + "weight_step", step)
        if learnsPrecision { body(prefix + "weight_precision", precision) }
    }

    public func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void) {
        // A fixed precision is state, not a parameter: saved, never updated.
        if !learnsPrecision { body(prefix + "weight_precision", precision.value) }
    }

    /// Keeps `Δ > 0` and `0 ≤ k ≤ 127` after an optimizer step.
    public func clampToDomain() {
        step.value[0] = max(step.value[0], Self.minimumStep)
        precision.value[0] = min(max(precision.value[0], 0), FakeQuantizer.maxPrecision)
    }
}
