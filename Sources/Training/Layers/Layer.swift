/// A differentiable building block of a network.
///
/// `forward` returns a tensor the layer owns (valid until its next `forward`); `backward`
/// takes the gradient of the loss with respect to that output, *accumulates* parameter
/// gradients into each `Parameter.grad`, and returns the gradient with respect to the
/// input (again a tensor the layer owns). A layer keeps what it needs for `backward`
/// from the latest `forward`, so calls alternate forward, backward, forward, …
///
/// Names follow PyTorch's `state_dict` (`conv1.weight`, `layer1.0.bn1.running_mean`):
/// containers pass a prefix ending in `.` and leaves append their own names.
public protocol Layer: AnyObject {
    func forward(_ input: Tensor, context: ExecutionContext) -> Tensor
    func backward(_ gradOutput: Tensor, context: ExecutionContext) -> Tensor
    /// Calls `body` with each trainable parameter and its full name.
    func visitParameters(prefix: String, _ body: (String, Parameter) -> Void)
    /// Calls `body` with each non-trainable state tensor (batch-norm running statistics).
    func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void)
    /// Calls `body` with this layer and, for containers, every layer inside, with names.
    func visitLayers(prefix: String, _ body: (String, Layer) -> Void)
    /// Multiply-accumulate GEMM work of one forward pass per image (for benchmark GFLOP/s).
    func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int])
}

extension Layer {
    public func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) {}
    public func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void) {}
    public func visitLayers(prefix: String, _ body: (String, Layer) -> Void) {
        body(prefix.hasSuffix(".") ? String(prefix.dropLast()) : prefix, self)
    }
}

/// A layer whose weight can be replaced by a transformed weight in the forward pass:
/// `Linear` and `Conv2d`. The quantization-aware trainer finds these with
/// `Model.weightLayers()` and installs a `WeightTransform` on each.
public protocol WeightedLayer: Layer {
    /// The stored weight (PyTorch layout: `[out, in]` or `[out, in, kh, kw]`).
    var weight: Parameter { get }
    var bias: Parameter? { get }
    /// Applied to `weight` before every forward; `nil` uses the weight as stored.
    var weightTransform: WeightTransform? { get set }
}

extension WeightedLayer {
    /// `weight`, `bias` when present, then the transform's own parameters (a step, a precision).
    public func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) {
        body(prefix + "weight", weight)
        if let bias { body(prefix + "bias", bias) }
        weightTransform?.visitParameters(prefix: prefix, body)
    }

    /// The transform's state tensors (the layer itself keeps none).
    public func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void) {
        weightTransform?.visitBuffers(prefix: prefix, body)
    }
}

/// A function from a layer's stored weight to the effective weight its forward pass uses
/// — the hook for fake quantization with a straight-through estimator.
///
/// The layer calls `forward` once per batch, multiplies by the result, and in `backward`
/// hands over `∂L/∂effective`; the transform must *add* `∂L/∂weight` into
/// `gradWeight` and add the gradients of its own parameters (a step Δ, a precision k)
/// into their `Parameter.grad`. Its parameters appear in the model's parameter list
/// (and so in the optimizer and checkpoints) under the layer's prefix.
///
/// ```swift
/// final class RoundToStep: WeightTransform {
///     let step = Parameter(Tensor(shape: [1], values: [0.05]))
///     func forward(weight: Tensor, into effective: Tensor, context: ExecutionContext) {
///         let d = step.value[0]
///         for i in 0..<weight.count { effective[i] = (weight[i] / d).rounded() * d }
///     }
///     func backward(weight: Tensor, gradEffective: Tensor, gradWeight: Tensor,
///                   context: ExecutionContext) {
///         for i in 0..<weight.count { gradWeight[i] += gradEffective[i] }   // STE
///     }
///     func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) {
///         body(prefix + "weight_step", step)     // e.g. "conv1.weight_step"
///     }
/// }
/// model.weightLayers()[0].layer.weightTransform = RoundToStep()
/// ```
public protocol WeightTransform: AnyObject {
    /// Writes the effective weight (same shape as `weight`) into `effective`.
    func forward(weight: Tensor, into effective: Tensor, context: ExecutionContext)
    /// Adds `∂L/∂weight` into `gradWeight` and its own parameters' gradients.
    func backward(weight: Tensor, gradEffective: Tensor, gradWeight: Tensor, context: ExecutionContext)
    /// The transform's own trainable parameters; `prefix` is the layer's (e.g. `"conv1."`).
    func visitParameters(prefix: String, _ body: (String, Parameter) -> Void)
    /// The transform's non-trainable state, if any.
    func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void)
}

extension WeightTransform {
    public func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void) {}
}

/// Layers applied in order; children are named (`"conv1"`, `"0"`) for parameter names.
///
/// ```swift
/// let net = Sequential([("fc1", Linear(784, 300)), ("relu1", ReLU()), ("fc2", Linear(300, 10))])
/// ```
public final class Sequential: Layer {
    public private(set) var children: [(name: String, layer: Layer)]

    public init(_ children: [(String, Layer)]) {
        self.children = children.map { (name: $0.0, layer: $0.1) }
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        var x = input
        for child in children { x = child.layer.forward(x, context: context) }
        return x
    }

    /// Runs the children's backward passes in reverse order, and stops at a child that returns
    /// an empty gradient: a layer does that only when told its input gradient is unused
    /// (``Linear/needsInputGradient``, ``Conv2d/needsInputGradient``), i.e. nothing below it
    /// has parameters — the layers below would read a gradient that was never written (the MLP's
    /// `Flatten` read 784 floats past a one-float buffer, an intermittent SIGSEGV).
    public func backward(_ gradOutput: Tensor, context: ExecutionContext) -> Tensor {
        var g = gradOutput
        for child in children.reversed() {
            g = child.layer.backward(g, context: context)
            if g.count == 0 { break }
        }
        return g
    }

    public func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) {
        for child in children { child.layer.visitParameters(prefix: prefix + child.name + ".", body) }
    }

    public func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void) {
        for child in children { child.layer.visitBuffers(prefix: prefix + child.name + ".", body) }
    }

    public func visitLayers(prefix: String, _ body: (String, Layer) -> Void) {
        body(prefix.hasSuffix(".") ? String(prefix.dropLast()) : prefix, self)
        for child in children { child.layer.visitLayers(prefix: prefix + child.name + ".", body) }
    }

    /// Replaces each child by `transform(name, child)` (the profiler wraps children in timers).
    func replaceChildren(_ transform: (String, Layer) -> Layer) {
        children = children.map { (name: $0.name, layer: transform($0.name, $0.layer)) }
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        var shape = inputShape, total = 0
        for child in children {
            let (f, s) = child.layer.forwardFLOPsPerImage(inputShape: shape)
            total += f
            shape = s
        }
        return (total, shape)
    }
}
