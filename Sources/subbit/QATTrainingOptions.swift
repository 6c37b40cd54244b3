import ArgumentParser
import Foundation
import EntropyCoding
import ModelIO
import Quantization
import Training

/// The options that turn `subbit train` into entropy-regularized quantization-aware training
/// with a `.sbw` output.
struct QATTrainingOptions: ParsableArguments {
    @Option(help: "λ, the weight of the rate term (bits per weight) in CE + λ·R. Implies quantization-aware training.")
    var lambda: Double?

    @Option(help: "Bin policy: 'learned' (per-layer precision, starting at --initial-bins) or a fixed odd count 1…255.")
    var bins: String?

    @Option(name: .customLong("finetune-from"), help: "Float checkpoint (.safetensors) to fine-tune from (default: train from scratch).")
    var finetuneFrom: String?

    @Option(name: .customLong("initial-bins"), help: "Starting bins of every layer under --bins learned (odd).")
    var initialBins: Int = 15

    @Option(help: "Temperature τ of the soft-histogram entropy (squared bin units).")
    var temperature: Double = 0.2

    @Option(name: .customLong("lambda-warmup"), help: "Epochs over which λ ramps up from 0.")
    var lambdaWarmup: Double = 0

    @Option(name: .customLong("first-layer-bins"), help: "Fixed bins of the first quantized layer (odd).")
    var firstLayerBins: Int?

    @Option(name: .customLong("last-layer-bins"), help: "Fixed bins of the last quantized layer (odd).")
    var lastLayerBins: Int?

    @Option(name: .customLong("float-dtype"), help: "Storage of tensors kept in float (biases, batch norm): f16, f32 or q8 (8-bit codes with a per-tensor offset and step; decoded as f32).")
    var floatDtype: TensorPolicy.FloatStorage = .float16

    @Flag(name: .customLong("compact-names"), help: "Front-code the tensor names of the written .sbw (version 2; older SubBit builds refuse it).")
    var compactNames = false

    @Option(name: .customLong("layer-form"), help: "How each quantized tensor is stored: configured (tANS at --table-log) or smallest (per tensor the smallest of tANS at table logs 5…R and fixed-width; subbit inspect shows which and why).")
    var layerForm: LayerForm = .configured

    @Flag(name: .customLong("alphabet-rate"), help: "Charge each layer's tANS table description in the rate (gives the learned precision a gradient).")
    var alphabetRate = false

    @Option(name: .customLong("table-weight"), help: "Weight of the hardware decoder's table bits (2^10 entries × entry bits per layer) in the rate; 0: off.")
    var tableWeight: Double = 0

    @Option(name: .customLong("export-rdoq"), help: "μ of RDOQ as the export rounding (relative error; levels chosen again from the latent weights training ended with); 0: nearest rounding.")
    var exportRDOQ: Double = 0

    @Option(name: .customLong("precision-trace"), help: "Write each layer's precision and bins per epoch to this CSV.")
    var precisionTrace: String?

    @Option(name: .customLong("precision-plot"), help: "Render the bins-over-epochs plot (bins-over-epochs.{dat,gp,svg,png}) into this folder.")
    var precisionPlot: String?

    /// Whether the precisions are sampled during training.
    var tracesPrecision: Bool { precisionTrace != nil || precisionPlot != nil }

    @Option(name: .customLong("table-log"), help: "tANS table log R of the written .sbw (5…15).")
    var tableLog: Int = 12

    @Option(help: "Decoder lanes P of the written .sbw (1…64).")
    var lanes: Int = 1

    /// Whether any option asks for quantization-aware training.
    var requested: Bool { lambda != nil || bins != nil || finetuneFrom != nil }

    func validate() throws {
        guard requested else { return }
        _ = try codecOptions()
        _ = try configuration()
        guard exportRDOQ.isFinite, exportRDOQ >= 0 else {
            throw ValidationError("--export-rdoq \(exportRDOQ) is not a finite μ ≥ 0: give e.g. 0.05 (0 keeps nearest rounding)")
        }
    }

    /// The QAT configuration the options describe, validated.
    func configuration() throws -> QATConfiguration {
        let policy: BinPolicy
        switch bins ?? "learned" {
        case "learned": policy = .learned
        case let text:
            guard let n = Int(text.hasPrefix("fixed-") ? String(text.dropFirst(6)) : text) else {
                throw ValidationError("--bins '\(text)' is not 'learned' or an odd bin count: use e.g. --bins learned or --bins 7")
            }
            policy = .fixed(n)
        }
        var config = QATConfiguration(lambda: lambda ?? 0, binPolicy: policy)
        config.initialBins = initialBins
        config.temperature = temperature
        config.lambdaWarmupEpochs = lambdaWarmup
        config.firstLayerBins = firstLayerBins
        config.lastLayerBins = lastLayerBins
        config.alphabetRate = alphabetRate
        config.tableWeight = tableWeight
        do {
            try config.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return config
    }


    /// The tANS settings of the written `.sbw`, validated.
    func codecOptions() throws -> CodecOptions {
        var options = try validating { try CodecOptions(codec: .tans, tableLog: tableLog, lanes: lanes) }
        if compactNames { options.nameCoding = .frontCoded }
        options.layerForm = layerForm
        return options
    }
}

/// What `subbit train` prints after quantization-aware training: accuracies, rates and a
/// per-layer table of the written `.sbw` — every size read back from the file itself.
struct QATTrainingReport {
    let model: QuantizedModel
    let file: SBWFile
    let fileBytes: Int

    func render(top1Float: Double, top1Quantized: Double, top1Decoded: Double, softRate: Double) -> String {
        var lines: [String] = []
        lines.append("coded = each layer's codec stream: table description + lane states + payload, without the record framing (name, shape, step, CRC), which the whole-file figure counts")
        lines.append("| layer | shape | bins | step | entropy b/w | coded b/w | coded bytes |")
        lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        var entropyBits = 0.0, codedBits = 0
        for tensor in model.quantized {
            let n = tensor.symbols.count
            let entropy = EmpiricalEntropy.bitsPerSymbol(counts: tensor.histogram)
            let stored = file[tensor.name]?.codedBits ?? 0
            entropyBits += entropy * Double(n)
            codedBits += stored
            lines.append("| \(tensor.name) | \(tensor.shape.map(String.init).joined(separator: "×")) | \(tensor.quantizer.bins) | "
                + String(format: "%.5g | %.3f | %.3f | %d |", tensor.quantizer.step, entropy,
                         Double(stored) / Double(max(n, 1)), (stored + 7) / 8))
        }
        let weights = Double(max(model.quantizedParameterCount, 1))
        let params = model.parameterCount
        lines.append("")
        lines.append(String(format: "top-1: float %.2f%%, quantized (in memory) %.2f%%, decoded from .sbw %.2f%% (%+.2f pt)",
                            top1Float, top1Quantized, top1Decoded, top1Decoded - top1Float))
        lines.append(String(format: "bits per quantized weight: soft %.4f, entropy %.4f, coded %.4f (%d weights)",
                            softRate, entropyBits / weights, Double(codedBits) / weights, model.quantizedParameterCount))
        lines.append(String(format: "bits per parameter, whole file: %.4f (%d bytes over %d parameters; %.1f× smaller than f32)",
                            Double(fileBytes * 8) / Double(max(params, 1)), fileBytes, params,
                            Double(params * 4) / Double(max(fileBytes, 1))))
        return lines.joined(separator: "\n")
    }
}
