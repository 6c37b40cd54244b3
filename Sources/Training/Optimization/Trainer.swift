import Dispatch
import ModelIO

/// Everything that determines a training run.
///
/// ```swift
/// var config = TrainingConfiguration.recommended(for: .lenet5, dataset: .fashionMNIST)
/// config.epochs = 5
/// config.threads = 2
/// ```
public struct TrainingConfiguration: Sendable, Equatable {
    public enum OptimizerKind: String, Sendable, CaseIterable { case sgd, adam }

    public var epochs: Int
    public var batchSize: Int = 128
    public var learningRate: Float
    public var optimizer: OptimizerKind = .sgd
    /// SGD momentum (ignored by Adam).
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4
    public var schedule: LearningRateSchedule = .cosine
    public var augmentation: Augmentation = .none
    public var seed: UInt64 = 1
    public var threads: Int = 1

    public init(epochs: Int, learningRate: Float) {
        self.epochs = epochs
        self.learningRate = learningRate
    }

    /// The recipe this module's accuracy runs use: SGD + momentum 0.9 with a cosine schedule;
    /// random crops (±2 px) for ResNet-20, plus horizontal flips on Fashion-MNIST (clothes
    /// are mirror-symmetric, digits are not).
    public static func recommended(for architecture: Architecture, dataset: DataCacheDataset) -> TrainingConfiguration {
        switch architecture {
        case .mlp:
            var c = TrainingConfiguration(epochs: 10, learningRate: 0.05)
            c.weightDecay = 1e-4
            return c
        case .lenet5:
            var c = TrainingConfiguration(epochs: 10, learningRate: 0.05)
            if dataset == .fashionMNIST { c.augmentation = Augmentation(padding: 0, horizontalFlip: true) }
            return c
        case .resnet20:
            var c = TrainingConfiguration(epochs: 30, learningRate: 0.1)
            c.augmentation = Augmentation(padding: 2, horizontalFlip: dataset == .fashionMNIST)
            return c
        }
    }
}

/// Which dataset a recipe is for (`ModelIO.DataCache.Dataset`).
public typealias DataCacheDataset = DataCache.Dataset

/// A snapshot of a running epoch, for progress displays.
public struct TrainingProgress: Sendable {
    public var epoch: Int            // 0-based
    public var epochs: Int
    public var batch: Int            // batches done in this epoch
    public var batches: Int
    /// Mean loss and accuracy over this epoch's batches so far.
    public var loss: Double
    public var accuracy: Double
    public var learningRate: Float
    public var imagesPerSecond: Double
    /// Seconds since training started and estimated seconds left.
    public var elapsed: Double
    public var remaining: Double
}

/// One finished epoch.
public struct EpochSummary: Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    /// Test accuracy after the epoch (when a test set is given and `evaluateEveryEpoch`).
    public var testAccuracy: Double?
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// Where a training step is, for regularizers with schedules (warm-ups, temperatures).
public struct TrainingStep: Sendable {
    public var epoch: Int
    public var batch: Int
    public var batches: Int
    public var epochs: Int
    /// Fraction of all training done, in [0, 1).
    public var progress: Double { (Double(epoch) + Double(batch) / Double(max(batches, 1))) / Double(max(epochs, 1)) }
}

/// An extra loss term `R(θ)` added to the cross-entropy (e.g. `λ · bits per weight`).
///
/// Called once per step after the backward pass: return the term's value and *add* its
/// gradient into the `grad` of every parameter it depends on (weights, or the parameters of
/// installed `WeightTransform`s, found with `model.namedParameters()`).
///
/// ```swift
/// final class L1: Regularizer {
///     let strength: Float
///     init(_ s: Float) { strength = s }
///     func lossAndAccumulateGradients(model: Model, step: TrainingStep) -> Double {
///         var total = 0.0
///         for (_, layer) in model.weightLayers() {
///             let w = layer.weight
///             for i in 0..<w.value.count {
///                 total += Double(strength * abs(w.value[i]))
///                 w.grad[i] += strength * (w.value[i] > 0 ? 1 : -1)
///             }
///         }
///         return total
///     }
/// }
/// trainer.regularizer = L1(1e-5)
/// ```
public protocol Regularizer: AnyObject {
    func lossAndAccumulateGradients(model: Model, step: TrainingStep) -> Double
}

/// Mini-batch training of a `Model` with softmax cross-entropy, an optional `Regularizer`,
/// SGD or Adam and a learning-rate schedule. Deterministic: the same configuration gives
/// bit-identical weights on any thread count (`configuration.threads` only sets the speed) and
/// any machine of the same `KernelFamily`.
///
/// ```swift
/// let model = ModelZoo.make(.lenet5, seed: config.seed)
/// let trainer = Trainer(model: model, configuration: config)
/// trainer.onProgress = { print($0.loss) }
/// let epochs = trainer.train(on: trainSet, test: testSet)
/// ```
public final class Trainer {
    public let model: Model
    public let configuration: TrainingConfiguration
    public var regularizer: Regularizer?
    /// Called after every batch.
    public var onProgress: ((TrainingProgress) -> Void)?
    /// Called after every epoch.
    public var onEpochEnd: ((EpochSummary) -> Void)?
    /// Evaluate on the test set after every epoch (otherwise only after the last).
    public var evaluateEveryEpoch = false
    /// The optimizer, created from `model.parameters` at the first `train` call (so weight
    /// transforms installed before that are trained too).
    public private(set) var optimizer: Optimizer?

    public init(model: Model, configuration: TrainingConfiguration) {
        self.model = model
        self.configuration = configuration
    }

    private func makeOptimizer() -> Optimizer {
        let c = configuration
        switch c.optimizer {
        case .sgd: return SGD(model.parameters, momentum: c.momentum, weightDecay: c.weightDecay)
        case .adam: return Adam(model.parameters, weightDecay: c.weightDecay)
        }
    }

    /// Trains for `configuration.epochs` epochs; returns one summary per epoch.
    @discardableResult
    public func train(on trainSet: ImageDataset, test testSet: ImageDataset? = nil) -> [EpochSummary] {
        let c = configuration
        let optimizer = self.optimizer ?? makeOptimizer()
        self.optimizer = optimizer
        let loader = BatchLoader(dataset: trainSet, batchSize: c.batchSize, seed: c.seed, augmentation: c.augmentation)
        let context = ExecutionContext(training: true, threads: c.threads)
        let images = Tensor(shape: [c.batchSize, 1, trainSet.height, trainSet.width])
        var labels: [Int32] = []
        labels.reserveCapacity(c.batchSize)
        let loss = SoftmaxCrossEntropy()
        let batches = loader.batchCount
        let start = DispatchTime.now().uptimeNanoseconds
        var summaries: [EpochSummary] = []
        var imagesDone = 0
        for epoch in 0..<c.epochs {
            let epochStart = DispatchTime.now().uptimeNanoseconds
            let order = loader.order(epoch: epoch)
            var rng = loader.augmentationRNG(epoch: epoch)
            var lossSum = 0.0, correct = 0, seen = 0
            for b in 0..<batches {
                let range = loader.range(ofBatch: b)
                loader.fill(order[range], images: images, labels: &labels, rng: &rng)
                let lr = c.schedule.rate(base: c.learningRate, epoch: epoch, epochs: c.epochs,
                                         progressInEpoch: Double(b) / Double(batches))
                let logits = model.forward(images, context: context)
                let r = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0) }
                model.zeroGrad()
                model.backward(loss.gradient, context: context)
                var total = r.loss
                if let regularizer {
                    total += regularizer.lossAndAccumulateGradients(
                        model: model, step: TrainingStep(epoch: epoch, batch: b, batches: batches, epochs: c.epochs))
                }
                optimizer.step(learningRate: lr)
                lossSum += total * Double(range.count)
                correct += r.correct
                seen += range.count
                imagesDone += range.count
                if let onProgress {
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    let rate = Double(imagesDone) / max(elapsed, 1e-9)
                    let left = Double((c.epochs - epoch) * trainSet.count - seen)
                    onProgress(TrainingProgress(epoch: epoch, epochs: c.epochs, batch: b + 1, batches: batches,
                                                loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                                                learningRate: lr, imagesPerSecond: rate, elapsed: elapsed,
                                                remaining: left / rate))
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - epochStart) / 1e9
            var testAccuracy: Double?
            if let testSet, evaluateEveryEpoch || epoch == c.epochs - 1 {
                testAccuracy = Evaluation.run(model, on: testSet, threads: c.threads).accuracy
            }
            let summary = EpochSummary(epoch: epoch, trainLoss: lossSum / Double(max(seen, 1)),
                                       trainAccuracy: Double(correct) / Double(max(seen, 1)),
                                       testAccuracy: testAccuracy, seconds: seconds,
                                       imagesPerSecond: Double(seen) / seconds)
            summaries.append(summary)
            onEpochEnd?(summary)
        }
        return summaries
    }
}

/// Accuracy and mean loss of a model on a dataset, in inference mode (running batch-norm statistics).
///
/// ```swift
/// let r = Evaluation.run(model, on: testSet, threads: 2)
/// print(r.accuracy)   // e.g. 0.9123
/// ```
public enum Evaluation {
    public struct Result: Sendable {
        public var accuracy: Double
        public var loss: Double
        public var count: Int
    }

    public static func run(_ model: Model, on dataset: ImageDataset, threads: Int = 1, batchSize: Int = 500) -> Result {
        let loader = BatchLoader(dataset: dataset, batchSize: batchSize, seed: 0, shuffle: false)
        let context = ExecutionContext(training: false, threads: threads)
        let images = Tensor(shape: [batchSize, 1, dataset.height, dataset.width])
        var labels: [Int32] = []
        var rng = Xoshiro256(seed: 0)
        let loss = SoftmaxCrossEntropy()
        let order = loader.order(epoch: 0)
        var correct = 0, lossSum = 0.0
        for b in 0..<loader.batchCount {
            let range = loader.range(ofBatch: b)
            loader.fill(order[range], images: images, labels: &labels, rng: &rng)
            let logits = model.forward(images, context: context)
            let r = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0, computeGradient: false) }
            correct += r.correct
            lossSum += r.loss * Double(range.count)
        }
        return Result(accuracy: Double(correct) / Double(max(dataset.count, 1)),
                      loss: lossSum / Double(max(dataset.count, 1)), count: dataset.count)
    }
}
