import DecoderHardware
import EntropyCoding
import ModelIO
import Quantization
import Training

/// A hash of what this binary's arithmetic produces, computed by running it: two float SGD steps
/// of every zoo model on a fixed synthetic batch, two entropy-regularized QAT steps of LeNet-5
/// with learned precision and its hard-quantized export, and post-training calibration (MSE
/// steps and rate–distortion) of the result. Training keys carry it, so any change to a kernel,
/// a reduction order, the data order, QAT, export or calibration that changes a single bit of
/// those results invalidates every cached training — without anyone remembering to bump a
/// version (``TrainingKey/formatVersion`` stays for changes this probe cannot see).
///
/// ``coding`` does the same for what a finished sweep point adds: the exported model encoded with
/// every codec at a few table logs, lane counts and layouts; finished points' cache keys carry it.
///
/// Both are computed once per process, on first use (about 50 ms, mostly ResNet-20), and are the
/// same for every thread count; the training one differs between kernel families (``KernelFamily``).
///
/// ```swift
/// print(NumericsFingerprint.current)   // 16 hex digits, e.g. "3f0c9d2a61b7e845"
/// ```
public enum NumericsFingerprint {
    /// The first 16 hex digits of the SHA-256 of the training probe's results.
    public static var current: String { probes.training }
    /// The first 16 hex digits of the SHA-256 of the coding probe's results (the encoded files).
    public static var coding: String { probes.coding }

    private static let probes: (training: String, coding: String) = {
        let (training, coding) = probe()
        return (String(SHA256.hex(of: training).prefix(16)), String(SHA256.hex(of: coding).prefix(16)))
    }()

    /// The probe's raw results: weights, buffers and exported files as bytes (training), and the
    /// exported model's encodings (coding).
    static func probe() -> (training: [UInt8], coding: [UInt8]) {
        var coding: [UInt8] = []
        var out: [UInt8] = Array(KernelFamily.current.utf8)
        let data = syntheticBatch(count: 16)
        for architecture in Architecture.allCases {
            let model = ModelZoo.make(architecture, seed: 1)
            Trainer(model: model, configuration: configuration(architecture)).train(on: data)
            append(model, to: &out)
        }
        do {
            let model = ModelZoo.make(.lenet5, seed: 1)
            let qat = try QuantizationAwareTraining(
                model: model, configuration: QATConfiguration(lambda: 0.1, binPolicy: .learned))
            var config = configuration(.lenet5)
            config.optimizer = .adam
            config.learningRate = 0.01
            let trainer = Trainer(model: model, configuration: config)
            trainer.regularizer = qat
            trainer.train(on: data)
            append(model, to: &out)
            let exported = try qat.export(floatStorage: .float16)
            out += try SBWModelCodec.encode(exported, options: CodecOptions(codec: .fixedWidth))
            for codec in CodecKind.allCases {
                for (tableLog, lanes, layout) in [(8, 1, TANSLayout.split), (10, 4, .interleaved), (12, 16, .split)] {
                    coding += try SBWModelCodec.encode(exported, options: CodecOptions(codec: codec, tableLog: tableLog,
                                                                                      lanes: lanes, layout: layout))
                }
            }
            // Calibration of the same weights as a pretrained model.
            let file = try Checkpoint.stateDict(model)
            let calibrations: [Calibration] = [
                .fixed(try LayerBins(bins: 15), .mse),
                .rateDistortion(try RateDistortionCalibration(rateWeight: 1e-3, rate: .coded(.tans(tableLog: 10)),
                                                              measure: .relative)),
            ]
            for calibration in calibrations {
                let quantized = try ModelQuantizer(calibration: calibration).quantize(file)
                out += try SBWModelCodec.encode(quantized, options: CodecOptions(codec: .fixedWidth))
            }
        } catch {
            // The probe's inputs are fixed and valid; an error here is itself a change of behaviour.
            out += Array("error: \(error)".utf8)
        }
        return (out, coding)
    }

    /// 16 images of fixed noise (a seeded generator), labels 0…9 in turn.
    private static func syntheticBatch(count: Int) -> ImageDataset {
        var rng = Xoshiro256(seed: 2)
        let pixels = (0..<(count * 784)).map { _ in rng.nextNormal() }
        let labels = (0..<count).map { Int32($0 % 10) }
        return ImageDataset(name: "fingerprint", pixels: pixels, labels: labels, height: 28, width: 28, background: 0)
    }

    /// The recommended recipe for one epoch of two batches of 8 on two threads (the bits do not
    /// depend on the threads; two exercise the parallel paths).
    private static func configuration(_ architecture: Architecture) -> TrainingConfiguration {
        var config = TrainingConfiguration.recommended(for: architecture, dataset: .fashionMNIST)
        config.epochs = 1
        config.batchSize = 8
        config.threads = 2
        return config
    }

    private static func append(_ model: Model, to out: inout [UInt8]) {
        func bytes(_ t: Tensor) { for v in t.toArray() { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } } }
        model.network.visitParameters(prefix: "") { _, p in bytes(p.value) }
        model.network.visitBuffers(prefix: "") { _, t in bytes(t) }
    }
}

extension NumericsFingerprint {
    /// A hash of the decoder cost model's outputs under `technology` for fixed synthetic layers
    /// (with and without an escape path) at P ∈ {1, 4, 16} × R ∈ {8, 10} × both layouts and
    /// sharings: finished points' keys carry it, so a change to the model's formulas recomputes
    /// the points' decoder columns instead of serving them from the cache.
    ///
    /// ```swift
    /// let salt = "decoder=" + NumericsFingerprint.decoder(technology)
    /// ```
    public static func decoder(_ technology: Technology) -> String {
        var text = ""
        for tableLog in [8, 10] {
            let layers = [
                LayerProfile(name: "a", symbolCount: 20_000, alphabetSize: 15, usedSymbols: 15, tableLog: tableLog,
                             laneBits: [61_000]),
                LayerProfile(name: "b", symbolCount: 1_500, alphabetSize: 31, usedSymbols: 20, tableLog: tableLog,
                             laneBits: [5_200], escapeSymbols: 12, escapeBits: 96, escapeTableLog: 5),
            ]
            for lanes in [1, 4, 16] {
                // The same payload dealt to `lanes` lanes, as the codec's round robin would.
                let dealt = layers.map { l in
                    LayerProfile(name: l.name, symbolCount: l.symbolCount, alphabetSize: l.alphabetSize,
                                 usedSymbols: l.usedSymbols, tableLog: l.tableLog,
                                 laneBits: (0..<lanes).map { j in l.laneBitsTotal / lanes + (j < l.laneBitsTotal % lanes ? 1 : 0) },
                                 escapeSymbols: l.escapeSymbols, escapeBits: l.escapeBits, escapeTableLog: l.escapeTableLog)
                }
                for layout in StreamLayout.allCases {
                    for sharing in TableSharing.allCases {
                        let result: String
                        do {
                            let config = try DecoderConfiguration(lanes: lanes, tableLog: tableLog, sharing: sharing, portBits: 64,
                                                                  laneBufferBits: nil, clockHz: technology.clockHz, layout: layout)
                            result = String(reflecting: try DecoderCostModel(technology: technology).evaluate(config, layers: dealt))
                        } catch {
                            result = "error: \(error)"
                        }
                        text += "P=\(lanes) R=\(tableLog) \(layout) \(sharing): \(result)\n"
                    }
                }
            }
        }
        return String(SHA256.hex(of: Array(text.utf8)).prefix(16))
    }
}
