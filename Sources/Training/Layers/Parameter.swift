/// A trainable tensor and its gradient.
///
/// Gradients accumulate (`+=`), as in PyTorch: the trainer zeroes them before each
/// backward pass, then layers, weight transforms and regularizers all add into `grad`.
///
/// ```swift
/// let p = Parameter(Tensor(shape: [3]))
/// p.grad[0] += 1
/// p.zeroGrad()
/// ```
public final class Parameter {
    public let value: Tensor
    public let grad: Tensor
    /// Multiplies the optimizer's learning rate for this parameter (e.g. for quantizer steps).
    public var learningRateScale: Float = 1
    /// Multiplies the optimizer's weight decay for this parameter (0 disables it).
    public var weightDecayScale: Float = 1

    public init(_ value: Tensor) {
        self.value = value
        grad = Tensor(shape: value.shape)
    }

    public var shape: [Int] { value.shape }

    public func zeroGrad() { grad.fill(0) }
}
