/// `max(x, 0)`, elementwise, any shape.
///
/// ```swift
/// let y = ReLU().forward(x, context: .init(training: true))
/// ```
public final class ReLU: Layer {
    private var output: Tensor?
    private var gradInput: Tensor?

    public init() {}

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        let y = Tensor.reuse(&output, shape: x.shape)
        let (xp, yp) = (x.pointer, y.pointer)
        maskByPositive(xp, xp, into: yp, count: x.count)   // x > 0 ? x : 0
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        guard let y = output else { preconditionFailure("ReLU.backward before forward") }
        let dx = Tensor.reuse(&gradInput, shape: y.shape)
        let (yp, dyp, dxp) = (y.pointer, dy.pointer, dx.pointer)
        maskByPositive(yp, dyp, into: dxp, count: y.count)
        return dx
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) { (0, inputShape) }
}
