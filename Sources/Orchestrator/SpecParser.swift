import DecoderHardware
import EntropyCoding
import Foundation
import ModelIO
import Quantization
import Training
import StrictYAML
import Yams

/// Reads and strictly validates an experiment spec (YAML).
///
/// Every problem — an unknown key (with a did-you-mean), a wrong type, an empty axis, an
/// out-of-range value, an unknown model or dataset — is one ``SpecError`` naming the file, the
/// line and the key. Nothing is written while parsing.
///
/// ```swift
/// let spec = try SpecParser.parse(contentsOf: URL(fileURLWithPath: "Experiments/quick.yaml"))
/// print(spec.name, spec.sweep.lambda)
/// ```
public enum SpecParser {
    /// Pretrained checkpoints known to the data cache (any `.safetensors` path is accepted too).
    static let pretrainedModels = ["mobilenet_v2"]
    /// The spec an error sends a user to when theirs is empty or cannot be read.
    static let example = "Experiments/quick.yaml"

    /// Parses the spec at `url`; `displayPath` is how the file is named in errors.
    public static func parse(contentsOf url: URL, displayPath: String? = nil, options: Options = Options()) throws -> ExperimentSpec {
        let shown = displayPath ?? url.path
        let text = try YAMLDocument.readText(url, shown: shown, example: example)
        let defaultName = url.deletingPathExtension().lastPathComponent
        return try parse(yaml: text, file: shown, defaultName: defaultName, options: options)
    }

    /// Parses spec text; `file` names it in errors and `defaultName` is the experiment name if the spec has none.
    public static func parse(yaml: String, file: String, defaultName: String, options: Options = Options()) throws -> ExperimentSpec {
        let top = try YAMLMapping(try YAMLDocument.compose(yaml: yaml, file: file, example: example), path: "", file: file)
        return try SpecReader(file: file, options: options).read(top, defaultName: defaultName)
    }
}

/// Walks a spec mapping section by section: the top level of an ordinary spec, or one study of a
/// multi-study spec (see ``PaperSpecParser``), whose keys are the same but for `name`.
struct SpecReader {
    let file: String
    var options = SpecParser.Options()

    /// The keys of a spec besides its name.
    static let bodyKeys = ["description", "dataset", "model", "pretrained", "calibration",
                           "baseline", "finetune", "qat", "sweep", "decoder", "outputs"]

    func read(_ top: YAMLMapping, defaultName: String) throws -> ExperimentSpec {
        try top.allowOnly(["experiment"] + Self.bodyKeys)
        let name = try top.string("experiment", default: defaultName)
        try Self.checkFolderName(name, key: "experiment", in: top)
        return try readBody(top, name: name)
    }

    /// One study of a multi-study spec: a required `name` and the keys of an ordinary spec.
    func readStudy(_ map: YAMLMapping) throws -> ExperimentSpec {
        try map.allowOnly(["name"] + Self.bodyKeys)
        guard map.node("name") != nil else { throw map.missing("name", hint: "fmnist-lenet5") }
        let name = try map.string("name")
        try Self.checkFolderName(name, key: "name", in: map)
        return try readBody(map, name: name)
    }

    /// A name that becomes a results folder: letters, digits, '-', '_', '.'.
    static func checkFolderName(_ name: String, key: String, in map: YAMLMapping) throws {
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", options: .regularExpression) != nil else {
            throw map.error(key, map.node(key)!,
                            "'\(name)' cannot name a results folder. Fix: use letters, digits, '-', '_' or '.'.")
        }
    }

    private func readBody(_ top: YAMLMapping, name: String) throws -> ExperimentSpec {
        let description = try top.string("description", default: "")
        let source = try readSource(top)
        var sweep = try readSweep(top, source: source)
        let decoder = try readDecoder(top)
        try reconcile(&sweep, with: decoder, top)
        let outputs = try readOutputs(top)
        return ExperimentSpec(name: name, description: description, source: source, sweep: sweep,
                              decoder: decoder.settings, outputs: outputs)
    }

    private func readSource(_ top: YAMLMapping) throws -> WeightSource {
        if let pretrainedNode = top.node("pretrained") {
            for key in ["dataset", "model", "baseline", "finetune", "qat"] where top.node(key) != nil {
                throw top.error(key, top.node(key)!,
                                "`\(key)` belongs to trained models, not to `pretrained`. Fix: remove one of the two.")
            }
            let model = try YAMLMapping.string(pretrainedNode, key: "pretrained", in: nil, mapping: top)
            if !SpecParser.pretrainedModels.contains(model) && !model.hasSuffix(".safetensors") {
                var message = "unknown pretrained model '\(model)'."
                if let guess = DidYouMean.suggestion(for: model, among: SpecParser.pretrainedModels) {
                    message += " Did you mean '\(guess)'?"
                }
                message += " Fix: use \(SpecParser.pretrainedModels.joined(separator: ", ")) or a path to a .safetensors file."
                throw top.error("pretrained", pretrainedNode, message)
            }
            if model.hasSuffix(".safetensors") {
                try checkFile(model, key: "pretrained", in: top, what: "pretrained checkpoint",
                              fix: "give the path of an existing .safetensors file (relative to the working directory), or use \(SpecParser.pretrainedModels.joined(separator: ", ")).")
            }
            let calibration: CalibrationRule = try top.choice("calibration", default: .rd)
            return .pretrained(PretrainedSource(model: model, calibration: calibration))
        }
        if top.node("calibration") != nil {
            throw top.error("calibration", top.node("calibration")!,
                            "`calibration` applies to `pretrained` models only. Fix: remove it, or add `pretrained:`.")
        }
        let dataset: DataCache.Dataset = try top.choice("dataset")
        let model: Architecture = try top.choice("model")
        guard let baselineMap = try top.mapping("baseline") else {
            throw top.missing("baseline", hint: "{epochs: 10}")
        }
        let baseline = try readRecipe(baselineMap, defaults: TrainingRecipe(epochs: 10))
        let finetuneDefaults = TrainingRecipe(epochs: 3, optimizer: .adam, learningRate: 1e-3,
                                              schedule: .cosine, weightDecay: 0)
        let finetune = try top.mapping("finetune").map { try readRecipe($0, defaults: finetuneDefaults) }
            ?? finetuneDefaults
        let qat = try top.mapping("qat").map(readQAT) ?? QATSettings()
        return .train(TrainingSource(dataset: dataset, model: model, baseline: baseline, finetune: finetune, qat: qat))
    }

    private func readRecipe(_ map: YAMLMapping, defaults: TrainingRecipe) throws -> TrainingRecipe {
        try map.allowOnly(["epochs", "batch", "optimizer", "lr", "schedule", "momentum", "weight_decay", "crop_padding", "flip"])
        return TrainingRecipe(
            epochs: try map.int("epochs", default: defaults.epochs, range: 0...1000),
            batchSize: try map.int("batch", default: defaults.batchSize, range: 1...65536),
            optimizer: try map.choice("optimizer", default: defaults.optimizer),
            learningRate: try map.double("lr", default: defaults.learningRate, range: 1e-9...10),
            schedule: try map.choice("schedule", default: defaults.schedule),
            momentum: try map.double("momentum", default: defaults.momentum, range: 0...0.9999),
            weightDecay: try map.double("weight_decay", default: defaults.weightDecay, range: 0...1),
            cropPadding: try map.int("crop_padding", default: defaults.cropPadding, range: 0...8),
            horizontalFlip: try map.bool("flip", default: defaults.horizontalFlip))
    }

    private func readQAT(_ map: YAMLMapping) throws -> QATSettings {
        try map.allowOnly(["temperature", "lambda_warmup_epochs", "first_layer_bins", "last_layer_bins", "initial_bins", "float_dtype",
                           "alphabet_rate", "table_weight", "drop_training_state", "compact_names", "export_rdoq"])
        var settings = QATSettings()
        settings.temperature = try map.double("temperature", default: settings.temperature, range: 1e-4...100)
        settings.lambdaWarmupEpochs = try map.double("lambda_warmup_epochs", default: settings.lambdaWarmupEpochs, range: 0...1000)
        settings.firstLayerBins = try map.optionalInt("first_layer_bins", range: SpecLimits.bins)
        settings.lastLayerBins = try map.optionalInt("last_layer_bins", range: SpecLimits.bins)
        settings.initialBins = try map.int("initial_bins", default: settings.initialBins, range: SpecLimits.bins)
        settings.floatDtype = try map.choice("float_dtype", default: settings.floatDtype)
        settings.alphabetRate = try map.bool("alphabet_rate", default: settings.alphabetRate)
        settings.tableWeight = try map.double("table_weight", default: settings.tableWeight, range: 0...1000)
        settings.dropTrainingState = try map.bool("drop_training_state", default: settings.dropTrainingState)
        settings.compactNames = try map.bool("compact_names", default: settings.compactNames)
        settings.exportRDOQ = try map.double("export_rdoq", default: settings.exportRDOQ, range: 0...1000)
        for key in ["first_layer_bins", "last_layer_bins", "initial_bins"] {
            if let node = map.node(key), let n = Int(node.string ?? ""), n % 2 == 0 {
                throw map.error(key, node, "\(n) bins is even; zero-point quantization needs an odd count. Fix: use \(n - 1) or \(n + 1).")
            }
        }
        return settings
    }

    private func readSweep(_ top: YAMLMapping, source: WeightSource) throws -> SweepAxes {
        guard let map = try top.mapping("sweep") else {
            throw top.missing("sweep", hint: "{lambda: [0, 0.01]}")
        }
        guard !map.entries.isEmpty else {
            throw top.error("sweep", top.node("sweep")!, "the sweep is empty, so it would run one default point. "
                + "Fix: list at least one axis, e.g. `sweep: {lambda: [0, 0.01]}`.")
        }
        try map.allowOnly(SweepAxis.all.map(\.name) + ["zip", "seeds"])
        let isPretrained: Bool
        if case .pretrained = source { isPretrained = true } else { isPretrained = false }
        var axes = SweepAxes()
        for axis in SweepAxis.all {
            switch axis.applicability {
            case .trained(let refusal) where isPretrained, .pretrained(let refusal) where !isPretrained:
                if let node = map.node(axis.name) { throw map.error(axis.name, node, refusal) }
            default: break
            }
            try axis.read(map, isPretrained, &axes)
        }
        if isPretrained && map.node("rate_weight") != nil && map.node("bin_policy") != nil {
            // μ chooses the bins per layer; a fixed policy on top would be silently ignored.
            throw map.error("bin_policy", map.node("bin_policy")!,
                            "with `rate_weight` the rate–distortion calibration picks each layer's bins. Fix: sweep one of `rate_weight` or `bin_policy`.")
        }
        axes.zip = try readZip(map, axes: axes)
        // A repeated value would run the same point twice — except inside a zip group, where a
        // value may repeat as long as each combination of the group's values is new (that is how
        // `lambda: [0, 0.1, 0]` zipped with `bin_policy: [learned, learned, 7]` adds one fixed point).
        let zipped = Set(axes.zip.joined())
        for axis in SweepAxis.all where !zipped.contains(axis) {
            try rejectDuplicates([axis], axes, map)
        }
        for group in axes.zip {
            try rejectDuplicates(group, axes, map)
        }
        for axis in SweepAxis.all {
            if let problem = axis.conflict(axes) { throw map.error(axis.name, map.node(axis.name) ?? top.node("sweep")!, problem) }
        }
        try checkTableLogs(axes, map)
        try checkSize(axes, top)
        return axes
    }

    /// Settles what the sweep and the decoder settings both speak of: the compute rate (a sweep
    /// axis, or else the decoder's single value — not both) and the lane buffer (it must hold a
    /// port word plus a symbol's bits at every swept W and R).
    private func reconcile(_ axes: inout SweepAxes, with decoder: (settings: DecoderSettings, isComputeSet: Bool), _ top: YAMLMapping) throws {
        let map = try top.mapping("sweep")!
        if let node = map.node(SweepAxis.computeWeightsPerCycle.name) {
            if decoder.isComputeSet {
                throw map.error(SweepAxis.computeWeightsPerCycle.name, node,
                                "the compute rate is set twice, here and as `decoder.compute_weights_per_cycle`. Fix: keep one — the sweep axis to sweep it.")
            }
        } else {
            axes.computeWeightsPerCycle = [decoder.settings.computeWeightsPerCycle]
        }
        if let buffer = decoder.settings.bufferBits {
            let (port, tableLog) = (axes.portBits.max()!, axes.tableLog.max()!)
            if buffer < port + tableLog, let decoderMap = try top.mapping("decoder"), let node = decoderMap.node("buffer_bits") {
                throw decoderMap.error("buffer_bits", node, "a \(buffer)-bit lane buffer cannot hold a \(port)-bit port word plus the \(tableLog) bits a symbol may still need. "
                    + "Fix: use buffer_bits ≥ \(port + tableLog), or remove it for the model's default (max(2W, W + R)).")
            }
        }
    }

    /// The seeds axis: `seed: [1, 2, 3]` (a list), or `seeds: 3` (seeds 1 … 3) or `seeds: [4, 9]`.
    static func readSeeds(_ map: YAMLMapping, _ name: String, default value: [Int],
                          _ element: @escaping (Node, String) throws -> Int) throws -> [Int] {
        guard let node = map.node("seeds") else { return try map.list(name, default: value, element) }
        if map.node(name) != nil {
            throw map.error("seeds", node, "`seed` and `seeds` both set. Fix: keep one — `seeds: 3` for seeds 1…3, or a list under either key.")
        }
        if case .scalar = node {
            let n = try YAMLMapping.int(node, key: "seeds", range: 1...1000, mapping: map)
            return Array(1...n)
        }
        return try map.list("seeds", default: value, element)
    }

    static func binPolicy(_ node: Node, key: String, mapping: YAMLMapping, allowLearned: Bool) throws -> BinPolicy {
        guard case .scalar(let scalar) = node else {
            throw mapping.error(key, node, "expected `learned` or an odd bin count, found \(YAMLMapping.kind(of: node)).")
        }
        let text = scalar.string
        if text == "learned" {
            guard allowLearned else {
                throw mapping.error(key, node, "`learned` precision needs training; a pretrained model is calibrated. Fix: use a fixed odd bin count.")
            }
            return .learned
        }
        let digits = text.hasPrefix("fixed-") ? String(text.dropFirst(6)) : text
        guard let n = Int(digits) else {
            throw mapping.error(key, node, "unknown bin policy '\(text)'. Fix: use `learned` or an odd bin count such as 3, 7, 15 (or `fixed-7`).")
        }
        guard SpecLimits.bins.contains(n) else {
            throw mapping.error(key, node, "\(n) bins is out of range. Fix: use an odd count from \(SpecLimits.bins.lowerBound) to \(SpecLimits.bins.upperBound).")
        }
        guard n % 2 == 1 else {
            throw mapping.error(key, node, "\(n) bins is even; zero-point quantization needs an odd count. Fix: use \(n - 1) or \(n + 1).")
        }
        return .fixed(n)
    }

    /// Rejects a repeated combination of the `group`'s values (one axis: a repeated value).
    private func rejectDuplicates(_ group: [SweepAxis], _ axes: SweepAxes, _ map: YAMLMapping) throws {
        let columns = group.map { $0.spelledValues(axes) }
        var seen = Set<[String]>()
        for i in 0..<(columns.first?.count ?? 0) {
            let combination = columns.map { $0[i] }
            guard seen.insert(combination).inserted else {
                // Point at the first axis of the group that the spec spells out (`seeds` spells `seed`).
                func spelled(_ axis: SweepAxis) -> (key: String, node: Node)? {
                    if let node = map.node(axis.name) { return (axis.name, node) }
                    if axis == .seed, let node = map.node("seeds") { return ("seeds", node) }
                    return nil
                }
                let shown = group.count == 1
                    ? "the value \(combination[0]) appears twice"
                    : "the combination (" + zip(group, combination).map { "\($0.name) \($1)" }.joined(separator: ", ") + ") appears twice in a zip group"
                guard let place = group.lazy.compactMap(spelled).first ?? map.node("zip").map({ ("zip", $0) }) else {
                    preconditionFailure("a repeated value of an axis the spec does not spell out")
                }
                throw map.error(place.key, place.node, "\(shown), which would run the same point twice. Fix: remove the repeat.")
            }
        }
    }

    private func readZip(_ map: YAMLMapping, axes: SweepAxes) throws -> [[SweepAxis]] {
        guard let node = map.node("zip") else { return [] }
        guard case .sequence(let groups) = node else {
            throw map.error("zip", node, "expected a list of axis groups like [[lambda, seed]].")
        }
        var used = Set<SweepAxis>()
        var result: [[SweepAxis]] = []
        for (g, groupNode) in groups.enumerated() {
            let key = "zip[\(g)]"
            guard case .sequence(let members) = groupNode, members.count >= 2 else {
                throw map.error(key, groupNode, "a zip group lists two or more axis names, like [lambda, seed].")
            }
            var group: [SweepAxis] = []
            for member in members {
                let name = try YAMLMapping.string(member, key: key, in: SweepAxis.all.map(\.name), mapping: map)
                let axis = SweepAxis.named(name)!
                guard used.insert(axis).inserted else {
                    throw map.error(key, member, "axis '\(name)' is zipped twice. Fix: put it in one group only.")
                }
                group.append(axis)
            }
            let counts = Set(group.map { axes.count(of: $0) })
            guard counts.count == 1 else {
                let detail = group.map { "\($0.name) has \(axes.count(of: $0))" }.joined(separator: ", ")
                throw map.error(key, groupNode, "zipped axes must have the same number of values (\(detail)). Fix: make the lists the same length.")
            }
            result.append(group)
        }
        return result
    }

    /// The decoder settings, and whether the spec set `compute_weights_per_cycle` there.
    private func readDecoder(_ top: YAMLMapping) throws -> (settings: DecoderSettings, isComputeSet: Bool) {
        let defaults = DecoderSettings()
        guard let map = try top.mapping("decoder") else {
            try checkFile(defaults.tech, key: "decoder", in: top, what: "default technology file",
                          fix: "run from the repository root, or set `decoder: {tech: <file>}`.")
            return (defaults, false)
        }
        try map.allowOnly(["tech", "compute_weights_per_cycle", "buffer_bits"])
        let tech = try map.string("tech", default: defaults.tech)
        guard tech.hasSuffix(".yaml") || tech.hasSuffix(".yml") else {
            throw map.error("tech", map.node("tech")!, "'\(tech)' is not a technology file. Fix: name a YAML file under Experiments/tech/.")
        }
        try checkFile(tech, key: "tech", in: map, what: "technology file",
                      fix: "name a YAML file under Experiments/tech/ (paths are relative to the working directory).")
        let settings = DecoderSettings(
            tech: tech,
            computeWeightsPerCycle: try map.int("compute_weights_per_cycle", default: defaults.computeWeightsPerCycle, range: 1...4096),
            bufferBits: try map.optionalInt("buffer_bits", range: 16...4096))
        return (settings, map.node("compute_weights_per_cycle") != nil)
    }

    private func readOutputs(_ top: YAMLMapping) throws -> OutputSettings {
        let defaults = OutputSettings()
        guard let map = try top.mapping("outputs") else { return defaults }
        try map.allowOnly(["plots", "formats"])
        let plots = try map.list("plots", default: defaults.plots) { node, key in try YAMLMapping.choice(node, key: key, mapping: map) }
        let formats = try map.list("formats", default: defaults.formats) { node, key in try YAMLMapping.choice(node, key: key, mapping: map) }
        return OutputSettings(plots: plots, formats: formats)
    }
}
