import EntropyCoding
import ModelIO
import Quantization

/// How each layer's bin count is chosen: learned during quantization-aware training, or one
/// fixed odd count for every layer. It is the training's option and the value of a sweep's
/// `bin_policy` axis alike (post-training calibration's per-layer counts are ``LayerBins``).
///
/// ```swift
/// BinPolicy.fixed(7).description           // "fixed-7", as in results files
/// [.fixed(7), .learned].sorted()           // [.learned, .fixed(7)]
/// ```
public enum BinPolicy: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// Every layer starts at ``QATConfiguration/initialBins`` and learns its precision
    /// (FracBits-style continuous precision, rounded to an odd count at export).
    case learned
    /// Every layer keeps `N` bins (odd).
    case fixed(Int)

    /// `learned` or `fixed-N`: the spelling in results files.
    public var description: String {
        switch self {
        case .learned: return "learned"
        case .fixed(let n): return "fixed-\(n)"
        }
    }

    /// `learned` first, then fixed counts from the smallest.
    public static func < (a: BinPolicy, b: BinPolicy) -> Bool {
        switch (a, b) {
        case (.learned, .fixed): return true
        case (.fixed, .learned), (.learned, .learned): return false
        case (.fixed(let x), .fixed(let y)): return x < y
        }
    }
}

/// The options of entropy-regularized quantization-aware training (`loss = CE + λ·R`).
///
/// ```swift
/// var qat = QATConfiguration(lambda: 0.03, binPolicy: .learned)   // 15 initial bins
/// qat.initialBins = 31
/// qat.lambdaWarmupEpochs = 0.5
/// ```
public struct QATConfiguration: Sendable, Hashable {
    /// λ, the weight of the rate term `R` (bits per weight).
    public var lambda: Double
    public var binPolicy: BinPolicy
    /// Bins every layer starts from under the `learned` policy (odd).
    public var initialBins = 15
    /// Temperature τ of the soft-histogram entropy (squared bin units). Smaller is closer to the
    /// hard entropy — a weight at a bin centre leaks `e^(−1/τ)` of its mass to each neighbour, so
    /// an all-zero layer reads about 0.97 bit at τ = 0.5 but 0.11 at τ = 0.2 — and larger gives
    /// gradients to more weights; 0.2 measured best on LeNet-5 (see Experiments/README.md).
    public var temperature: Double = 0.2
    /// λ ramps linearly from 0 over this many epochs (0: full λ from the first step).
    public var lambdaWarmupEpochs: Double = 0
    /// Fixed bin counts for the first and last quantized layers (nil: follow the policy).
    public var firstLayerBins: Int?
    public var lastLayerBins: Int?
    /// Learning-rate multiplier of the steps relative to the weights.
    public var quantizerLearningRateScale: Float = 1
    /// Learning-rate multiplier of the precisions `k`. A precision moves in half-bin units, far
    /// coarser than a weight, so with Adam's unit-size steps it needs a larger rate to travel a
    /// few bins in a short fine-tuning.
    public var precisionLearningRateScale: Float = 20
    /// Charge each layer's tANS table description (``AlphabetCost``) in the rate (default off).
    public var alphabetRate: Bool = false
    /// Weight of the hardware decoder's table bits in the rate (``AlphabetCost``; 0: off).
    public var tableWeight: Double = 0
    /// The table log `R` at which ``alphabetRate`` and ``tableWeight`` cost a layer's tables: the
    /// training does not know the table logs the sweep codes with; 10 is the largest of
    /// `paper.yaml`'s LeNet-5 studies and ResNet-20's only one. 8…15: at least 256 slots, so any
    /// alphabet (≤ 255 bins) fits one table.
    public var rateTableLog: Int = 10

    /// The alphabet terms of the rate, or nil when neither is asked for.
    public var alphabetCost: AlphabetCost? {
        let cost = AlphabetCost(alphabetRate: alphabetRate, tableWeight: tableWeight, tableLog: rateTableLog)
        return cost.isActive ? cost : nil
    }

    public init(lambda: Double, binPolicy: BinPolicy) {
        self.lambda = lambda
        self.binPolicy = binPolicy
    }

    /// Throws a clear error for a bin count that is not odd in 1…255 or a negative λ or τ.
    public func validate() throws {
        var counts: [Int] = [firstLayerBins, lastLayerBins].compactMap { $0 }
        switch binPolicy {
        case .learned: counts.append(initialBins)
        case .fixed(let n): counts.append(n)
        }
        for n in counts where !BinCount.isValid(n) {
            throw QuantizationError.invalidBinCount(n)
        }
        guard lambda >= 0, lambda.isFinite else { throw QATError.invalidLambda(lambda) }
        guard lambdaWarmupEpochs >= 0, lambdaWarmupEpochs.isFinite else { throw QATError.invalidLambdaWarmup(lambdaWarmupEpochs) }
        guard temperature > 0, temperature.isFinite else { throw QATError.invalidTemperature(temperature) }
        guard tableWeight >= 0, tableWeight.isFinite else { throw QATError.invalidTableWeight(tableWeight) }
        guard (8...15).contains(rateTableLog) else { throw QATError.invalidRateTableLog(rateTableLog) }
    }
}

/// An invalid QAT option.
public enum QATError: Error, Equatable, CustomStringConvertible {
    case invalidLambda(Double)
    case invalidLambdaWarmup(Double)
    case invalidTemperature(Double)
    case invalidTableWeight(Double)
    case invalidRateTableLog(Int)
    case notPrepared

    public var description: String {
        switch self {
        case .invalidLambda(let l): return "λ = \(l) is invalid. Fix: use a finite λ ≥ 0 (e.g. --lambda 0.03)."
        case .invalidLambdaWarmup(let e): return "λ warm-up of \(e) epochs is invalid. Fix: use a finite number of epochs ≥ 0 (e.g. 0.5; 0 applies λ from the first step)."
        case .invalidTemperature(let t): return "temperature τ = \(t) is invalid. Fix: use a positive temperature (e.g. 0.5)."
        case .invalidTableWeight(let w): return "decoder table weight \(w) is invalid. Fix: use a finite weight ≥ 0 (e.g. 0.01; 0 turns the term off)."
        case .invalidRateTableLog(let r): return "rate table log \(r) is invalid. Fix: use 8…15 (a table of at least 256 slots holds any alphabet)."
        case .notPrepared: return "the model has no fake quantizers installed. Fix: call QuantizationAwareTraining.prepare first."
        }
    }
}

/// Entropy-regularized quantization-aware training: installs a ``FakeQuantizeTransform`` on every
/// convolution and linear layer (step initialized MSE-optimally for the starting bin count),
/// supplies the rate term as the trainer's ``Regularizer``, and exports the hard-quantized model.
///
/// ```swift
/// let qat = try QuantizationAwareTraining(model: model, configuration: config)
/// let trainer = Trainer(model: model, configuration: recipe)
/// trainer.regularizer = qat
/// trainer.train(on: trainSet)
/// let quantized = try qat.export()            // QuantizedModel: symbols, steps, bins, float tensors
/// ```
public final class QuantizationAwareTraining: Regularizer {
    public let model: Model
    public let configuration: QATConfiguration
    /// The quantized layers in model order, with their fake quantizers.
    public let layers: [(name: String, layer: WeightedLayer, transform: FakeQuantizeTransform)]
    private let rate: EntropyRegularizer
    /// `R` (soft, bits per weight) at the latest step.
    public private(set) var lastRate: Double = 0
    /// Samples of each layer's precision per epoch (``PrecisionTrace``), taken when
    /// ``traceSamplesPerEpoch`` > 0; observation only, it changes no training arithmetic.
    public private(set) var precisionTrace = PrecisionTrace()
    /// Precision samples per epoch (0, the default: none). 1 samples at every epoch boundary;
    /// ``export(floatStorage:)`` adds the end of training.
    public var traceSamplesPerEpoch = 0
    private var lastStep: TrainingStep?

    public init(model: Model, configuration: QATConfiguration) throws {
        try configuration.validate()
        self.model = model
        self.configuration = configuration
        let weighted = model.weightLayers()
        var installed: [(name: String, layer: WeightedLayer, transform: FakeQuantizeTransform)] = []
        for (index, entry) in weighted.enumerated() {
            var bins: Int
            var learns: Bool
            switch configuration.binPolicy {
            case .learned: (bins, learns) = (configuration.initialBins, true)
            case .fixed(let n): (bins, learns) = (n, false)
            }
            if index == 0, let n = configuration.firstLayerBins { (bins, learns) = (n, false) }
            if index == weighted.count - 1, let n = configuration.lastLayerBins { (bins, learns) = (n, false) }
            let weights = entry.layer.weight.value.toArray()
            let step = bins > 1 ? StepCalibration.mseOptimalStep(weights: weights, bins: bins)
                : StepCalibration.mseOptimalStep(weights: weights, bins: 3)
            let transform = FakeQuantizeTransform(step: step, bins: bins, learnsPrecision: learns)
            transform.step.learningRateScale = configuration.quantizerLearningRateScale
            transform.precision.learningRateScale = configuration.precisionLearningRateScale
            entry.layer.weightTransform = transform
            installed.append((entry.name, entry.layer, transform))
        }
        layers = installed
        rate = EntropyRegularizer(layers: installed.map { (weight: $0.layer.weight, transform: $0.transform) },
                                  temperature: configuration.temperature, alphabetCost: configuration.alphabetCost)
    }

    /// λ at a point of training, after the linear warm-up.
    public func lambda(at step: TrainingStep) -> Double {
        let warmup = configuration.lambdaWarmupEpochs
        guard warmup > 0 else { return configuration.lambda }
        let epochs = Double(step.epoch) + Double(step.batch) / Double(max(step.batches, 1))
        return configuration.lambda * min(1, epochs / warmup)
    }

    /// The trainer's hook: keeps steps and precisions in their domain, adds `λ·∂R` to the
    /// gradients and returns `λ·R`.
    public func lossAndAccumulateGradients(model: Model, step: TrainingStep) -> Double {
        for layer in layers { layer.transform.clampToDomain() }
        if traceSamplesPerEpoch > 0 {
            let every = max(1, step.batches / traceSamplesPerEpoch)
            if step.batch % every == 0 && step.batch / every < traceSamplesPerEpoch {
                precisionTrace.record(epochs: Double(step.epoch) + Double(step.batch) / Double(max(step.batches, 1)), layers: layers)
            }
            lastStep = step
        }
        let lambda = lambda(at: step)
        lastRate = rate.accumulateGradients(lambda: lambda)
        return lambda * lastRate
    }

    /// `R`, the soft entropy in bits per quantized weight, at the current parameters.
    public func softRate() -> Double { rate.rate() }

    /// The bin count each layer gets at export, in model order.
    public var exportedBins: [(name: String, bins: Int)] {
        layers.map { ($0.name, $0.transform.quantizer.exportedBins) }
    }

    /// Hard-quantizes the model: every quantized layer's weight becomes symbols with `N = 2·round(k)+1`
    /// bins and the learned step; every other tensor (biases, batch norm) is kept as float,
    /// stored as `floatStorage`; the quantizers' own parameters are not stored (they live in
    /// the quantizers). `.q8` stores them as 8-bit codes with a per-tensor offset and step
    /// (decoded as F32, see ``SBWAffine8``).
    ///
    /// Under the `learned` policy a layer whose weights never reach its outer levels is exported
    /// with the bins it uses, `N = 2·max|q| + 1` — the same weights, a smaller alphabet (and
    /// narrower symbols for the decoder); a layer of zeros gets one bin. Fixed policies keep `N`.
    public func export(floatStorage: TensorPolicy.FloatStorage = .float32) throws -> QuantizedModel {
        for layer in layers { layer.transform.clampToDomain() }
        if traceSamplesPerEpoch > 0, let last = lastStep,
           precisionTrace.samples.last.map({ $0.epochs < Double(last.epochs) }) ?? true {
            precisionTrace.record(epochs: Double(last.epochs), layers: layers)
        }
        let state = try Checkpoint.stateDict(model)
        var quantized: [QuantizedTensor] = []
        var weightNames = Set<String>()
        for entry in layers {
            let name = entry.name + ".weight"
            weightNames.insert(name)
            var q = try entry.transform.quantizer.exportedQuantizer()
            let weights = entry.layer.weight.value.toArray()
            var symbols = q.quantize(weights)
            if entry.transform.learnsPrecision {
                let used = symbols.reduce(0) { max($0, abs(Int($1) - q.maxLevel)) }
                if used < q.maxLevel {
                    q = try ZeroPointQuantizer(bins: 2 * used + 1, step: q.step)
                    symbols = q.quantize(weights)
                }
            }
            quantized.append(try QuantizedTensor(name: name, shape: entry.layer.weight.value.shape, quantizer: q,
                                                 symbols: symbols))
        }
        var kept: [KeptTensor] = []
        for name in state.names where !weightNames.contains(name) && !Self.isQuantizerParameter(name) {
            let data = state.tensors[name]!
            if data.dtype.isFloatingPoint {
                kept.append(try KeptTensor(name: name, data: data, storage: floatStorage))
            } else {
                kept.append(KeptTensor(name: name, data: data))
            }
        }
        return try QuantizedModel(quantized: quantized, kept: kept)
    }

    /// Whether a state-dict name belongs to a fake quantizer rather than to the network.
    public static func isQuantizerParameter(_ name: String) -> Bool {
        name.hasSuffix(".weight_step") || name.hasSuffix(".weight_precision")
    }
}

extension Model {
    /// Loads the weights of a (decoded) quantized model: dequantized weights and kept tensors,
    /// by name, refusing missing or mis-shaped tensors with the names that differ (a missing
    /// `num_batches_tracked` is fine: ``TensorPolicy/dropTrainingState`` leaves it out).
    public func load(_ quantized: QuantizedModel) throws {
        try Checkpoint.load(into: self, from: quantized.dequantized(), source: "quantized model", requireTrainingState: false)
    }
}
