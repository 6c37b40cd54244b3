/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// One update with base learning rate `learningRate` (times each parameter's `learningRateScale`).
    func step(learningRate: Float)
}

/// Stochastic gradient descent with momentum and L2 weight decay, PyTorch semantics:
/// `g = grad + wd·p`; `buf = μ·buf + g` (`buf = g` on the first step); `p −= lr·buf`
/// (Nesterov: `p −= lr·(g + μ·buf)`).
///
/// ```swift
/// let sgd = SGD(model.parameters, momentum: 0.9, weightDecay: 5e-4)
/// sgd.step(learningRate: 0.1)
/// ```
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public let momentum: Float
    public let weightDecay: Float
    public let nesterov: Bool
    private var buffers: [Tensor?]

    public init(_ parameters: [Parameter], momentum: Float = 0.9, weightDecay: Float = 0, nesterov: Bool = false) {
        self.parameters = parameters
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        buffers = Array(repeating: nil, count: parameters.count)
    }

    public func step(learningRate: Float) {
        for (i, p) in parameters.enumerated() {
            let n = p.value.count
            let (w, g) = (p.value.pointer, p.grad.pointer)
            let lr = learningRate * p.learningRateScale
            let wd = weightDecay * p.weightDecayScale
            if momentum == 0 {
                for j in 0..<n { w[j] -= lr * (g[j] + wd * w[j]) }
                continue
            }
            let first = buffers[i] == nil
            let buf = buffers[i] ?? Tensor(shape: p.value.shape)
            buffers[i] = buf
            let b = buf.pointer
            let mu = momentum
            for j in 0..<n {
                let d = g[j] + wd * w[j]
                let v = first ? d : mu * b[j] + d
                b[j] = v
                w[j] -= lr * (nesterov ? d + mu * v : v)
            }
        }
    }
}

/// Adam (Kingma & Ba) with PyTorch's L2-style weight decay (`g = grad + wd·p`) and bias correction.
///
/// ```swift
/// let adam = Adam(model.parameters)
/// adam.step(learningRate: 1e-3)
/// ```
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private var m: [Tensor], v: [Tensor]
    private var t = 0

    public init(_ parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
        m = parameters.map { Tensor(shape: $0.value.shape) }
        v = parameters.map { Tensor(shape: $0.value.shape) }
    }

    public func step(learningRate: Float) {
        t += 1
        let c1 = 1 - Float(Double(beta1).power(t)), c2 = 1 - Float(Double(beta2).power(t))
        for (i, p) in parameters.enumerated() {
            let n = p.value.count
            let (w, g, mp, vp) = (p.value.pointer, p.grad.pointer, m[i].pointer, v[i].pointer)
            let lr = learningRate * p.learningRateScale
            let wd = weightDecay * p.weightDecayScale
            let (b1, b2, eps) = (beta1, beta2, epsilon)
            let c2root = c2.squareRoot()
            for j in 0..<n {
                let d = g[j] + wd * w[j]
                mp[j] = b1 * mp[j] + (1 - b1) * d
                vp[j] = b2 * vp[j] + (1 - b2) * d * d
                // PyTorch: p −= lr/c1 · m / (√v/√c2 + eps)
                w[j] -= lr / c1 * mp[j] / (vp[j].squareRoot() / c2root + eps)
            }
        }
    }
}

extension Double {
    fileprivate func power(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<n { r *= self }
        return r
    }
}
