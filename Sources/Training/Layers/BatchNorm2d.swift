import Foundation

/// Batch normalization over channel-major `[C, N, H, W]` maps, with PyTorch semantics:
/// training normalizes with the batch mean and biased variance and updates
/// `running = (1 − momentum)·running + momentum·batch` (unbiased variance); evaluation
/// uses the running statistics. Optionally fused with the ReLU that follows it, which
/// saves a pass over the activations in both directions.
///
/// ```swift
/// let bn = BatchNorm2d(16, fusedReLU: true)
/// let y = bn.forward(x, context: .init(training: true))
/// ```
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    /// `true`: the layer computes `relu(bn(x))`.
    public let fusedReLU: Bool
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Tensor
    public let runningVar: Tensor
    /// Batches seen in training (PyTorch's `num_batches_tracked`).
    public var numBatchesTracked: Int = 0

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    /// Per-channel mean and 1/σ used by the latest forward.
    private var mean: [Float]
    private var invStd: [Float]
    /// Per-channel `a = γ/σ`, `b = β − a·μ` of the latest forward (`y = a·x + b`): the fused
    /// ReLU's backward recomputes its mask from the input with them instead of reading the output.
    private let scale: Tensor
    private let shift: Tensor
    private var lastWasTraining = true

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, fusedReLU: Bool = false) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        self.fusedReLU = fusedReLU
        weight = Parameter(Tensor(shape: [channels], values: Array(repeating: 1, count: channels)))
        bias = Parameter(Tensor(shape: [channels]))
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels], values: Array(repeating: 1, count: channels))
        mean = Array(repeating: 0, count: channels)
        invStd = Array(repeating: 1, count: channels)
        scale = Tensor(shape: [channels])
        shift = Tensor(shape: [channels])
    }

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        forward(x, residual: nil, context: context)
    }

    /// `relu(bn(x) + residual)` in one pass — a residual block's last batch norm, its shortcut
    /// add and the block's ReLU — bit for bit what the three separate steps give, without
    /// writing `bn(x)` out and reading it back. Needs a layer without `fusedReLU`; its
    /// `backward` then takes the gradient already masked by that ReLU.
    public func forward(_ x: Tensor, residual: Tensor?, context: ExecutionContext) -> Tensor {
        precondition(x.shape.first == channels, "BatchNorm2d(\(channels)) got \(x.shape)")
        if let residual {
            precondition(residual.shape == x.shape && !fusedReLU,
                         "BatchNorm2d: residual \(residual.shape) must match \(x.shape), without fusedReLU")
        }
        input = x
        lastWasTraining = context.training
        let y = Tensor.reuse(&output, shape: x.shape)
        let m = x.count / channels
        let (xp, yp) = (x.pointer, y.pointer)
        let (gp, bp, rmp, rvp) = (weight.value.pointer, bias.value.pointer, runningMean.pointer, runningVar.pointer)
        let (training, eps, mom, relu, C) = (context.training, epsilon, momentum, fusedReLU, channels)
        let parts = min(context.threads, C)
        let rp = residual?.pointer
        let (scalep, shiftp) = (scale.pointer, shift.pointer)
        mean.withUnsafeMutableBufferPointer { meanBuf in
            invStd.withUnsafeMutableBufferPointer { invBuf in
                let (meanp, invp) = (meanBuf.baseAddress!, invBuf.baseAddress!)
                // Channels are independent: each thread takes the next one (see parallelForEach).
                parallelForEach(C, parts: parts) { _, c in
                    let xc = xp + c * m, yc = yp + c * m
                    let mu: Float, inv: Float
                    if training {
                        mu = sum(xc, count: m) / Float(m)
                        let v = sumSquaredDeviations(xc, count: m, around: mu) / Float(m)
                        inv = 1 / (v + eps).squareRoot()
                        rmp[c] = (1 - mom) * rmp[c] + mom * mu
                        rvp[c] = (1 - mom) * rvp[c] + mom * v * Float(m) / Float(max(m - 1, 1))
                    } else {
                        mu = rmp[c]
                        inv = 1 / (rvp[c] + eps).squareRoot()
                    }
                    meanp[c] = mu
                    invp[c] = inv
                    // y = a·x + b with a = γ/σ, b = β − a·μ.
                    let a = gp[c] * inv, b = bp[c] - gp[c] * inv * mu
                    scalep[c] = a
                    shiftp[c] = b
                    if let rp {
                        affineAdd(xc, rp + c * m, yc, count: m, scale: a, shift: b)
                    } else {
                        affine(xc, yc, count: m, scale: a, shift: b, relu: relu)
                    }
                }
            }
        }
        if context.training { numBatchesTracked += 1 }
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm2d.backward before forward") }
        let dx = Tensor.reuse(&gradInput, shape: x.shape)
        let m = x.count / channels
        let (xp, dyp, dxp) = (x.pointer, dy.pointer, dx.pointer)
        let (scalep, shiftp) = (scale.pointer, shift.pointer)
        let (gp, ggp, gbp) = (weight.value.pointer, weight.grad.pointer, bias.grad.pointer)
        let (relu, C, training) = (fusedReLU, channels, lastWasTraining)
        let parts = min(context.threads, C)
        mean.withUnsafeBufferPointer { meanBuf in
            invStd.withUnsafeBufferPointer { invBuf in
                let (meanp, invp) = (meanBuf.baseAddress!, invBuf.baseAddress!)
                // Channels are independent: each thread takes the next one (see parallelForEach).
                parallelForEach(C, parts: parts) { _, c in
                    let xc = xp + c * m, dyc = dyp + c * m, dxc = dxp + c * m
                    let mu = meanp[c], inv = invp[c]
                    // The fused ReLU passed dy where its output y = max(a·x + b, 0) was
                    // positive; a·x + b is recomputed exactly as forward computed it, which
                    // reads x (needed anyway) instead of y: one stream less in both passes.
                    let (a, b) = (scalep[c], shiftp[c])
                    let (av, bv) = (SIMD8<Float>(repeating: a), SIMD8<Float>(repeating: b))
                    // Σ dy' and Σ dy'·x̂, with dy' = dy masked by the fused ReLU.
                    var sumDy: Float = 0, sumDyX: Float = 0
                    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
                    let muv = SIMD8<Float>(repeating: mu), zero = SIMD8<Float>()
                    let (rx, rdy) = (UnsafeRawPointer(xc), UnsafeRawPointer(dyc))
                    var i = 0
                    while i + 8 <= m {
                        var d = rdy.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        if relu { d.replace(with: zero, where: av * xv + bv .<= zero) }
                        a0 += d
                        a1 += d * (xv - muv)
                        i += 8
                    }
                    sumDy = a0.sum(); sumDyX = a1.sum()
                    while i < m {
                        let d = (relu && a * xc[i] + b <= 0) ? 0 : dyc[i]
                        sumDy += d
                        sumDyX += d * (xc[i] - mu)
                        i += 1
                    }
                    sumDyX *= inv          // Σ dy'·x̂
                    ggp[c] += sumDyX
                    gbp[c] += sumDy
                    let gInv = gp[c] * inv
                    // Training: dx = γ/σ · (dy' − mean(dy') − x̂·mean(dy'·x̂)); eval: dx = γ/σ · dy'.
                    let k1 = training ? sumDy / Float(m) : 0
                    let k2 = training ? sumDyX / Float(m) * inv : 0
                    // dx = gInv·dy' − gInv·k1 − gInv·k2·(x − μ) = gInv·dy' + c0 + c1·x
                    let c1 = -gInv * k2, c0 = -gInv * k1 + gInv * k2 * mu
                    let (g8, c08, c18) = (SIMD8<Float>(repeating: gInv), SIMD8<Float>(repeating: c0),
                                          SIMD8<Float>(repeating: c1))
                    let rdx = UnsafeMutableRawPointer(dxc)
                    var j = 0
                    while j + 8 <= m {
                        var d = rdy.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                        let xv = rx.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                        if relu { d.replace(with: zero, where: av * xv + bv .<= zero) }
                        rdx.storeBytes(of: g8 * d + c08 + c18 * xv, toByteOffset: j * 4, as: SIMD8<Float>.self)
                        j += 8
                    }
                    while j < m {
                        let d = (relu && a * xc[j] + b <= 0) ? 0 : dyc[j]
                        dxc[j] = gInv * d + c0 + c1 * xc[j]
                        j += 1
                    }
                }
            }
        }
        return dx
    }

    public func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) {
        body(prefix + "weight", weight)
        body(prefix + "bias", bias)
    }

    public func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void) {
        body(prefix + "running_mean", runningMean)
        body(prefix + "running_var", runningVar)
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) { (0, inputShape) }
}

/// `y = max((a·x + b) + r, 0)`, eight lanes at a time: `affine` followed by `add(…, relu: true)`,
/// rounded the same way.
@inline(__always)
func affineAdd(_ x: UnsafePointer<Float>, _ r: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count m: Int,
               scale a: Float, shift b: Float) {
    let (av, bv, zero) = (SIMD8<Float>(repeating: a), SIMD8<Float>(repeating: b), SIMD8<Float>())
    let (rx, rr, ry) = (UnsafeRawPointer(x), UnsafeRawPointer(r), UnsafeMutableRawPointer(y))
    var i = 0
    while i + 8 <= m {
        let h = av * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + bv
        var v = h + rr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        v.replace(with: zero, where: v .< zero)
        ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < m {
        let h = a * x[i] + b
        y[i] = max(h + r[i], 0)
        i += 1
    }
}

/// `y = max(a·x + b, 0)` (or without the max), eight lanes at a time.
@inline(__always)
func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count m: Int,
            scale a: Float, shift b: Float, relu: Bool) {
    let (av, bv, zero) = (SIMD8<Float>(repeating: a), SIMD8<Float>(repeating: b), SIMD8<Float>())
    let (rx, ry) = (UnsafeRawPointer(x), UnsafeMutableRawPointer(y))
    var i = 0
    while i + 8 <= m {
        var v = av * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + bv
        if relu { v.replace(with: zero, where: v .< zero) }
        ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < m {
        let v = a * x[i] + b
        y[i] = relu ? max(v, 0) : v
        i += 1
    }
}
