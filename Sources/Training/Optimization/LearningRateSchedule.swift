import Foundation

/// The learning rate as a function of training progress.
///
/// ```swift
/// let s = LearningRateSchedule.cosine
/// s.rate(base: 0.1, epoch: 5, epochs: 10, progressInEpoch: 0.5)   // 0.1·½(1 + cos(π·5.5/10))
/// ```
public enum LearningRateSchedule: String, Sendable, CaseIterable {
    /// Constant rate.
    case constant
    /// Cosine annealing from `base` to 0, updated every batch (PyTorch `CosineAnnealingLR`, T_max = total steps).
    case cosine
    /// ×0.1 at 50 % and again at 75 % of the epochs (the ResNet recipe, `MultiStepLR`).
    case step

    /// The rate during `epoch` (0-based), `progressInEpoch` ∈ [0, 1) through it.
    public func rate(base: Float, epoch: Int, epochs: Int, progressInEpoch: Double) -> Float {
        switch self {
        case .constant:
            return base
        case .cosine:
            let t = (Double(epoch) + progressInEpoch) / Double(max(epochs, 1))
            return Float(Double(base) * 0.5 * (1 + cos(Double.pi * min(t, 1))))
        case .step:
            var rate = base
            if epoch >= epochs / 2 { rate *= 0.1 }
            if epoch >= (3 * epochs) / 4 { rate *= 0.1 }
            return rate
        }
    }
}
