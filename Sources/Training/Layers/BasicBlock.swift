/// The ResNet basic block: `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`.
///
/// When the block changes resolution or width, the shortcut is He et al.'s option A
/// (as in the CIFAR ResNet-20): subsample by the stride and zero-pad the new channels,
/// which adds no parameters. For identity blocks the second batch norm, the shortcut add and the
/// final ReLU are one pass, and the shortcut's gradient is added as conv1 stores `∂input`.
/// Parameter names match PyTorch's `layerX.Y.conv1.weight`, `layerX.Y.bn1.running_mean`, ….
///
/// ```swift
/// var rng = Xoshiro256(seed: 0)
/// let block = BasicBlock(16, 32, stride: 2, rng: &rng)   // [16, N, 28, 28] → [32, N, 14, 14]
/// ```
public final class BasicBlock: Layer {
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    public let inChannels: Int
    public let outChannels: Int
    public let stride: Int
    /// Set when this block's input is the output of a ReLU (a previous block's, or a fused
    /// batch norm's) and the block is an identity block: `backward` then returns the gradient
    /// already passed back through that ReLU (zero where the input is ≤ 0), computed as conv1
    /// stores `∂input` — the ReLU's own backward pass is then redundant (see
    /// `gradientArrivesMasked`). Bit for bit the same gradients either way.
    public var masksGradientByInput = false {
        didSet { precondition(!masksGradientByInput || isIdentity, "masksGradientByInput needs an identity block") }
    }
    /// Set when the layer after this block has `masksGradientByInput`: the gradient arriving in
    /// `backward` is then already zero where this block's output is, so the final ReLU's
    /// backward pass is skipped.
    public var gradientArrivesMasked = false

    private var inputShape: [Int] = []
    /// The block's output (kept for the final ReLU's backward): bn2's, which produces it for
    /// identity blocks, or `ownOutput`.
    private var output: Tensor?
    private var ownOutput: Tensor?
    private var gradSum: Tensor?

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1, rng: inout Xoshiro256) {
        precondition(stride == 1 && inChannels == outChannels
                     || (outChannels - inChannels) % 2 == 0 && outChannels >= inChannels,
                     "option-A shortcut needs an even channel increase")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, stride: stride, padding: 1, rng: &rng)
        bn1 = BatchNorm2d(outChannels, fusedReLU: true)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, stride: 1, padding: 1, rng: &rng)
        bn2 = BatchNorm2d(outChannels)
    }

    private var isIdentity: Bool { stride == 1 && inChannels == outChannels }

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        inputShape = x.shape
        let z = conv2.forward(bn1.forward(conv1.forward(x, context: context), context: context), context: context)
        if isIdentity {
            // bn2, the shortcut add and the ReLU in one pass (bn2's own output is never needed).
            let y = bn2.forward(z, residual: x, context: context)
            output = y
            return y
        }
        let h = bn2.forward(z, context: context)
        let y = Tensor.reuse(&ownOutput, shape: h.shape)
        output = y
        let (C, N, OH, OW) = (h.shape[0], h.shape[1], h.shape[2], h.shape[3])
        let (H, W) = (x.shape[2], x.shape[3])
        let (hp, xp, yp) = (h.pointer, x.pointer, y.pointer)
        let pad = (outChannels - inChannels) / 2
        let (s, inC) = (stride, inChannels)
        let parts = min(context.threads, C)
        parallelFor(parts) { part in
            for c in partition(C, part: part, parts: parts) {
                let hc = hp + c * N * OH * OW, yc = yp + c * N * OH * OW
                if c < pad || c >= pad + inC {
                    for i in 0..<(N * OH * OW) { yc[i] = max(hc[i], 0) }
                } else {
                    let xc = xp + (c - pad) * N * H * W
                    for n in 0..<N {
                        for oh in 0..<OH {
                            let src = xc + n * H * W + oh * s * W
                            let o = (n * OH + oh) * OW
                            for ow in 0..<OW { yc[o + ow] = max(hc[o + ow] + src[ow * s], 0) }
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        guard let y = output else { preconditionFailure("BasicBlock.backward before forward") }
        // d = dy masked by the final ReLU; it flows into both branches.
        let d: Tensor
        if gradientArrivesMasked {
            d = dy
        } else {
            d = Tensor.reuse(&gradSum, shape: y.shape)
            let (yp, dyp, dp) = (y.pointer, dy.pointer, d.pointer)
            parallelSlices(y.count, threads: context.threads) { r in
                maskByPositive(yp + r.lowerBound, dyp + r.lowerBound, into: dp + r.lowerBound, count: r.count)
            }
        }
        let dp = d.pointer
        let dz = bn1.backward(conv2.backward(bn2.backward(d, context: context), context: context), context: context)
        // Identity shortcut: its gradient d joins the branch's as conv1 stores ∂input.
        if isIdentity {
            return conv1.backward(dz, adding: d, maskByInput: masksGradientByInput, context: context)
        }
        // The option-A shortcut's gradient is added into conv1's ∂input in place (the buffer is
        // conv1's until its next backward, like any layer's returned gradient).
        let dx = conv1.backward(dz, context: context)
        let (N, OH, OW) = (y.shape[1], y.shape[2], y.shape[3])
        let (H, W) = (inputShape[2], inputShape[3])
        let dxp = dx.pointer
        let pad = (outChannels - inChannels) / 2
        let s = stride
        let inC = inChannels
        let channelParts = min(context.threads, inC)
        parallelFor(channelParts) { part in
            let mine = partition(inC, part: part, parts: channelParts)
            for c in (mine.lowerBound + pad)..<(mine.upperBound + pad) {
                let dc = dp + c * N * OH * OW, xc = dxp + (c - pad) * N * H * W
                for n in 0..<N {
                    for oh in 0..<OH {
                        let dst = xc + n * H * W + oh * s * W
                        let o = (n * OH + oh) * OW
                        for ow in 0..<OW { dst[ow * s] += dc[o + ow] }
                    }
                }
            }
        }
        return dx
    }

    public func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) {
        conv1.visitParameters(prefix: prefix + "conv1.", body)
        bn1.visitParameters(prefix: prefix + "bn1.", body)
        conv2.visitParameters(prefix: prefix + "conv2.", body)
        bn2.visitParameters(prefix: prefix + "bn2.", body)
    }

    public func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void) {
        conv1.visitBuffers(prefix: prefix + "conv1.", body)
        bn1.visitBuffers(prefix: prefix + "bn1.", body)
        conv2.visitBuffers(prefix: prefix + "conv2.", body)
        bn2.visitBuffers(prefix: prefix + "bn2.", body)
    }

    public func visitLayers(prefix: String, _ body: (String, Layer) -> Void) {
        body(String(prefix.dropLast()), self)
        conv1.visitLayers(prefix: prefix + "conv1.", body)
        bn1.visitLayers(prefix: prefix + "bn1.", body)
        conv2.visitLayers(prefix: prefix + "conv2.", body)
        bn2.visitLayers(prefix: prefix + "bn2.", body)
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        let (f1, s1) = conv1.forwardFLOPsPerImage(inputShape: inputShape)
        let (f2, s2) = conv2.forwardFLOPsPerImage(inputShape: s1)
        return (f1 + f2, s2)
    }
}
