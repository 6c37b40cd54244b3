import Foundation

/// Mean softmax cross-entropy over a batch of logits `[N, classes]`, with its gradient.
///
/// ```swift
/// let loss = SoftmaxCrossEntropy()
/// let r = loss.evaluate(logits: logits, labels: labels)   // r.loss, r.correct
/// model.backward(loss.gradient)                             // ∂(mean loss)/∂logits
/// ```
public final class SoftmaxCrossEntropy {
    /// `∂loss/∂logits` from the latest `evaluate(…, computeGradient: true)`.
    public private(set) var gradient = Tensor(shape: [0])
    private var storage: Tensor?

    public init() {}

    /// Returns the mean loss and the number of correct argmax predictions.
    public func evaluate(logits: Tensor, labels: UnsafeBufferPointer<Int32>,
                         computeGradient: Bool = true) -> (loss: Double, correct: Int) {
        let (n, k) = (logits.shape[0], logits.shape[1])
        precondition(labels.count >= n, "need \(n) labels, got \(labels.count)")
        let g = Tensor.reuse(&storage, shape: [n, k])
        gradient = g
        let (lp, gp) = (logits.pointer, g.pointer)
        var total: Double = 0
        var correct = 0
        let scale = 1 / Float(n)
        for r in 0..<n {
            let row = lp + r * k, grow = gp + r * k
            var maxV = row[0], arg = 0
            for j in 1..<k where row[j] > maxV { maxV = row[j]; arg = j }
            var z: Float = 0
            for j in 0..<k { z += exp(row[j] - maxV) }
            let label = Int(labels[r])
            total += Double(log(z) - (row[label] - maxV))
            if arg == label { correct += 1 }
            if computeGradient {
                let invZ = 1 / z
                for j in 0..<k { grow[j] = exp(row[j] - maxV) * invZ * scale }
                grow[label] -= scale
            }
        }
        return (total / Double(n), correct)
    }
}
