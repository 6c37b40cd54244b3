/// Max pooling (square window, no padding) over channel-major `[C, N, H, W]` maps.
/// The forward pass records each window's argmax, so backward is a scatter.
///
/// ```swift
/// let pool = MaxPool2d(kernelSize: 2)          // stride defaults to the kernel size
/// pool.forward(x, context: ctx).shape          // [C, N, H/2, W/2]
/// ```
public final class MaxPool2d: Layer {
    public let kernelSize: Int
    public let stride: Int
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var gradInput: Tensor?
    private var argmax: [Int32] = []

    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        precondition(x.shape.count == 4, "MaxPool2d expects [C, N, H, W], got \(x.shape)")
        inputShape = x.shape
        let (planes, H, W) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (k, s) = (kernelSize, stride)
        let OH = (H - k) / s + 1, OW = (W - k) / s + 1
        let y = Tensor.reuse(&output, shape: [x.shape[0], x.shape[1], OH, OW])
        if argmax.count < y.count { argmax = Array(repeating: 0, count: y.count) }
        let (xp, yp) = (x.pointer, y.pointer)
        let parts = min(context.threads, planes)
        argmax.withUnsafeMutableBufferPointer { am in
            let ap = am.baseAddress!
            parallelFor(parts) { part in
                for plane in partition(planes, part: part, parts: parts) {
                    let src = xp + plane * H * W
                    let dst = yp + plane * OH * OW, idx = ap + plane * OH * OW
                    if k == 2 && s == 2 {
                        // The common 2×2 / 2 window, unrolled (same first-max tie rule).
                        for oh in 0..<OH {
                            let r0 = 2 * oh * W, r1 = r0 + W
                            for ow in 0..<OW {
                                let c = 2 * ow
                                var best = src[r0 + c], at = r0 + c
                                if src[r0 + c + 1] > best { best = src[r0 + c + 1]; at = r0 + c + 1 }
                                if src[r1 + c] > best { best = src[r1 + c]; at = r1 + c }
                                if src[r1 + c + 1] > best { best = src[r1 + c + 1]; at = r1 + c + 1 }
                                dst[oh * OW + ow] = best
                                idx[oh * OW + ow] = Int32(truncatingIfNeeded: at)
                            }
                        }
                        continue
                    }
                    for oh in 0..<OH {
                        for ow in 0..<OW {
                            var best = -Float.infinity, at = 0
                            for kh in 0..<k {
                                let row = (oh * s + kh) * W + ow * s
                                for kw in 0..<k where src[row + kw] > best {
                                    best = src[row + kw]
                                    at = row + kw
                                }
                            }
                            dst[oh * OW + ow] = best
                            idx[oh * OW + ow] = Int32(truncatingIfNeeded: at)
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        let dx = Tensor.reuse(&gradInput, shape: inputShape)
        dx.fill(0)
        let planes = inputShape[0] * inputShape[1], planeSize = inputShape[2] * inputShape[3]
        let outPlane = dy.count / max(planes, 1)
        let (dyp, dxp) = (dy.pointer, dx.pointer)
        let parts = min(context.threads, planes)
        argmax.withUnsafeBufferPointer { am in
            let ap = am.baseAddress!
            parallelFor(parts) { part in
                for plane in partition(planes, part: part, parts: parts) {
                    let d = dxp + plane * planeSize, g = dyp + plane * outPlane, idx = ap + plane * outPlane
                    for o in 0..<outPlane { d[Int(idx[o])] += g[o] }
                }
            }
        }
        return dx
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        (0, [inputShape[0], (inputShape[1] - kernelSize) / stride + 1, (inputShape[2] - kernelSize) / stride + 1])
    }
}

/// Average pooling (square window, no padding) over channel-major `[C, N, H, W]` maps.
///
/// ```swift
/// AvgPool2d(kernelSize: 2).forward(x, context: ctx).shape   // [C, N, H/2, W/2]
/// ```
public final class AvgPool2d: Layer {
    public let kernelSize: Int
    public let stride: Int
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var gradInput: Tensor?

    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        precondition(x.shape.count == 4, "AvgPool2d expects [C, N, H, W], got \(x.shape)")
        inputShape = x.shape
        let (planes, H, W) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (k, s) = (kernelSize, stride)
        let OH = (H - k) / s + 1, OW = (W - k) / s + 1
        let y = Tensor.reuse(&output, shape: [x.shape[0], x.shape[1], OH, OW])
        let (xp, yp) = (x.pointer, y.pointer)
        let scale = 1 / Float(k * k)
        let parts = min(context.threads, planes)
        parallelFor(parts) { part in
            for plane in partition(planes, part: part, parts: parts) {
                let src = xp + plane * H * W, dst = yp + plane * OH * OW
                for oh in 0..<OH {
                    for ow in 0..<OW {
                        var acc: Float = 0
                        for kh in 0..<k {
                            let row = src + (oh * s + kh) * W + ow * s
                            for kw in 0..<k { acc += row[kw] }
                        }
                        dst[oh * OW + ow] = acc * scale
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        let dx = Tensor.reuse(&gradInput, shape: inputShape)
        dx.fill(0)
        let (planes, H, W) = (inputShape[0] * inputShape[1], inputShape[2], inputShape[3])
        let (k, s) = (kernelSize, stride)
        let OH = (H - k) / s + 1, OW = (W - k) / s + 1
        let (dyp, dxp) = (dy.pointer, dx.pointer)
        let scale = 1 / Float(k * k)
        let parts = min(context.threads, planes)
        parallelFor(parts) { part in
            for plane in partition(planes, part: part, parts: parts) {
                let g = dyp + plane * OH * OW, d = dxp + plane * H * W
                for oh in 0..<OH {
                    for ow in 0..<OW {
                        let v = g[oh * OW + ow] * scale
                        for kh in 0..<k {
                            let row = d + (oh * s + kh) * W + ow * s
                            for kw in 0..<k { row[kw] += v }
                        }
                    }
                }
            }
        }
        return dx
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        (0, [inputShape[0], (inputShape[1] - kernelSize) / stride + 1, (inputShape[2] - kernelSize) / stride + 1])
    }
}

/// Global average pooling: channel-major `[C, N, H, W]` → rows `[N, C]` for a linear head.
public final class GlobalAvgPool2d: Layer {
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var gradInput: Tensor?

    public init() {}

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        inputShape = x.shape
        let (C, N, S) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let y = Tensor.reuse(&output, shape: [N, C])
        let (xp, yp) = (x.pointer, y.pointer)
        let scale = 1 / Float(S)
        for c in 0..<C {
            for n in 0..<N { yp[n * C + c] = sum(xp + (c * N + n) * S, count: S) * scale }
        }
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        let dx = Tensor.reuse(&gradInput, shape: inputShape)
        let (C, N, S) = (inputShape[0], inputShape[1], inputShape[2] * inputShape[3])
        let (dyp, dxp) = (dy.pointer, dx.pointer)
        let scale = 1 / Float(S)
        for c in 0..<C {
            for n in 0..<N { (dxp + (c * N + n) * S).update(repeating: dyp[n * C + c] * scale, count: S) }
        }
        return dx
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        (0, [inputShape[0]])
    }
}

/// Channel-major `[C, N, H, W]` → rows `[N, C·H·W]` in PyTorch's `flatten(1)` order.
/// A 2-D `[N, F]` input passes through unchanged; `[1, N, H, W]` is a free reshape.
public final class Flatten: Layer {
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var gradInput: Tensor?

    public init() {}

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        inputShape = x.shape
        if x.shape.count == 2 { return x }
        let (C, N) = (x.shape[0], x.shape[1])
        let S = x.count / (C * N)
        let y = Tensor.reuse(&output, shape: [N, C * S])
        let (xp, yp) = (x.pointer, y.pointer)
        for c in 0..<C {
            for n in 0..<N { (yp + n * C * S + c * S).update(from: xp + (c * N + n) * S, count: S) }
        }
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        if inputShape.count == 2 { return dy }
        let dx = Tensor.reuse(&gradInput, shape: inputShape)
        let (C, N) = (inputShape[0], inputShape[1])
        let S = dx.count / (C * N)
        let (dyp, dxp) = (dy.pointer, dx.pointer)
        for c in 0..<C {
            for n in 0..<N { (dxp + (c * N + n) * S).update(from: dyp + n * C * S + c * S, count: S) }
        }
        return dx
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        (0, [inputShape.reduce(1, *)])
    }
}
