import ArgumentParser
import Foundation
import ModelIO
import EntropyCoding
import Orchestrator
import Quantization

/// `subbit compress`: post-training quantization + entropy coding of a safetensors model.
struct CompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Quantize a safetensors model and entropy-code it into a .sbw file.",
        discussion: """
            Conv and linear weights (float tensors of rank ≥ 2) are zero-point quantized; biases, \
            batch-norm parameters and integer tensors are kept (float32 keeps them bit-exact). \
            Choose either fixed bins (--bins, with --calibration max-abs or mse) or a rate weight \
            (--rate-weight μ, calibration rd: per layer, bins and step minimizing squared error + μ·tANS bits). \
            --rdoq chooses each weight's level by rate–distortion-optimized quantization instead of nearest \
            rounding (the decoder is unchanged): with --rate-weight at the same μ, with --bins at --rdoq-weight μ. \
            --dq stores the layers with dependent (trellis-coded) quantization: the same bins, half the step, \
            levels chosen by a Viterbi search over NNC's 8-state machine (the .sbw records it; older readers refuse \
            such files): with --rate-weight at the same μ, with --bins at --dq-weight μ. \
            Prints a per-layer table; bits per quantized weight and bits per parameter (all parameters, \
            whole file) are reported separately. 'subbit inspect FILE.sbw' lists the stored tensors.
            """)

    @Argument(help: "The model to compress (.safetensors).")
    var model: String

    @Option(name: .shortAndLong, help: "The .sbw file to write.")
    var output: String

    @OptionGroup var options: CompressionOptions

    @Option(help: "Also write the per-tensor table (quantized layers and kept tensors) as CSV to this path.")
    var report: String?

    func run() throws {
        let input = try failing { try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model)) }
        let settings = try options.settings()
        let result = try failing {
            try CompressionPipeline(quantizer: settings.quantizer, codec: settings.codec).compress(input)
        }
        try failing { try AtomicFile.write(result.bytes, to: URL(fileURLWithPath: output)) }
        print(result.report.markdownTable())
        print(result.report.summary())
        if let report {
            let csv = ([CompressionReport.layersCSVHeader] + result.report.layersCSVRows(point: result.report.label, includeKept: true))
                .joined(separator: "\n") + "\n"
            try failing { try AtomicFile.write(Array(csv.utf8), to: URL(fileURLWithPath: report)) }
        }
        print("wrote \(output)")
    }
}

/// Quantization and coding options shared by `compress` and `compress-sweep`.
struct CompressionOptions: ParsableArguments {
    @Option(help: "Bins per quantized layer (odd, 1…255) for the max-abs / mse calibrations (default 15).")
    var bins: Int?

    @Option(name: .customLong("rate-weight"),
            help: "Rate–distortion weight μ ≥ 0 (squared error per coded bit): larger means smaller. Implies --calibration rd.")
    var rateWeight: Double?

    @Option(help: "With --rate-weight or --rdoq: distortion measured as absolute squared error, or relative to each layer's mean squared weight.")
    var distortion: RateDistortionCalibration.Measure = .absolute

    @Option(name: .customLong("max-bins"), help: "With --rate-weight: the most bins any layer may get (odd, 1…4095; above 255 a layer's levels are stored split, nearest rounding only).")
    var maxBins: Int = ZeroPointQuantizer.maxBins

    @Flag(help: ArgumentHelp(
        "Choose levels by rate–distortion-optimized quantization (RDOQ) instead of nearest rounding.",
        discussion: "Per weight: the nearest level, its neighbour toward zero, or zero, whichever minimizes error + μ·(tANS code length under the layer's table), iterated with the table. With --rate-weight μ it runs at that μ and --distortion; with --bins it needs --rdoq-weight."))
    var rdoq = false

    @Option(name: .customLong("rdoq-weight"), help: ArgumentHelp(
        "With --rdoq and --bins/--calibration max-abs|mse: RDOQ's μ ≥ 0, in --distortion units per bit (required there).",
        discussion: "No default: in absolute units μ depends on the model's weight scale, so any fixed number would silently trade a model-dependent amount of SQNR. A starting point with --distortion relative is 1.39·10^(−SQNR/10) (2·ln 2 times the noise-to-signal ratio: the slope of an entropy-coded uniform quantizer at high rate), e.g. 0.02 at 18 dB."))
    var rdoqWeight: Double?

    @Flag(help: ArgumentHelp(
        "Dependent (trellis-coded) quantization: two interleaved quantizers chosen by a parity-driven state machine.",
        discussion: "Each layer of ≥ 3 bins keeps its calibrated bins, halves its step and gets the levels minimizing error + μ·(tANS code length), by a Viterbi search iterated with the table. With --rate-weight μ it runs at that μ and --distortion; with --bins it needs --dq-weight. Not with --rdoq."))
    var dq = false

    @Option(name: .customLong("dq-weight"), help: ArgumentHelp(
        "With --dq and --bins/--calibration max-abs|mse: the trellis's μ ≥ 0, in --distortion units per bit (required there; 0 = least error).",
        discussion: "As --rdoq-weight: no default, e.g. 0.02 with --distortion relative near 18 dB."))
    var dqWeight: Double?

    @Option(name: .customLong("dq-states"), help: "With --dq: the state machine, 8 (NNC's, default) or 4 (VVC's).")
    var dqStates: Int = 8

    @Flag(name: .customLong("per-channel"), help: ArgumentHelp(
        "One step per output channel (dimension 0), stored as a float32 base and one byte per channel.",
        discussion: "Each layer of ≥ 3 bins keeps its one bin count (from --bins, or from --rate-weight's calibration) and one entropy table; each output channel gets a step for that count — with --bins its MSE-optimal step; with --rate-weight the layer's calibrated step, or the channel's MSE-optimal step where that is wider (with entropy coding one step for all channels minimizes error + μ·rate; only channels the bins would clip move) — stored as Δ_c = base·2^(code/32), and nearest rounding at the stored step. The .sbw records it (older readers refuse such files). Not with --rdoq, --dq or --calibration max-abs."))
    var perChannel = false

    @Option(help: "Step rule (default: mse with --bins, rd with --rate-weight).")
    var calibration: CalibrationRule?

    @Option(name: .customLong("layer-bins"), parsing: .upToNextOption,
            help: "Per-layer bin overrides PATTERN=N (glob over tensor names), e.g. 'features.0.*=255'.")
    var layerBins: [String] = []

    @Option(name: .customLong("table-log"), help: "tANS table log R (table size 2^R).")
    var tableLog: Int = 11

    @Option(help: ArgumentHelp(
        "Decoder lanes P (symbol i goes to lane i mod P; split layout).",
        discussion: "Default \(Encode.defaultLanes), as `subbit encode`: the AVX2 kernels decode 16 split lanes faster than FSE on one core. --lanes 1 reproduces files written before the default changed (the reference outputs in README.md and Experiments/README.md name it)."))
    var lanes: Int = Encode.defaultLanes

    @Option(help: "Codec of the quantized layers.")
    var codec: CodecKind = .tans

    @Option(name: .customLong("float-dtype"), help: "Storage of tensors kept in float: f32 (untouched), f16, or q8 (8-bit codes with a per-tensor offset and step; decoded as f32).")
    var floatDtype: TensorPolicy.FloatStorage = .float32

    @Flag(name: .customLong("drop-training-state"),
          help: "Leave batch norm's num_batches_tracked counters out of the file (inference never reads them; PyTorch then needs load_state_dict(strict=False)).")
    var dropTrainingState = false

    @Flag(name: .customLong("compact-names"),
          help: "Front-code the tensor names (each stored as the bytes it shares with the previous name plus the rest; .sbw version 2, which older SubBit builds refuse).")
    var compactNames = false

    @Option(name: .customLong("layer-form"),
            help: "How each quantized tensor is stored: configured (tANS at --table-log) or smallest (per tensor the smallest of tANS at table logs 5…R and fixed-width; subbit inspect shows which and why).")
    var layerForm: LayerForm = .configured

    @Option(name: .customLong("keep-float"),
            help: "Comma-separated glob patterns of weight tensors to keep in float, e.g. 'features.0.*,classifier.*'.")
    var keepFloat: String?

    struct Settings {
        var quantizer: ModelQuantizer
        var codec: CodecOptions
    }

    func settings() throws -> Settings {
        let keep = keepFloat.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        let policy = TensorPolicy(keepFloat: keep.filter { !$0.isEmpty }, floatStorage: floatDtype,
                                  dropTrainingState: dropTrainingState)
        var codecOptions = try validating { try CodecOptions(codec: codec, tableLog: tableLog, lanes: lanes) }
        if compactNames { codecOptions.nameCoding = .frontCoded }
        if layerForm == .smallest && codec != .tans {
            throw ValidationError("--layer-form smallest chooses among tANS table logs and fixed-width; it needs --codec tans (not \(codec.rawValue))")
        }
        codecOptions.layerForm = layerForm
        let calibration = try makeCalibration(codec: codecOptions)
        let levels = try makeRDOQ(calibration: calibration, codec: codecOptions)
        let dependent = try makeDependentQuantizer(calibration: calibration, codec: codecOptions)
        try checkPerChannel()
        return Settings(quantizer: ModelQuantizer(policy: policy, calibration: calibration, rdoq: levels,
                                                  dependentQuantizer: dependent, perChannel: perChannel), codec: codecOptions)
    }

    /// `--per-channel` goes with nearest rounding at MSE steps: not with --rdoq, --dq or max-abs.
    func checkPerChannel() throws {
        guard perChannel else { return }
        if rdoq || dq {
            throw ValidationError("--per-channel and \(rdoq ? "--rdoq" : "--dq") do not combine (per-channel steps use nearest rounding): use one of them")
        }
        if calibration == .maxAbs {
            throw ValidationError("--per-channel chooses each channel's MSE-optimal step, so --calibration max-abs does not apply: drop it, or drop --per-channel")
        }
    }

    /// The dependent quantizer of `--dq`: at the calibration's μ and measure with --rate-weight,
    /// at --dq-weight (required) and --distortion with fixed bins; nil without --dq.
    func makeDependentQuantizer(calibration: Calibration, codec: CodecOptions) throws -> DependentQuantizer? {
        guard dq else {
            if dqWeight != nil { throw ValidationError("--dq-weight sets the μ of --dq: add --dq, or drop --dq-weight") }
            if dqStates != 8 { throw ValidationError("--dq-states chooses the state machine of --dq: add --dq, or drop --dq-states") }
            return nil
        }
        guard !rdoq else { throw ValidationError("--dq and --rdoq are two ways of choosing the levels: use one of them") }
        guard let machine = DQStateMachine(rawValue: UInt8(clamping: dqStates)), dqStates == Int(machine.rawValue) else {
            throw ValidationError("--dq-states \(dqStates) is not a known state machine: use 8 (NNC) or 4 (VVC)")
        }
        let (mu, measure) = try levelWeight("dq", dqWeight, calibration)
        return try validating { try DependentQuantizer(rateWeight: mu, measure: measure, codec: codec, machine: machine) }
    }

    /// The μ and error measure of a level-choosing tool (`--rdoq`, `--dq`): the calibration's with
    /// --rate-weight, else its own --TOOL-weight (required) with --distortion.
    func levelWeight(_ tool: String, _ weight: Double?, _ calibration: Calibration) throws -> (Double, RateDistortionCalibration.Measure) {
        switch calibration {
        case .rateDistortion(let rd):
            guard weight == nil else {
                throw ValidationError("--\(tool)-weight does not apply with --rate-weight: \(tool == "dq" ? "the trellis" : "RDOQ") runs at the same μ (\(rd.rateWeight)); drop --\(tool)-weight")
            }
            return (rd.rateWeight, rd.measure)
        case .fixed:
            guard let mu = weight else {
                throw ValidationError("--\(tool) with fixed bins needs --\(tool)-weight μ (μ in --distortion units per bit, e.g. --\(tool)-weight 0.02 --distortion relative near 18 dB\(tool == "dq" ? "; 0 for least error" : "")), or use --rate-weight μ --\(tool)")
            }
            return (mu, distortion)
        }
    }

    /// The RDOQ of `--rdoq`: at the calibration's μ and measure with --rate-weight, at
    /// --rdoq-weight (required) and --distortion with fixed bins; nil without --rdoq.
    func makeRDOQ(calibration: Calibration, codec: CodecOptions) throws -> RDOQ? {
        guard rdoq else {
            if rdoqWeight != nil { throw ValidationError("--rdoq-weight sets the μ of --rdoq: add --rdoq, or drop --rdoq-weight") }
            return nil
        }
        let (mu, measure) = try levelWeight("rdoq", rdoqWeight, calibration)
        return try validating { try RDOQ(rateWeight: mu, measure: measure, codec: codec) }
    }

    func makeCalibration(codec: CodecOptions) throws -> Calibration {
        let rule = calibration ?? (rateWeight != nil ? .rd : .mse)
        switch rule {
        case .rd:
            guard let mu = rateWeight else {
                throw ValidationError("--calibration rd needs --rate-weight μ (e.g. --rate-weight 1e-5)")
            }
            guard bins == nil, layerBins.isEmpty else {
                throw ValidationError("--bins and --layer-bins do not apply to --calibration rd, which chooses the bins of every layer: drop them, or use --calibration mse")
            }
            let measure = distortion
            let rd = try validating {
                try RateDistortionCalibration(rateWeight: mu, rate: codec.rateModel, maxBins: maxBins, measure: measure)
            }
            return .rateDistortion(rd)
        case .maxAbs, .mse:
            guard rateWeight == nil, maxBins == ZeroPointQuantizer.maxBins, distortion == .absolute || rdoq || dq else {
                throw ValidationError("--rate-weight, --max-bins and --distortion only apply to --calibration rd (--distortion also to --rdoq and --dq): drop them, or use --calibration rd")
            }
            var overrides = [(pattern: String, bins: Int)]()
            for item in layerBins {
                guard let eq = item.lastIndex(of: "="), let n = Int(item[item.index(after: eq)...]) else {
                    throw ValidationError("bad --layer-bins '\(item)': write PATTERN=N, e.g. 'features.0.*=255'")
                }
                overrides.append((String(item[..<eq]), n))
            }
            let policy = try validating { try LayerBins(bins: bins ?? 15, overrides: overrides) }
            return .fixed(policy, rule == .mse ? .mse : .maxAbs)
        }
    }
}

