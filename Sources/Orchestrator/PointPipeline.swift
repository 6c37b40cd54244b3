import DecoderHardware
import EntropyCoding
import Foundation
import ModelIO
import Plotting
import Quantization
import Training

/// The real steps of a sweep point, wired from the modules:
///
/// - **train** (cached by ``TrainingKey``): for a trained source, the float baseline (itself
///   cached, shared by every λ and bin policy of a seed), then entropy-regularized QAT with the
///   point's λ and bin policy, exported hard-quantized; for a pretrained source, post-training
///   calibration at the point's μ or bin count. The result is a ``TrainedArtifact``.
/// - **evaluate**: encode the quantized model with the point's codec, table log, lanes and layout
///   into a `.sbw`, decode it, check the symbols are the trained ones bit for bit, measure top-1
///   with the decoded weights, size every layer with every coder, and cost the decoder.
public struct PointPipeline: Sendable {
    public let spec: ExperimentSpec
    public let data: DataCache
    public let technology: Technology
    /// Where float baselines are cached (beside the trainings).
    public let baselines: ContentStore
    /// The cache folder: every point's coded `.sbw` is kept under it (``sbwPath(for:)``).
    public let cache: URL
    /// Accuracy of decoded weights, by training: every lossless codec setting decodes the same
    /// weights, so after checking the symbols match, the first measurement serves the rest.
    private let decodedAccuracy = Memo<Double>()
    /// Per-layer entropy, fixed-width and Huffman bits, by training: they depend on the symbols
    /// only, not on the point's codec axes, so each training measures them once.
    private let baselineSizes = Memo<[LayerBaseline]>()
    private let datasets = DatasetMemo()

    public init(spec: ExperimentSpec, data: DataCache, technology: Technology, cache: URL) {
        self.spec = spec
        self.data = data
        self.technology = technology
        self.baselines = ContentStore(root: cache.appendingPathComponent("baselines"))
        self.cache = cache
    }

    /// Where a coded file is kept, relative to the cache folder: `sbw/<first two hex>/<SHA-256>.sbw`,
    /// named by its content so a row's file can be checked against its name (`sha256sum`).
    static func sbwPath(for bytes: [UInt8]) -> String {
        let digest = SHA256.hex(of: bytes)
        return "sbw/\(digest.prefix(2))/\(digest).sbw"
    }

    /// Keeps `bytes` in the cache (atomically; an existing file of that name already holds them).
    private func keep(_ bytes: [UInt8]) throws -> String {
        let path = Self.sbwPath(for: bytes)
        let url = cache.appendingPathComponent(path)
        if !FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(bytes, to: url)
        }
        return path
    }

    public var steps: PointSteps {
        let pipeline = self
        return PointSteps(train: { point, key, threads in try pipeline.train(point, key: key, threads: threads).serialized() },
                          evaluator: { bytes in
                              let artifact = try TrainedArtifact(serialized: bytes)
                              return { point, threads in try pipeline.evaluate(point, artifact: artifact, threads: threads) }
                          })
    }

    // MARK: Training

    func train(_ point: SweepPoint, key: TrainingKey, threads: Int) throws -> TrainedArtifact {
        switch spec.source {
        case .train(let source): return try finetune(source, point: point, key: key, threads: threads)
        case .pretrained(let source): return try calibrate(source, point: point)
        }
    }

    /// Makes sure the float baseline of `seed` is in the cache; true if it already was.
    func ensureBaseline(seed: Int, threads: Int) throws -> Bool {
        guard case .train(let source) = spec.source, let key = TrainingKey.baseline(spec: spec, seed: seed) else { return true }
        let cached = baselines.get(key.hex) != nil
        if !cached { _ = try baseline(source, seed: seed, threads: threads) }
        return cached
    }

    /// The float baseline of `seed`, trained once and cached; returns its state dict and top-1 (%).
    private func baseline(_ source: TrainingSource, seed: Int, threads: Int) throws -> (SafeTensorsFile, Double) {
        let key = TrainingKey.baseline(spec: spec, seed: seed)!
        func cached() -> (SafeTensorsFile, Double)? {
            guard let bytes = baselines.get(key.hex), let file = try? SafeTensorsFile(bytes: bytes),
                  let top1 = file.metadata["top1"].flatMap(Double.init) else { return nil }
            return (file, top1)
        }
        if let found = cached() { return found }
        // Tasks sharing the cache train a baseline once: the others wait for it, then read it.
        return try baselines.withLock(key.hex) {
            if let found = cached() { return found }
            return try trainBaseline(source, seed: seed, key: key, threads: threads)
        }
    }

    private func trainBaseline(_ source: TrainingSource, seed: Int, key: TrainingKey, threads: Int) throws -> (SafeTensorsFile, Double) {
        let (trainSet, testSet) = try datasets.load(source.dataset, cache: data)
        let model = ModelZoo.make(source.model, seed: UInt64(seed))
        Trainer(model: model, configuration: source.baseline.configuration(seed: seed, threads: threads)).train(on: trainSet)
        let top1 = Evaluation.run(model, on: testSet, threads: threads).accuracy * 100
        var file = try Checkpoint.stateDict(model)
        file.metadata["top1"] = "\(top1)"
        try baselines.put(file.serialized(), for: key.hex)
        return (file, top1)
    }

    private func finetune(_ source: TrainingSource, point: SweepPoint, key: TrainingKey, threads: Int) throws -> TrainedArtifact {
        let start = Date()
        let (base, top1Float) = try baseline(source, seed: point.seed, threads: threads)
        let (trainSet, testSet) = try datasets.load(source.dataset, cache: data)
        let arch = source.model
        let model = ModelZoo.make(arch, seed: UInt64(point.seed))
        try Checkpoint.load(into: model, from: base, source: "baseline")
        let qat = try QuantizationAwareTraining(model: model, configuration: source.qat.configuration(lambda: point.lambda, binPolicy: point.binPolicy))
        let trainer = Trainer(model: model, configuration: source.finetune.configuration(seed: point.seed, threads: threads))
        trainer.regularizer = qat
        trainer.train(on: trainSet)
        let export = try QATExport(qat, architecture: arch, floatStorage: source.qat.floatDtype,
                                   exportRDOQ: source.qat.exportRDOQ, testSet: testSet, threads: threads)
        return TrainedArtifact(model: export.model, top1Float: top1Float, top1Quantized: export.top1Quantized,
                               trainSeconds: Date().timeIntervalSince(start), lowestSQNR: export.lowestSQNR)
    }

    private func calibrate(_ source: PretrainedSource, point: SweepPoint) throws -> TrainedArtifact {
        let url = source.model.hasSuffix(".safetensors") ? URL(fileURLWithPath: source.model) : try data.locate(.mobileNetV2)
        let file = try SafeTensorsFile(contentsOf: url)
        let calibration: Calibration
        switch (source.calibration, point.binPolicy) {
        case (.rd, _):
            calibration = .rateDistortion(try RateDistortionCalibration(
                rateWeight: point.rateWeight, rate: .coded(.tans(tableLog: point.tableLog)), measure: .relative))
        case (let rule, .fixed(let n)):
            calibration = .fixed(try LayerBins(bins: n), rule == .maxAbs ? .maxAbs : .mse)
        case (_, .learned):
            throw ResultsError("`learned` bins need training; use a fixed bin count for pretrained models")
        }
        let start = Date()
        let model = try ModelQuantizer(calibration: calibration).quantize(file)
        return TrainedArtifact(model: model, top1Float: nil, top1Quantized: nil, trainSeconds: Date().timeIntervalSince(start),
                               lowestSQNR: model.lowestLayerSQNR { file.tensors[$0].flatMap { try? $0.floats() } })
    }

    // MARK: Evaluation

    func evaluate(_ point: SweepPoint, artifact: TrainedArtifact, threads: Int) throws -> PointRecord {
        let R = ResultsSchema.Runs.self
        var model = artifact.model
        let kind = point.codec
        var options = try CodecOptions(codec: kind, tableLog: point.tableLog, lanes: point.lanes, layout: point.layout)
        if case .train(let source) = spec.source {   // the deployable file's storage options
            if source.qat.dropTrainingState { model = try model.droppingTrainingState() }
            if source.qat.compactNames { options.nameCoding = .frontCoded }
        }
        options.layerForm = point.layerForm   // `smallest` only with tANS (SweepAxis.layerForm)
        let stored: SBWRoundTrip
        do {
            stored = try SBWRoundTrip(model, options: options)
        } catch let error as QuantizationError {
            throw ResultsError("point \(point.label): \(error)")
        }
        let (bytes, file, decoded) = (stored.bytes, stored.file, stored.decoded)
        let key = TrainingKey(spec: spec, point: point)
        var top1Decoded: Double?
        if case .train(let source) = spec.source {
            top1Decoded = try decodedAccuracy.value(for: key.hex) {
                try Evaluation.top1(of: decoded, architecture: source.model, on: datasets.load(source.dataset, cache: data).test,
                                    threads: threads)
            }
        }
        var layers: [[String: String]] = []
        var entropyBits = 0.0, fixedBits = 0, huffmanBits = 0, codedBits = 0
        var profiles: [LayerProfile] = []
        var decoderLayers: [QuantizedLayerSymbols] = []
        let baselines = try baselineSizes.value(for: key.hex) {
            try model.quantized.map { try LayerBaseline($0) }
        }
        for (index, tensor) in model.quantized.enumerated() {
            let n = tensor.symbols.count
            let bins = tensor.quantizer.bins
            let (entropy, fixed, huffman) = (baselines[index].entropyBits, baselines[index].fixedWidthBits, baselines[index].huffmanBits)
            // Payload + table + lane states, without the record framing (which bits_per_param_file counts).
            let stored = file[tensor.name]?.codedBits ?? 0
            entropyBits += entropy
            fixedBits += fixed
            huffmanBits += huffman
            codedBits += stored
            // The decoder sees each layer as `subbit decoder` does (``QuantizedLayerSymbols``).
            if case .quantized(let q)? = file[tensor.name]?.payload {
                let layer = QuantizedLayerSymbols(name: tensor.name, record: q, symbols: tensor.symbols)
                decoderLayers.append(layer)
                if let profile = LayerProfile(layer, coded: q.coded, lanes: point.lanes) { profiles.append(profile) }
            }
            layers.append(common(point) .merging([
                ResultsSchema.Layers.layerIndex: String(index), ResultsSchema.Layers.layer: tensor.name,
                ResultsSchema.Layers.shape: tensor.shape.map(String.init).joined(separator: "x"),
                ResultsSchema.Layers.params: String(n), ResultsSchema.Layers.bins: String(bins),
                ResultsSchema.Layers.step: "\(tensor.quantizer.step)",
                ResultsSchema.Layers.entropyBits: format(entropy), ResultsSchema.Layers.codedBits: String(stored),
                ResultsSchema.Layers.fixedWidthBits: String(fixed), ResultsSchema.Layers.huffmanBits: String(huffman),
            ]) { $1 })
        }
        let quantizedCount = Double(max(model.quantizedParameterCount, 1))
        var run = common(point)
        run[R.params] = String(model.quantizedParameterCount)
        run[R.paramsTotal] = String(model.parameterCount)
        run[R.top1Float] = artifact.top1Float.map(format) ?? ""
        run[R.top1Quantized] = artifact.top1Quantized.map(format) ?? ""
        run[R.top1Decoded] = top1Decoded.map(format) ?? ""
        run[R.bitsPerWeightEntropy] = format(entropyBits / quantizedCount)
        run[R.bitsPerWeightCoded] = format(Double(codedBits) / quantizedCount)
        run[R.bitsPerWeightFixed] = format(Double(fixedBits) / quantizedCount)
        run[R.bitsPerWeightHuffman] = format(Double(huffmanBits) / quantizedCount)
        run[R.bitsPerParamFile] = format(Double(bytes.count * 8) / Double(max(model.parameterCount, 1)))
        run[R.bytesCoded] = String(bytes.count)
        run[R.sbwFile] = try keep(bytes)
        run[R.kernels] = KernelFamily.current
        run[R.compressionRatio] = format(Double(model.parameterCount * 4) / Double(bytes.count))
        run[R.trainSeconds] = format(artifact.trainSeconds)
        if let lowest = artifact.lowestSQNR {
            run[R.minLayerSQNRdB] = lowest.decibels.isFinite ? format(lowest.decibels) : "inf"
            run[R.minSQNRLayer] = lowest.layer
        }
        if kind == .tans, profiles.count == model.quantized.count {
            var config = try DecoderConfiguration(lanes: point.lanes, tableLog: point.tableLog, sharing: point.sharing,
                                                  portBits: point.portBits, laneBufferBits: spec.decoder.bufferBits,
                                                  clockHz: technology.clockHz, layout: point.layout)
            config.equip(for: decoderLayers)
            let cost = try DecoderCostModel(technology: technology).evaluate(config, layers: profiles)
            run[R.decoderAreaUM2] = cost.area.map { format($0.total) } ?? ""
            run[R.decoderEnergyPJPerWeight] = cost.energy.map { format($0.decoderPerWeight) } ?? ""
            run[R.decodeCycles] = String(cost.totalCycles)
            run[R.throughputWeightsPerS] = format(cost.throughputWeightsPerSecond)
            run[R.keepsUp] = cost.keepsUp(consumerWeightsPerCycle: point.computeWeightsPerCycle) ? "1" : "0"
            run[R.netAreaSavedUM2] = cost.netAreaSavedUm2.map(format) ?? ""
        }
        return PointRecord(run: run, layers: layers)
    }

    private func common(_ point: SweepPoint) -> [String: String] {
        let R = ResultsSchema.Runs.self
        var row = [R.experiment: spec.name]
        // The axes every layers.csv row carries too (runs.csv rows get every axis in ExperimentRun).
        for axis in [SweepAxis.seed, .lambda, .binPolicy, .codec, .tableLog, .lanes] { row[axis.name] = point.value(of: axis) }
        switch spec.source {
        case .train(let s): (row[R.dataset], row[R.model]) = (s.dataset.rawValue, s.model.rawValue)
        case .pretrained(let s): (row[R.dataset], row[R.model]) = ("imagenet", s.model)
        }
        return row
    }

    private func format(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        return String(format: "%.6g", x)
    }
}

/// What training (or calibration) produced for one ``TrainingKey``: the quantized model and
/// the measurements only training can make. Stored in the cache as a small header plus `.sbw`.
public struct TrainedArtifact: Sendable {
    public var model: QuantizedModel
    public var top1Float: Double?
    public var top1Quantized: Double?
    var trainSeconds: Double
    /// The layer with the lowest SQNR against its float weights (``QuantizedModel/lowestLayerSQNR(floats:)``).
    var lowestSQNR: (layer: String, decibels: Double)?

    private struct Header: Codable {
        var top1Float: Double?
        var top1Quantized: Double?
        var trainSeconds: Double
        var lowestSQNRLayer: String?
        var lowestSQNRDecibels: Double?
    }

    public init(model: QuantizedModel, top1Float: Double?, top1Quantized: Double?, trainSeconds: Double,
                lowestSQNR: (layer: String, decibels: Double)? = nil) {
        self.model = model
        self.top1Float = top1Float
        self.top1Quantized = top1Quantized
        self.trainSeconds = trainSeconds
        self.lowestSQNR = lowestSQNR
    }

    /// A JSON header line, then the model as a fixed-width `.sbw` (lossless, quick to write).
    public func serialized() throws -> [UInt8] {
        // JSON has no infinity: an exact layer (+∞ dB) is stored as the largest double.
        let header = try JSONEncoder().encode(Header(top1Float: top1Float, top1Quantized: top1Quantized, trainSeconds: trainSeconds,
                                                     lowestSQNRLayer: lowestSQNR?.layer,
                                                     lowestSQNRDecibels: lowestSQNR.map { max(-.greatestFiniteMagnitude, min($0.decibels, .greatestFiniteMagnitude)) }))
        return Array(header) + [UInt8(ascii: "\n")] + (try SBWModelCodec.encode(model, options: CodecOptions(codec: .fixedWidth)))
    }

    public init(serialized bytes: [UInt8]) throws {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")),
              let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[..<newline])) else {
            throw ResultsError("a cached training is damaged. Fix: rerun with --fresh.")
        }
        var lowest: (layer: String, decibels: Double)?
        if let layer = header.lowestSQNRLayer, let db = header.lowestSQNRDecibels {
            lowest = (layer, db == .greatestFiniteMagnitude ? .infinity : db)
        }
        self.init(model: try SBWModelCodec.decode(Array(bytes[(newline + 1)...])), top1Float: header.top1Float,
                  top1Quantized: header.top1Quantized, trainSeconds: header.trainSeconds, lowestSQNR: lowest)
    }
}

/// The codec-independent sizes of one quantized layer.
struct LayerBaseline: Sendable {
    var entropyBits: Double
    var fixedWidthBits: Int
    var huffmanBits: Int

    init(_ tensor: QuantizedTensor) throws {
        let bins = tensor.quantizer.bins
        entropyBits = EmpiricalEntropy.bitsPerSymbol(counts: tensor.histogram) * Double(tensor.symbols.count)
        // Coded bits as everywhere (``SBWTensor/codedBits``): the codec's header and payload, no record framing.
        fixedWidthBits = try CodecConfiguration.fixedWidth.encode(tensor.symbols, alphabetSize: bins).totalBits
        huffmanBits = try CodecConfiguration.huffman().encode(tensor.symbols, alphabetSize: bins).totalBits
    }
}

/// Computes a value once per key, for concurrent workers.
private final class Memo<Value: Sendable>: @unchecked Sendable {
    private var values: [String: Value] = [:]
    private let lock = NSLock()
    func value(for key: String, compute: () throws -> Value) throws -> Value {
        if let v = lock.withLock({ values[key] }) { return v }
        let v = try compute()
        lock.withLock { values[key] = v }
        return v
    }
}

/// Loads each dataset once per process.
private final class DatasetMemo: @unchecked Sendable {
    private var loaded: [String: (ImageDataset, ImageDataset)] = [:]
    private let lock = NSLock()
    func load(_ dataset: DataCache.Dataset, cache: DataCache) throws -> (train: ImageDataset, test: ImageDataset) {
        lock.lock()
        defer { lock.unlock() }
        if let d = loaded["\(dataset)"] { return d }
        let d = (try ImageDataset.load(dataset, .train, cache: cache), try ImageDataset.load(dataset, .test, cache: cache))
        loaded["\(dataset)"] = d
        return d
    }
}
