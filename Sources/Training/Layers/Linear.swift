/// A fully connected layer: `y = x · Wᵀ + b` on rows `[N, in]`, weight `[out, in]` (PyTorch layout).
///
/// ```swift
/// var rng = Xoshiro256(seed: 0)
/// let fc = Linear(784, 300, rng: &rng)
/// let y = fc.forward(Tensor(shape: [128, 784]), context: .init(training: true))   // [128, 300]
/// ```
public final class Linear: WeightedLayer {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var weightTransform: WeightTransform?
    /// Set to `false` for a first layer: `backward` then skips `∂L/∂input` and returns an empty tensor.
    public var needsInputGradient = true

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private var effective: Tensor?
    private var gradEffective: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout Xoshiro256) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(Tensor(shape: [outFeatures, inFeatures]))
        heNormal(weight.value, fanIn: inFeatures, rng: &rng)
        self.bias = bias ? Parameter(Tensor(shape: [outFeatures])) : nil
    }

    /// The weight the forward pass multiplies by: the transformed one when a transform is set.
    private func effectiveWeight(_ context: ExecutionContext) -> Tensor {
        guard let transform = weightTransform else { return weight.value }
        let e = Tensor.reuse(&effective, shape: weight.shape)
        transform.forward(weight: weight.value, into: e, context: context)
        return e
    }

    public func forward(_ x: Tensor, context: ExecutionContext) -> Tensor {
        let n = x.shape[0]
        precondition(x.count == n * inFeatures, "Linear(\(inFeatures)→\(outFeatures)) got input \(x.shape)")
        input = x
        let y = Tensor.reuse(&output, shape: [n, outFeatures])
        let w = effectiveWeight(context)
        let (inF, outF) = (inFeatures, outFeatures)
        let (xp, wp, yp) = (x.pointer, w.pointer, y.pointer)
        let bp = bias?.value.pointer
        forEachBlock(n, minimum: 16, threads: context.threads) { rows in
            let yr = yp + rows.lowerBound * outF
            if let bp {
                for r in 0..<rows.count { (yr + r * outF).update(from: bp, count: outF) }
            }
            BLAS.gemm(transA: false, transB: true, m: rows.count, n: outF, k: inF,
                      a: xp + rows.lowerBound * inF, lda: inF, b: wp, ldb: inF,
                      beta: bp == nil ? 0 : 1, c: yr, ldc: outF)
        }
        return y
    }

    public func backward(_ dy: Tensor, context: ExecutionContext) -> Tensor {
        guard let x = input else { preconditionFailure("Linear.backward before forward") }
        let n = x.shape[0]
        let (inF, outF) = (inFeatures, outFeatures)
        let w = weightTransform == nil ? weight.value : effective!
        let gw: Tensor
        if weightTransform != nil {
            gw = Tensor.reuse(&gradEffective, shape: weight.shape)
        } else {
            gw = weight.grad
        }
        let gwBeta: Float = weightTransform == nil ? 1 : 0
        let (xp, dyp, gwp, wp) = (x.pointer, dy.pointer, gw.pointer, w.pointer)
        // ∂W[o, :] = Σ_n dy[n, o] · x[n, :]: split over output rows, so no partial sums.
        forEachBlock(outF, minimum: 8, threads: context.threads) { rows in
            BLAS.gemm(transA: true, transB: false, m: rows.count, n: inF, k: n,
                      a: dyp + rows.lowerBound, lda: outF, b: xp, ldb: inF,
                      beta: gwBeta, c: gwp + rows.lowerBound * inF, ldc: inF)
        }
        if let transform = weightTransform {
            transform.backward(weight: weight.value, gradEffective: gw, gradWeight: weight.grad, context: context)
        }
        if let bias {
            let gb = bias.grad.pointer
            for r in 0..<n {
                let row = dyp + r * outF
                for o in 0..<outF { gb[o] += row[o] }
            }
        }
        guard needsInputGradient else { return Tensor.reuse(&gradInput, shape: [0]) }
        let dx = Tensor.reuse(&gradInput, shape: x.shape)
        let dxp = dx.pointer
        forEachBlock(n, minimum: 16, threads: context.threads) { rows in
            BLAS.gemm(transA: false, transB: false, m: rows.count, n: inF, k: outF,
                      a: dyp + rows.lowerBound * outF, lda: outF, b: wp, ldb: inF,
                      beta: 0, c: dxp + rows.lowerBound * inF, ldc: inF)
        }
        return dx
    }

    public func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        (2 * inFeatures * outFeatures, [outFeatures])
    }
}
