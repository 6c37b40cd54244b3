/// A classifier network with a name, an input shape and PyTorch-style parameter names.
///
/// Inputs are NCHW image batches `[N, C, H, W]`; outputs are logits `[N, classes]`.
///
/// ```swift
/// let model = ModelZoo.make(.lenet5, seed: 1)
/// let ctx = ExecutionContext(training: true, threads: 2)
/// let logits = model.forward(images, context: ctx)
/// model.backward(lossGradient, context: ctx)
/// model.namedParameters().map(\.name)   // ["conv1.weight", "bn1.weight", …, "fc3.bias"]
/// ```
public final class Model {
    public let architecture: Architecture
    /// Per-image input shape `[C, H, W]`.
    public let inputShape: [Int]
    public let network: Layer
    private var channelMajorInput: Tensor?

    public init(architecture: Architecture, inputShape: [Int], network: Layer) {
        self.architecture = architecture
        self.inputShape = inputShape
        self.network = network
    }

    /// Logits `[N, classes]` for images `[N, C, H, W]` (or `[N, C·H·W]`).
    public func forward(_ images: Tensor, context: ExecutionContext) -> Tensor {
        let n = images.shape[0]
        let (c, hw) = (inputShape[0], inputShape[1] * inputShape[2])
        precondition(images.count == n * c * hw, "model expects \(inputShape) images, got \(images.shape)")
        // Spatial layers run channel-major: [N, C, H, W] → [C, N, H, W].
        let x = Tensor.reuse(&channelMajorInput, shape: [c, n, inputShape[1], inputShape[2]])
        let (src, dst) = (images.pointer, x.pointer)
        if c == 1 {
            dst.update(from: src, count: n * hw)
        } else {
            for i in 0..<n { for j in 0..<c { (dst + (j * n + i) * hw).update(from: src + (i * c + j) * hw, count: hw) } }
        }
        return network.forward(x, context: context)
    }

    /// Back-propagates `∂L/∂logits`, accumulating into every parameter's `grad`.
    public func backward(_ gradLogits: Tensor, context: ExecutionContext) {
        _ = network.backward(gradLogits, context: context)
    }

    /// Trainable parameters (including those of installed weight transforms), in a fixed order.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var out: [(name: String, parameter: Parameter)] = []
        network.visitParameters(prefix: "") { out.append((name: $0, parameter: $1)) }
        return out
    }

    public var parameters: [Parameter] { namedParameters().map(\.parameter) }

    /// Each trainable parameter's current values by name (the first of a repeated name) — the
    /// latent weights quantization-aware training ends with, which export rounds.
    /// - Complexity: O(parameters), one copy of each.
    public func parameterValues() -> [String: [Float]] {
        Dictionary(namedParameters().map { ($0.name, $0.parameter.value.toArray()) }, uniquingKeysWith: { a, _ in a })
    }

    /// Non-trainable state (batch-norm running statistics).
    public func namedBuffers() -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        network.visitBuffers(prefix: "") { out.append((name: $0, tensor: $1)) }
        return out
    }

    /// Every layer with its dotted name (containers included).
    public func namedLayers() -> [(name: String, layer: Layer)] {
        var out: [(name: String, layer: Layer)] = []
        network.visitLayers(prefix: "") { out.append((name: $0, layer: $1)) }
        return out
    }

    /// The convolution and linear layers — where a `WeightTransform` can be installed.
    public func weightLayers() -> [(name: String, layer: WeightedLayer)] {
        namedLayers().compactMap { entry in (entry.layer as? WeightedLayer).map { (name: entry.name, layer: $0) } }
    }

    /// Batch-norm layers with their names (for `num_batches_tracked`).
    public func batchNormLayers() -> [(name: String, layer: BatchNorm2d)] {
        namedLayers().compactMap { entry in (entry.layer as? BatchNorm2d).map { (name: entry.name, layer: $0) } }
    }

    /// Number of trainable scalars, excluding weight-transform parameters.
    public var parameterCount: Int {
        var total = 0
        network.visitParameters(prefix: "") { _, p in total += p.value.count }
        return total
    }

    /// Multiply-add FLOPs (×2) of the GEMMs in one forward pass of one image.
    public var forwardFLOPsPerImage: Int { network.forwardFLOPsPerImage(inputShape: inputShape).flops }

    /// FLOPs of one training step per image: forward, `∂W`, and `∂input` except for the first layer.
    public var trainingFLOPsPerImage: Int { trainingFLOPsPerLayer().reduce(0) { $0 + $1.flops } }

    /// ``trainingFLOPsPerImage`` per layer outside a `Sequential` (a residual block counts as one),
    /// named as in ``namedLayers()``, in execution order.
    public func trainingFLOPsPerLayer() -> [(name: String, flops: Int)] {
        var out: [(name: String, flops: Int)] = []
        var shape = inputShape
        func walk(_ layer: Layer, _ name: String) {
            if let seq = layer as? Sequential {
                for child in seq.children { walk(child.layer, name.isEmpty ? child.name : name + "." + child.name) }
                return
            }
            let (f, s) = layer.forwardFLOPsPerImage(inputShape: shape)
            var factor = 3
            if let conv = layer as? Conv2d, !conv.needsInputGradient { factor = 2 }
            if let fc = layer as? Linear, !fc.needsInputGradient { factor = 2 }
            out.append((name, factor * f))
            shape = s
        }
        walk(network, "")
        return out
    }

    /// Zeroes every parameter gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// The architectures in the model zoo.
public enum Architecture: String, CaseIterable, Sendable {
    case mlp, lenet5, resnet20
}

extension Model {
    /// The algorithms this model's convolutions run with on this CPU (`Conv2d.algorithm` where
    /// the shape and CPU allow it, else im2col), in `ConvolutionAlgorithm.allCases` order.
    /// They sum in different orders, so the same seed trains to different last bits under each:
    /// the orchestrator's cache keys record anything other than im2col.
    ///
    /// ```swift
    /// ModelZoo.make(.resnet20, seed: 0).convolutionAlgorithms   // [.im2col, .rowWinograd] with AVX2
    /// ```
    public var convolutionAlgorithms: [ConvolutionAlgorithm] {
        var used = Set<ConvolutionAlgorithm>()
        network.visitLayers(prefix: "") { _, layer in
            guard let conv = layer as? Conv2d else { return }
            used.insert(conv.usesDirect ? .direct : conv.usesRowWinograd ? .rowWinograd : conv.usesWinograd ? .winograd : .im2col)
        }
        return ConvolutionAlgorithm.allCases.filter(used.contains)
    }
}
