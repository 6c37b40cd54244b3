import Training

/// The content address of a sweep point's trained (or calibrated) weights: a SHA-256 of everything
/// that changes them — source, recipes, λ, bin policy, μ, seed, the kernel family and the binary's
/// ``NumericsFingerprint`` (so a change of arithmetic never serves a stale training) — and of
/// nothing else (not the thread count or `--jobs`, which change no bit), so sweeping codec and
/// decoder axes never retrains.
///
/// ```swift
/// let key = TrainingKey(spec: spec, point: points[0])
/// print(key.hex.prefix(16), key.canonical)
/// ```
public struct TrainingKey: Sendable, Hashable, CustomStringConvertible {
    /// Bump when a change to quantization-aware training, calibration or export changes the weights
    /// it produces in a way the ``NumericsFingerprint`` probe cannot see (it sees most: every bit
    /// of a few steps of each model, of QAT, export and calibration). (3: range-extended rate gradient, trimmed learned bins, f16 float tensors;
    /// 4: row-chunked convolutions sum in a different order.)
    static let formatVersion = 4
    /// The same for float baseline training alone, versioned apart so that a change to the
    /// quantized path does not throw away the (expensive) float baselines. (3: row-chunked
    /// convolutions.)
    static let baselineFormatVersion = 3

    /// The text that was hashed, one `field=value` per line (kept beside cache entries, for humans).
    let canonical: String
    /// Lower-case hex SHA-256 of `canonical`.
    let hex: String

    public var description: String { String(hex.prefix(16)) }

    /// The key of `point`; `numerics` is this binary's fingerprint (another one only in tests).
    public init(spec: ExperimentSpec, point: SweepPoint, numerics: String = NumericsFingerprint.current) {
        var fields = ["format=\(TrainingKey.formatVersion)"] + TrainingKey.arithmeticFields(numerics: numerics)
        let isPretrained: Bool
        switch spec.source {
        case .train(let source):
            isPretrained = false
            fields += TrainingKey.sourceFields(source, kind: "train")
            fields += TrainingKey.fields(of: source.finetune, prefix: "finetune")
            let qat = source.qat
            fields += [
                "qat.temperature=\(CanonicalNumber.format(qat.temperature))",
                "qat.lambda_warmup_epochs=\(CanonicalNumber.format(qat.lambdaWarmupEpochs))",
                "qat.first_layer_bins=\(qat.firstLayerBins.map(String.init) ?? "policy")",
                "qat.last_layer_bins=\(qat.lastLayerBins.map(String.init) ?? "policy")",
                "qat.initial_bins=\(qat.initialBins)",
                "qat.float_dtype=\(qat.floatDtype.rawValue)",
            ]
            // Opt-in rate terms enter the key only when set, so every key made before them stands.
            if qat.alphabetRate { fields.append("qat.alphabet_rate=true") }
            if qat.tableWeight != 0 { fields.append("qat.table_weight=\(CanonicalNumber.format(qat.tableWeight))") }
            if qat.exportRDOQ != 0 { fields.append("qat.export_rdoq=\(CanonicalNumber.format(qat.exportRDOQ))") }
        case .pretrained(let source):
            isPretrained = true
            fields += ["kind=pretrained", "model=\(source.model)", "calibration=\(source.calibration.rawValue)"]
        }
        // The weight axes: those of this source alone first, then those of every source, each in
        // declaration order (λ or μ, then bin policy and seed).
        let weightAxes = SweepAxis.all.filter { $0.affectsWeights && $0.applicability.applies(pretrained: isPretrained) }
        let specific = weightAxes.filter(\.applicability.isSourceSpecific)
        for axis in specific + weightAxes.filter({ !$0.applicability.isSourceSpecific }) {
            fields.append("\(axis.name)=\(point.value(of: axis))")
        }
        canonical = fields.joined(separator: "\n") + "\n"
        hex = SHA256.hex(of: Array(canonical.utf8))
    }

    /// The key of the float baseline a trained point fine-tunes from (shared by all its λ and bin policies).
    public static func baseline(spec: ExperimentSpec, seed: Int,
                                numerics: String = NumericsFingerprint.current) -> TrainingKey? {
        guard case .train(let source) = spec.source else { return nil }
        var fields = ["format=\(TrainingKey.baselineFormatVersion)"] + arithmeticFields(numerics: numerics)
        fields += sourceFields(source, kind: "baseline")
        fields.append("seed=\(seed)")
        return TrainingKey(canonical: fields.joined(separator: "\n") + "\n")
    }

    private init(canonical: String) {
        self.canonical = canonical
        self.hex = SHA256.hex(of: Array(canonical.utf8))
    }

    /// What a trained source's baseline is made of: dataset, model, convolution algorithms, recipe.
    private static func sourceFields(_ source: TrainingSource, kind: String) -> [String] {
        ["kind=\(kind)", "dataset=\(source.dataset.rawValue)", "model=\(source.model.rawValue)"]
            + convolutionFields(model: source.model) + fields(of: source.baseline, prefix: "baseline")
    }

    /// The arithmetic that made the weights: the kernel family and the numerics fingerprint.
    static func arithmeticFields(numerics: String) -> [String] {
        ["kernels=\(KernelFamily.current)", "numerics=\(numerics)"]
    }

    /// `convolution=…` when the model's convolutions run with anything but im2col on this CPU
    /// (`Model.convolutionAlgorithms`): other algorithms sum in other orders, so their weights
    /// differ in the last bits and must not be served from an im2col cache entry, or the other
    /// way round on a CPU without AVX2. im2col-only models (MLP, LeNet-5) keep their keys.
    static func convolutionFields(model architecture: Architecture) -> [String] {
        guard let algorithms = nonIm2colAlgorithms[architecture], !algorithms.isEmpty else { return [] }
        return ["convolution=" + algorithms.map(\.rawValue).joined(separator: ",")]
    }

    /// Each zoo model's convolution algorithms other than im2col, found once by building the
    /// model (keys are made for every point, several times per run; ResNet-20 is 0.27 M weights to draw).
    private static let nonIm2colAlgorithms: [Architecture: [ConvolutionAlgorithm]] = Dictionary(
        uniqueKeysWithValues: Architecture.allCases.map { architecture in
            (architecture, ModelZoo.make(architecture, seed: 0).convolutionAlgorithms.filter { $0 != .im2col })
        })

    private static func fields(of recipe: TrainingRecipe, prefix: String) -> [String] {
        [
            "\(prefix).epochs=\(recipe.epochs)", "\(prefix).batch=\(recipe.batchSize)",
            "\(prefix).optimizer=\(recipe.optimizer.rawValue)", "\(prefix).lr=\(CanonicalNumber.format(recipe.learningRate))",
            "\(prefix).schedule=\(recipe.schedule.rawValue)", "\(prefix).momentum=\(CanonicalNumber.format(recipe.momentum))",
            "\(prefix).weight_decay=\(CanonicalNumber.format(recipe.weightDecay))",
            "\(prefix).crop_padding=\(recipe.cropPadding)", "\(prefix).flip=\(recipe.horizontalFlip)",
        ]
    }
}
