import CKernels

/// A 2-D convolution (square kernel, stride, zero padding) on channel-major `[C, N, H, W]`
/// feature maps, weight `[out, in, k, k]` (PyTorch layout).
///
/// Each thread takes a fixed slice of the batch and walks it in chunks small enough that
/// the im2col matrix stays in cache: im2col, then one `sgemm` per chunk that writes its
/// columns of the output directly (`[out, N·OH·OW]` *is* the channel-major output). A
/// chunk is a run of whole images, or for stride-1 "same" convolutions a run of output
/// rows (`n·OH + oh`), so a chunk's size does not jump in whole-image steps (one 28×28×16
/// image is already 113 k floats of im2col). Chunks of 64 k…512 k floats measured alike.
/// Backward recomputes the chunk's im2col (cheaper than keeping a batch-sized copy in
/// memory), accumulates `∂W` per thread — summed in thread order afterwards, so results
/// are deterministic. For stride-1 "same" convolutions, `∂input` is itself a convolution
/// — of `∂output` with the spatially flipped, in/out-transposed kernel and padding
/// `k − 1 − p` — so it is an im2col of `∂output` plus one GEMM (inner dimension `out·k·k`)
/// that writes `∂input` directly, with no col2im scatter; strided convolutions use GEMM + col2im.
/// 1×1 stride-1 convolutions skip im2col entirely: the GEMMs read and write the feature
/// maps in place. 3×3 stride-1 padding-1 convolutions run on AVX2 kernels where the CPU has
/// them — as Winograd F(4, 3) along rows (the default `algorithm`; see
/// `RowWinogradConvolution`) or as a direct convolution (`DirectConvolution`) — or as
/// Winograd F(2×2, 3×3) over GEMMs (see `WinogradConvolution`).
///
/// ```swift
/// var rng = Xoshiro256(seed: 0)
/// let conv = Conv2d(1, 6, kernelSize: 5, padding: 2, rng: &rng)
/// let y = conv.forward(Tensor(shape: [1, 128, 28, 28]), context: .init(training: true))
/// y.shape   // [6, 128, 28, 28]
/// ```
public final class Conv2d: WeightedLayer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var weightTransform: WeightTransform?
    /// Set to `false` for a first layer: `backward` then skips `∂L/∂input` and returns an empty tensor.
    public var needsInputGradient = true
    /// Target size, in floats, of one chunk's per-thread working set: the im2col matrix, or
    /// Winograd's transformed tiles.
    public var chunkFloats = 1 << 17
    /// How the convolution is computed; see `ConvolutionAlgorithm`.
    public var algorithm = ConvolutionAlgorithm.rowWinograd

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private var effective: Tensor?
    private var gradEffective: Tensor?
    private var workspaces: [Tensor] = []
    private var workspacePointers: [UnsafeMutablePointer<Float>] = []
    private var partialGrads: [Tensor] = []
    private var partialPointers: [UnsafeMutablePointer<Float>] = []
    /// The flipped, transposed kernel `[in, out, k, k]` for the stride-1 input gradient.
    private var flippedWeight: Tensor?
    private var winograd: WinogradConvolution?
    private var direct: DirectConvolution?
    private var rowWinograd: RowWinogradConvolution?

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = false, rng: inout Xoshiro256) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = Parameter(Tensor(shape: [outChannels, inChannels, kernelSize, kernelSize]))
        heNormal(weight.value, fanIn: inChannels * kernelSize * kernelSize, rng: &rng)
        self.bias = bias ? Parameter(Tensor(shape: [outChannels])) : nil
    }

    private var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    /// Whether this convolution runs as Winograd F(2×2, 3×3): chosen by `algorithm`, and
    /// possible for 3×3, stride-1, padding-1 convolutions only.
    public var usesWinograd: Bool {
        algorithm == .winograd && kernelSize == 3 && stride == 1 && padding == 1
    }

    /// Whether this convolution runs as a direct 3×3 convolution (`DirectConvolution`): chosen
    /// by `algorithm`, and possible for 3×3, stride-1, padding-1 convolutions on a CPU with
    /// AVX2 + FMA whose output channels (and input channels, if `∂input` is needed) come in eights.
    public var usesDirect: Bool {
        algorithm == .direct && fastKernelsApply
    }

    /// Whether this convolution runs as Winograd F(4, 3) along rows (`RowWinogradConvolution`):
    /// chosen by `algorithm`, possible where `usesDirect` would be.
    public var usesRowWinograd: Bool {
        algorithm == .rowWinograd && fastKernelsApply
    }

    /// Whether the AVX2 kernels (direct or row Winograd) can run this convolution here.
    private var fastKernelsApply: Bool {
        DirectConvolution.supports(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
                                          stride: stride, padding: padding, needsInputGradient: needsInputGradient)
    }

    private var directEngine: DirectConvolution {
        let engine = direct ?? DirectConvolution(inChannels: inChannels, outChannels: outChannels)
        direct = engine
        engine.chunkFloats = chunkFloats
        return engine
    }

    private var rowWinogradEngine: RowWinogradConvolution {
        let engine = rowWinograd ?? RowWinogradConvolution(inChannels: inChannels, outChannels: outChannels)
        rowWinograd = engine
        engine.chunkFloats = chunkFloats
        return engine
    }

    private var winogradEngine: WinogradConvolution {
        let engine = winograd ?? WinogradConvolution(inChannels: inChannels, outChannels: outChannels)
        winograd = engine
        engine.chunkFloats = chunkFloats
        return engine
    }

    private func geometry(_ x: Tensor) -> ConvGeometry {
        precondition(x.shape.count == 4 && x.shape[0] == inChannels,
                     "Conv2d(\(inChannels)→\(outChannels)) expects [C=\(inChannels), N, H, W], got \(x.shape)")
        return ConvGeometry(channels: inChannels, batch: x.shape[1], height: x.shape[2], width: x.shape[3],
                            kernel: kernelSize, stride: stride, padding: padding)
    }

    /// The unit a thread's slice and its chunks are made of: an output row for "same"
    /// convolutions, else an image. Returns the units in the batch and output columns per unit.
    private func units(_ g: ConvGeometry) -> (count: Int, columns: Int) {
        g.isSame && !isPointwise ? (g.batch * g.outHeight, g.outWidth) : (g.batch, g.outHeight * g.outWidth)
    }

    private func unitsPerChunk(_ g: ConvGeometry) -> Int {
        max(1, chunkFloats / max(1, g.patchSize * units(g).columns))
    }

    /// im2col of the chunk `units` (see `units(_:)`: output rows of a "same" convolution, else images).
    @inline(__always)
    private func unfold(_ x: UnsafePointer<Float>, _ g: ConvGeometry, units: Range<Int>, into col: UnsafeMutablePointer<Float>) {
        if g.isSame {
            im2colSame(x, g, rows: units, into: col)
        } else {
            im2col(x, g, images: units.lowerBound, count: units.count, into: col)
        }
    }

    /// Whether `∂input` is computed as a convolution of `∂output`: for stride-1 "same"
    /// convolutions (2p = k − 1). With less padding the backward convolution would run over
    /// a zero border larger than the output (LeNet's conv2: 2× the FLOPs), so GEMM + col2im wins.
    private var usesTransposedBackward: Bool { stride == 1 && 2 * padding == kernelSize - 1 && !isPointwise }

    /// The geometry of that backward convolution over `∂output` `[out, N, OH, OW]`.
    private func transposedGeometry(_ g: ConvGeometry) -> ConvGeometry {
        ConvGeometry(channels: outChannels, batch: g.batch, height: g.outHeight, width: g.outWidth,
                     kernel: kernelSize, stride: 1, padding: kernelSize - 1 - padding)
    }

    /// One workspace per thread, each large enough for a chunk's im2col matrix (of the
    /// input, and of `∂output` for the transposed backward).
    private func prepareWorkspaces(_ g: ConvGeometry, threads: Int) {
        let (total, columns) = units(g)
        let chunkColumns = min(unitsPerChunk(g), total) * columns
        var floats = g.patchSize * chunkColumns
        // The transposed backward's output has the input's size, which for "same" convolutions is the output's.
        if usesTransposedBackward { floats = max(floats, transposedGeometry(g).patchSize * chunkColumns) }
        if workspaces.count < threads || workspaces.contains(where: { $0.capacity < floats }) {
            workspaces = (0..<threads).map { _ in Tensor(shape: [floats]) }
            workspacePointers = workspaces.map(\.pointer)
        }
    }

    private func effectiveWeight(_ context: ExecutionContext) -> Tensor {
        guard let transform = weightTransform else { return weight.value }
        let e = Tensor.reuse(&effective, shape: weight.shape)
        transform.forward(weight: weight.value, into: e, context: context)
        return e
    }

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        let g = geometry(x)
        input = x
        let (OH, OW) = (g.outHeight, g.outWidth)
        let y = Tensor.reuse(&output, shape: [outChannels, g.batch, OH, OW])
        let w = effectiveWeight(context)
        if usesDirect {
            directEngine.forward(x.pointer, weight: w.pointer, bias: bias?.value.pointer, into: y.pointer,
                                 batch: g.batch, height: g.height, width: g.width, threads: context.threads)
            return y
        }
        if usesRowWinograd {
            rowWinogradEngine.forward(x.pointer, weight: w.pointer, bias: bias?.value.pointer, into: y.pointer,
                                      batch: g.batch, height: g.height, width: g.width, threads: context.threads)
            return y
        }
        if usesWinograd {
            winogradEngine.forward(x.pointer, weight: w.pointer, bias: bias?.value.pointer, into: y.pointer,
                                   batch: g.batch, height: g.height, width: g.width, threads: context.threads)
            return y
        }
        let (unitCount, unitColumns) = units(g)
        let chunk = unitsPerChunk(g)
        // Chunks fixed by the shapes (not by the thread count), as in the backward pass.
        let groups = ReductionGroups(total: unitCount, chunk: chunk)
        let parts = groups.parts(threads: context.threads)
        if !isPointwise { prepareWorkspaces(g, threads: parts) }
        let K = g.patchSize, M = outChannels, outPlane = OH * OW, P = g.batch * outPlane
        let (xp, yp, wp) = (x.pointer, y.pointer, w.pointer)
        let bp = bias?.value.pointer
        let pointwise = isPointwise
        let spaces = workspacePointers
        groups.forEach(threads: parts) { part, _, mine in
            var u0 = mine.lowerBound
            while u0 < mine.upperBound {
                let count = min(chunk, mine.upperBound - u0)
                let cols = count * unitColumns, first = u0 * unitColumns
                let c = yp + first
                if let bp {
                    for o in 0..<M { (c + o * P).update(repeating: bp[o], count: cols) }
                }
                if pointwise {
                    BLAS.gemm(transA: false, transB: false, m: M, n: cols, k: K, a: wp, lda: K,
                              b: xp + first, ldb: P, beta: bp == nil ? 0 : 1, c: c, ldc: P)
                } else {
                    unfold(xp, g, units: u0..<(u0 + count), into: spaces[part])
                    BLAS.gemm(transA: false, transB: false, m: M, n: cols, k: K, a: wp, lda: K,
                              b: spaces[part], ldb: cols, beta: bp == nil ? 0 : 1, c: c, ldc: P)
                }
                u0 += count
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        backward(dy, adding: nil, context: context)
    }

    /// `backward`, returning `∂L/∂input + addend` (`addend` shaped like the input), zeroed where
    /// the input is ≤ 0 when `maskByInput`: a residual block's shortcut gradient joins its
    /// branch's here, and when the input is a ReLU's output that ReLU's backward is applied too.
    /// Row Winograd does both as it stores `∂input`, saving passes over the maps; the result is
    /// bit for bit that of `backward(dy)` followed by the separate steps.
    public func backward(_ dy: Tensor, adding addend: Tensor?, maskByInput: Bool = false,
                         context: ExecutionContext) -> Tensor {
        guard let x = input else { preconditionFailure("Conv2d.backward before forward") }
        if let addend {
            precondition(addend.shape == x.shape && needsInputGradient,
                         "Conv2d.backward: addend \(addend.shape) must match the input \(x.shape)")
        }
        let g = geometry(x)
        if usesRowWinograd { return engineBackward(x, dy, g, adding: addend, maskByInput: maskByInput, context: context) }
        let dx: Tensor
        if usesDirect || usesWinograd {
            dx = engineBackward(x, dy, g, adding: nil, maskByInput: false, context: context)
        } else {
            dx = im2colBackward(x, dy, g, context: context)
        }
        if let addend { dx.add(addend, context: context) }
        if maskByInput { dx.maskByPositive(x, context: context) }
        return dx
    }

    private func im2colBackward(_ x: Tensor, _ dy: Tensor, _ g: ConvGeometry, context: ExecutionContext) -> Tensor {
        let (OH, OW) = (g.outHeight, g.outWidth)
        let K = g.patchSize, M = outChannels, outPlane = OH * OW, P = g.batch * outPlane
        let (unitCount, unitColumns) = units(g)
        let chunk = unitsPerChunk(g)
        let groups = ReductionGroups(total: unitCount, chunk: chunk)
        let parts = groups.parts(threads: context.threads)
        if !isPointwise { prepareWorkspaces(g, threads: parts) }
        let partials = reservePartials(&partialGrads, &partialPointers, count: groups.count, floats: M * K)
        let w = forwardWeight
        let needsDx = needsInputGradient
        let dx = Tensor.reuse(&gradInput, shape: needsDx ? x.shape : [0])
        let pointwise = isPointwise
        let (xp, dyp, wp, dxp) = (x.pointer, dy.pointer, w.pointer, dx.pointer)
        let spaces = workspacePointers
        let planeSize = g.height * g.width
        let transposed = usesTransposedBackward
        let tg = transposedGeometry(g)
        var fwp = wp
        if transposed && needsDx {
            // W'[i, o, kh, kw] = W[o, i, k−1−kh, k−1−kw]
            let f = Tensor.reuse(&flippedWeight, shape: [inChannels, outChannels, kernelSize, kernelSize])
            let (k, ci, co) = (kernelSize, inChannels, outChannels)
            for o in 0..<co { for i in 0..<ci { for kh in 0..<k { for kw in 0..<k {
                f[((i * co + o) * k + kh) * k + kw] = wp[((o * ci + i) * k + (k - 1 - kh)) * k + (k - 1 - kw)]
            } } } }
            fwp = f.pointer
        }
        groups.forEach(threads: parts) { part, group, mine in
            let gw = partials[group]
            var beta: Float = 0
            var u0 = mine.lowerBound
            while u0 < mine.upperBound {
                let count = min(chunk, mine.upperBound - u0)
                let cols = count * unitColumns, first = u0 * unitColumns
                let dyc = dyp + first
                if pointwise {
                    BLAS.gemm(transA: false, transB: true, m: M, n: K, k: cols, a: dyc, lda: P,
                              b: xp + first, ldb: P, beta: beta, c: gw, ldc: K)
                    if needsDx {
                        BLAS.gemm(transA: true, transB: false, m: K, n: cols, k: M, a: wp, lda: K,
                                  b: dyc, ldb: P, beta: 0, c: dxp + first, ldc: P)
                    }
                } else {
                    let col = spaces[part]
                    unfold(xp, g, units: u0..<(u0 + count), into: col)
                    BLAS.gemm(transA: false, transB: true, m: M, n: K, k: cols, a: dyc, lda: P,
                              b: col, ldb: cols, beta: beta, c: gw, ldc: K)
                    if needsDx && transposed {
                        // ∂x = conv(∂y, flipped kernel): [in, out·k·k] × [out·k·k, cols]; a "same"
                        // convolution's input rows are its output rows, so the chunk is the same.
                        im2colSame(dyp, tg, rows: u0..<(u0 + count), into: col)
                        BLAS.gemm(transA: false, transB: false, m: g.channels, n: cols,
                                  k: tg.patchSize, a: fwp, lda: tg.patchSize, b: col, ldb: cols,
                                  beta: 0, c: dxp + first, ldc: g.batch * planeSize)
                    } else if needsDx {
                        BLAS.gemm(transA: true, transB: false, m: K, n: cols, k: M, a: wp, lda: K,
                                  b: dyc, ldb: P, beta: 0, c: col, ldc: cols)
                        if g.hasStride2Kernels {
                            subbit_col2im3x3s2(col, g.channels, count, g.height, g.width, dxp + u0 * planeSize,
                                               g.batch * planeSize)
                        } else {
                            for c in 0..<g.channels {
                                (dxp + (c * g.batch + u0) * planeSize).update(repeating: 0, count: count * planeSize)
                            }
                            col2im(col, g, images: u0, count: count, into: dxp)
                        }
                    }
                }
                beta = 1
                u0 += count
            }
        }
        let target = weightGradientTarget()
        addPartials(partials, groups: groups.count, length: M * K, into: target.pointer, threads: context.threads)
        finishWeightGradient(target, dy, g, context: context)
        return dx
    }

    /// Backward through `DirectConvolution`, `RowWinogradConvolution` or `WinogradConvolution`
    /// (whichever ran forward).
    private func engineBackward(_ x: Tensor, _ dy: Tensor, _ g: ConvGeometry, adding addend: Tensor?,
                                maskByInput: Bool, context: ExecutionContext) -> Tensor {
        let dx = Tensor.reuse(&gradInput, shape: needsInputGradient ? x.shape : [0])
        let target = weightGradientTarget()
        let dxp = needsInputGradient ? dx.pointer : nil
        if usesDirect {
            directEngine.backward(x.pointer, weight: forwardWeight.pointer, gradOutput: dy.pointer,
                                  gradWeight: target.pointer, gradInput: dxp,
                                  batch: g.batch, height: g.height, width: g.width, threads: context.threads)
        } else if usesRowWinograd {
            rowWinogradEngine.backward(x.pointer, weight: forwardWeight.pointer, gradOutput: dy.pointer,
                                       gradWeight: target.pointer, gradInput: dxp, adding: addend?.pointer,
                                       maskByInput: maskByInput, batch: g.batch, height: g.height, width: g.width,
                                       threads: context.threads)
        } else {
            winogradEngine.backward(x.pointer, gradOutput: dy.pointer, gradWeight: target.pointer, gradInput: dxp,
                                    batch: g.batch, height: g.height, width: g.width, threads: context.threads)
        }
        finishWeightGradient(target, dy, g, context: context)
        return dx
    }

    /// The weight the last `forward` multiplied by: the weight itself, or its transform's output.
    private var forwardWeight: Tensor { weightTransform == nil ? weight.value : effective! }

    /// Where `∂L/∂(weight used in forward)` accumulates: the weight's own gradient, or a zeroed
    /// buffer when a weight transform (fake quantization) sits in between.
    private func weightGradientTarget() -> Tensor {
        guard weightTransform != nil else { return weight.grad }
        let target = Tensor.reuse(&gradEffective, shape: weight.shape)
        target.fill(0)
        return target
    }

    /// Passes the effective-weight gradient through the weight transform, and accumulates `∂bias`.
    private func finishWeightGradient(_ target: Tensor, _ dy: Tensor, _ g: ConvGeometry, context: ExecutionContext) {
        if let transform = weightTransform {
            transform.backward(weight: weight.value, gradEffective: target, gradWeight: weight.grad, context: context)
        }
        if let bias {
            let gb = bias.grad.pointer, P = g.batch * g.outHeight * g.outWidth
            for o in 0..<outChannels { gb[o] += sum(dy.pointer + o * P, count: P) }
        }
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        let (h, w) = (inputShape[1], inputShape[2])
        let oh = (h + 2 * padding - kernelSize) / stride + 1
        let ow = (w + 2 * padding - kernelSize) / stride + 1
        return (2 * outChannels * inChannels * kernelSize * kernelSize * oh * ow, [outChannels, oh, ow])
    }
}

/// How `Conv2d` computes a convolution.
///
/// All are exact up to float rounding order, so the choice changes trained weights in their
/// last bits (the orchestrator's cache keys record it). On this project's reference machine
/// (2 Zen 3 cores, OpenBLAS, ResNet-20 at batch 128) `direct` trains about 20 % faster than
/// im2col and `rowWinograd` another 10–15 % faster than `direct`; Winograd F(2×2, 3×3) is
/// about 10 % faster than im2col on one thread but no faster on two: it does 2.25× fewer GEMM
/// FLOPs, but its 16 GEMMs per chunk have an inner dimension of only 16–64 channels and its
/// transformed tiles are 4× the feature map, so the saved arithmetic turns into memory traffic,
/// which two cores share. `subbit bench train --convolution …` measures them on a
/// given machine.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// im2col + GEMM (convolution as one matrix product per chunk).
    case im2col
    /// Winograd F(2×2, 3×3) where the shape allows it (3×3, stride 1, padding 1), else im2col.
    case winograd
    /// Direct convolution with AVX2 + FMA kernels where the shape and CPU allow it (3×3,
    /// stride 1, padding 1, channels in eights; see `DirectConvolution`), else im2col.
    case direct
    /// Winograd F(4, 3) along rows with direct vertical taps, on the same AVX2 kernels and
    /// where the same shapes and CPUs allow it as `direct` (else im2col): half the products of
    /// `direct` in forward, `∂input` and `∂W` (see `RowWinogradConvolution`).
    case rowWinograd = "row-winograd"
}
