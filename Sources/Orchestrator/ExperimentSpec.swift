import EntropyCoding
import ModelIO
import Plotting
import Quantization
import Training

/// One experiment, as written in `Experiments/<name>.yaml` and validated by ``SpecParser``.
///
/// A spec names where the weights come from (a model trained here on a dataset, or a pretrained
/// checkpoint), how they are trained or calibrated, and the sweep axes. ``SweepExpansion``
/// turns it into ``SweepPoint``s.
///
/// ```swift
/// let spec = try SpecParser.parse(contentsOf: URL(fileURLWithPath: "Experiments/quick.yaml"))
/// let points = SweepExpansion(spec: spec).points()
/// ```
public struct ExperimentSpec: Sendable, Equatable {
    /// The experiment's name; results go to `Results/<name>/`, plots to `Plots/<name>/`.
    public var name: String
    public var description: String
    public var source: WeightSource
    public var sweep: SweepAxes
    public var decoder: DecoderSettings
    public var outputs: OutputSettings

    public init(name: String, description: String = "", source: WeightSource, sweep: SweepAxes,
                decoder: DecoderSettings, outputs: OutputSettings) {
        self.name = name
        self.description = description
        self.source = source
        self.sweep = sweep
        self.decoder = decoder
        self.outputs = outputs
    }
}

/// Where the weights of every sweep point come from.
public enum WeightSource: Sendable, Equatable {
    /// Train a float baseline on `dataset`, then fine-tune it with entropy-regularized QAT per point.
    case train(TrainingSource)
    /// Calibrate (post-training quantize) a pretrained checkpoint per point.
    case pretrained(PretrainedSource)
}

/// A model trained here: the float baseline recipe and the fine-tuning recipe of each point.
public struct TrainingSource: Sendable, Equatable {
    public var dataset: DataCache.Dataset
    public var model: Architecture
    public var baseline: TrainingRecipe
    public var finetune: TrainingRecipe
    /// Precision-learning and regularizer options of the fine-tuning (entropy-regularized QAT).
    public var qat: QATSettings

    public init(dataset: DataCache.Dataset, model: Architecture, baseline: TrainingRecipe, finetune: TrainingRecipe,
                qat: QATSettings) {
        self.dataset = dataset
        self.model = model
        self.baseline = baseline
        self.finetune = finetune
        self.qat = qat
    }
}

/// Epochs, optimizer and schedule of one training phase, as the spec wrote them.
///
/// The numbers stay the spec's doubles (so the ``TrainingKey`` text is exactly what was
/// written); ``configuration(seed:threads:)`` is the one place they become Training's
/// ``TrainingConfiguration``, the type a ``Trainer`` runs.
public struct TrainingRecipe: Sendable, Equatable, Hashable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: TrainingConfiguration.OptimizerKind
    public var learningRate: Double
    public var schedule: LearningRateSchedule
    public var momentum: Double
    public var weightDecay: Double
    /// Random-crop augmentation with this padding (0 = off).
    public var cropPadding: Int
    /// Random horizontal flips (for Fashion-MNIST: clothes are mirror-symmetric, digits are not).
    public var horizontalFlip: Bool

    public init(epochs: Int, batchSize: Int = 128, optimizer: TrainingConfiguration.OptimizerKind = .sgd, learningRate: Double = 0.05,
                schedule: LearningRateSchedule = .cosine, momentum: Double = 0.9, weightDecay: Double = 5e-4,
                cropPadding: Int = 0, horizontalFlip: Bool = false) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.schedule = schedule
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    /// The training run of this recipe with `seed` on `threads` threads.
    public func configuration(seed: Int, threads: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration(epochs: epochs, learningRate: Float(learningRate))
        (c.batchSize, c.optimizer, c.schedule) = (batchSize, optimizer, schedule)
        (c.momentum, c.weightDecay) = (Float(momentum), Float(weightDecay))
        c.augmentation = Augmentation(padding: cropPadding, horizontalFlip: horizontalFlip)
        (c.seed, c.threads) = (UInt64(seed), threads)
        return c
    }
}

/// Options of entropy-regularized quantization-aware training that are not swept.
///
/// The training options themselves are Training's ``QATConfiguration`` (declared and documented
/// there, once): `settings.temperature` reads and writes `shared.temperature` by dynamic member
/// lookup, so a new QAT option needs no second declaration here. λ and the bin policy are the
/// point's; ``configuration(lambda:binPolicy:)`` completes the options for one point.
///
/// ```swift
/// var settings = QATSettings()
/// settings.lambdaWarmupEpochs = 0.5
/// let config = settings.configuration(lambda: 0.1, binPolicy: .learned)  // 15 initial bins
/// ```
@dynamicMemberLookup
public struct QATSettings: Sendable, Equatable, Hashable, CustomReflectable {
    /// Every option but λ and the bin policy (the placeholders in it are replaced per point).
    public var shared = QATConfiguration(lambda: 0, binPolicy: .learned)
    /// Storage of the tensors kept in float (biases, batch norm) in the exported model: `f16`
    /// (the default: half the bits, and the accuracy reported is measured on what is stored)
    /// or `f32`.
    public var floatDtype: TensorPolicy.FloatStorage = .float16
    /// Leave batch norm's `num_batches_tracked` counters out of the written `.sbw`
    /// (`qat.drop_training_state`; default false). It changes no weight, so it enters neither
    /// the ``TrainingKey`` nor, while false, the ``SpecFingerprint``: cached trainings serve it.
    public var dropTrainingState = false
    /// Front-code the tensor names of the written `.sbw` (`qat.compact_names`; default false:
    /// version 1 files, as before — ``SBWFile/NameCoding``). Like ``dropTrainingState`` it changes
    /// no weight: it enters neither the ``TrainingKey`` nor, while false, the ``SpecFingerprint``.
    public var compactNames = false
    /// μ of RDOQ as the export rounding after training (`qat.export_rdoq`, relative error;
    /// ``ExportRDOQ``); 0, the default, is nearest rounding. It changes the stored levels, so it
    /// enters the ``TrainingKey`` and the ``SpecFingerprint`` — only when set, so every key and
    /// fingerprint made before it stands.
    public var exportRDOQ: Double = 0

    public init() {}

    public subscript<Value>(dynamicMember path: WritableKeyPath<QATConfiguration, Value>) -> Value {
        get { shared[keyPath: path] }
        set { shared[keyPath: path] = newValue }
    }

    /// Reflection (``SpecFingerprint``) sees the options as one flat list — `qat.temperature`,
    /// not `qat.shared.temperature` — without the per-point placeholders λ and bin policy.
    public var customMirror: Mirror {
        // `initialBins` after the others, where it stood when it was declared here: the text stays.
        let options = Mirror(reflecting: shared).children.filter { !["lambda", "binPolicy", "initialBins"].contains($0.label ?? "") }
        var children: [Mirror.Child] = Array(options) + [("initialBins", shared.initialBins), ("floatDtype", floatDtype)]
        // Opt-in, so only when set: every fingerprint made before it stands.
        if dropTrainingState { children.append(("dropTrainingState", dropTrainingState)) }
        if compactNames { children.append(("compactNames", compactNames)) }
        if exportRDOQ != 0 { children.append(("exportRDOQ", exportRDOQ)) }
        return Mirror(self, children: children)
    }

    /// The complete training options of a point with this λ and bin policy.
    public func configuration(lambda: Double, binPolicy: BinPolicy) -> QATConfiguration {
        var config = shared
        (config.lambda, config.binPolicy) = (lambda, binPolicy)
        return config
    }
}

/// A pretrained checkpoint compressed after training (no retraining).
public struct PretrainedSource: Sendable, Equatable {
    /// A known model name (`mobilenet_v2`) resolved in the data cache, or a path to a `.safetensors`.
    public var model: String
    /// Calibration rule: `max-abs`, `mse` or `rd` (rate–distortion, swept by `rate_weight`).
    public var calibration: CalibrationRule

    public init(model: String, calibration: CalibrationRule) {
        self.model = model
        self.calibration = calibration
    }
}

/// How a pretrained checkpoint's quantization steps are chosen.
public enum CalibrationRule: String, Sendable, CaseIterable, Hashable {
    /// Step from the largest magnitude (no clipping).
    case maxAbs = "max-abs"
    /// Step minimising the squared error at the point's bin count.
    case mse
    /// Rate–distortion calibration: bins and step per layer minimise distortion + μ·rate (axis `rate_weight`).
    case rd
}

/// The decoder-hardware settings shared by every point.
public struct DecoderSettings: Sendable, Equatable {
    /// Path of the technology file, relative to the repository root.
    public var tech: String
    /// Weights per cycle the compute array consumes; a configuration "keeps up" when it decodes
    /// that many. The value of the `compute_weights_per_cycle` axis when the sweep does not name it.
    var computeWeightsPerCycle: Int
    /// Lane bit-buffer size in bits (nil: the decoder model's default, `max(2W, W + R)`).
    public var bufferBits: Int?

    public init(tech: String = "Experiments/tech/asic-22nm.yaml", computeWeightsPerCycle: Int = 8,
                bufferBits: Int? = nil) {
        self.tech = tech
        self.computeWeightsPerCycle = computeWeightsPerCycle
        self.bufferBits = bufferBits
    }
}

/// Which plots to render and in which formats (the spec's names are the enums' raw values).
public struct OutputSettings: Sendable, Equatable, CustomReflectable {
    public var plots: [PlotKind]
    public var formats: [PlotFormat]

    public init(plots: [PlotKind] = PlotKind.allCases, formats: [PlotFormat] = [.svg, .png]) {
        self.plots = plots
        self.formats = formats
    }

    /// The ``SpecFingerprint`` sees the names a spec writes, as it did when they were strings.
    public var customMirror: Mirror {
        Mirror(self, children: [("plots", plots.map(\.rawValue)), ("formats", formats.map(\.rawValue))])
    }
}
