import ArgumentParser
import DecoderHardware
import EntropyCoding
import Foundation
import ModelIO
import Plotting
import Quantization

/// `subbit bench rd`: the rate–SQNR curves of the post-training modes, with and without RDOQ,
/// and the bits RDOQ saves at matched SQNR; NNCodec as a peer where Python can import it.
struct BenchRD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rd",
        abstract: "Rate–SQNR curves of the post-training modes with and without RDOQ (NNCodec as an optional peer).",
        discussion: """
            Modes: bins (N bins, MSE step), mu / rmu (rate–distortion calibration, absolute / relative \
            error), and their RDOQ twins mu+rdoq / rmu+rdoq (same calibration, RDOQ levels at the same μ) \
            and bins+rdoq (RDOQ, relative error, μ = 2·ln2·10^(−SQNR/10) of the plain point). Rate: \
            tANS-coded bits per quantized weight (tables and lane states included); SQNR over all \
            quantized weights. Matched SQNR: each mode's points sorted by SQNR and joined linearly, no \
            extrapolation. Times: CPU seconds of one thread, quantization + tANS encoding of the quantized weights.

            Peer (optional, never required): where the python of $SUBBIT_PYTHON (default python3) \
            imports nncodec (Scripts/install-nncodec.sh makes such an environment), NNCodec \
            (the MPEG NNC reference) compresses the same rank ≥ 2 float tensors at \
            each --nncodec-qp with its default pipeline (dependent quantization on) and is decoded and \
            measured alike; otherwise one line says how to enable it and SubBit runs alone.
            """)

    static let defaultTech = "Experiments/tech/asic-22nm.yaml"
    static let defaultBins = RateSQNRBenchmark.defaultBins.map(String.init).joined(separator: ",")
    static let defaultMu = RateSQNRBenchmark.defaultAbsoluteWeights.map { "\($0)" }.joined(separator: ",")
    static let defaultRmu = RateSQNRBenchmark.defaultRelativeWeights.map { "\($0)" }.joined(separator: ",")

    @Argument(help: "The model (.safetensors).")
    var model: String

    @Option(name: .shortAndLong, help: "Write the per-point CSV to this path.")
    var output: String?

    @Option(name: .customLong("results"),
            help: "Write rate-sqnr.csv, README.md (tables and the generating command) and the rate-sqnr plot into this folder.")
    var resultsFolder: String?

    @Option(name: .customLong("table-log"), help: "tANS table log R.")
    var tableLog: Int = 11

    @Option(help: "Decoder lanes P (1, as compression.md).")
    var lanes: Int = 1

    @Option(help: "Comma-separated bin counts of the bins modes.")
    var bins: String = Self.defaultBins

    @Option(help: "Comma-separated μ of the mu modes (absolute error).")
    var mu: String = Self.defaultMu

    @Option(help: "Comma-separated μ of the rmu modes (relative error).")
    var rmu: String = Self.defaultRmu

    @Option(help: "Lowest and highest matched SQNR in dB, as LOW:HIGH (1 dB steps).")
    var span: String = "5:36"

    @Option(name: .customLong("nncodec-qp"), help: "Comma-separated NNCodec qp values of the peer (its default is −38; on MobileNetV2 −48…−12 spans about 5–50 dB).")
    var nncodecQP: String = "-48,-46,-44,-42,-40,-38,-36,-34,-32,-30,-28,-26,-24,-22,-20,-18,-16,-14,-12"

    @Option(name: .customLong("nncodec-lambda"), help: ArgumentHelp(
        "Comma-separated NNCodec lambda_scale values of the peer: 0 is its default pipeline (mode nncodec); λ > 0 also runs its rate-aware trellis (mode nncodec-rd<λ>).",
        discussion: "NNCodec's default lambda_scale 0 makes its dependent-quantization trellis ignore rate; the issue's comparison is against that default, and a rate-aware curve shows how much of SubBit's margin comes from it."))
    var nncodecLambda: String = "0"

    @Option(help: "Technology file of the tools' decoder-cost table (skipped, with a note, when the default file is not there).")
    var tech: String = Self.defaultTech

    @Option(name: .customLong("cost-lanes"), help: "Decoder lanes P of the tools' decoder-cost table (the hardware's, not the bench's codec).")
    var costLanes: Int = 8

    @Option(name: .customLong("max-bins"), help: "The most bins the mu and rmu calibrations may give a layer (odd, 1…4095; above 255 a layer's levels are stored split — coded coarse symbols plus raw fine bits — and its RDOQ, DQ and per-channel twins keep it at nearest rounding, as those tools stop at 255 bins).")
    var maxBins = ZeroPointQuantizer.maxBins

    @Flag(name: .customLong("no-peer"), help: "Do not look for NNCodec.")
    var noPeer = false

    @Flag(name: .customLong("dq"), help: "Also measure dependent quantization: bins+dq, mu+dq, rmu+dq (same calibration, half the step, NNC's 8-state trellis at the twin's μ).")
    var dependentQuantization = false

    @Flag(name: .customLong("per-channel"), help: "Also measure per-channel steps: bins+pc, mu+pc, rmu+pc (same bins per layer; bins+pc: each output channel its MSE step; mu+pc/rmu+pc: the layer's calibrated step, or the channel's MSE step where wider; stored as a float32 base + one byte per channel, counted in the rate; nearest rounding).")
    var perChannel = false

    func run() throws {
        let binCounts = try CommaList.integers(bins, option: "--bins")
        for n in binCounts + [maxBins] { _ = try validating { try LayerBins(bins: n) } }
        let absolute = try CommaList.weights(mu, option: "--mu")
        let relative = try CommaList.weights(rmu, option: "--rmu")
        let ends = span.split(separator: ":").map { Double($0) }
        guard ends.count == 2, let low = ends[0], let high = ends[1], low.isFinite, high.isFinite, low <= high, high - low <= 200 else {
            throw ValidationError("bad --span '\(span)': write LOW:HIGH in dB, e.g. 5:36")
        }
        let qps = try CommaList.integers(nncodecQP, option: "--nncodec-qp")
        let lambdas = try CommaList.weights(nncodecLambda, option: "--nncodec-lambda")
        let codec = try validating { try CodecOptions(codec: .tans, tableLog: tableLog, lanes: lanes) }
        let url = URL(fileURLWithPath: model)
        let input = try failing { try SafeTensorsFile(contentsOf: url) }
        let gnuplot = try resultsFolder.map { _ in try failing { try GnuplotRenderer.locate() } }
        guard (1...64).contains(costLanes) else { throw ValidationError("--cost-lanes \(costLanes) is out of range: give 1…64 decoder lanes") }
        let technology: Technology?
        if tech == Self.defaultTech && !FileManager.default.fileExists(atPath: tech) {
            technology = nil
        } else {
            technology = try failing { try Technology.load(contentsOf: URL(fileURLWithPath: tech)) }
        }

        var bench = RateSQNRBenchmark(codec: codec, bins: binCounts, absoluteWeights: absolute, relativeWeights: relative)
        bench.dependentQuantization = dependentQuantization
        bench.perChannel = perChannel
        bench.maxBins = maxBins
        print("mode        point                      SQNR dB   tANS b/qw   time s   RDOQ s")
        var rows = try failing {
            try bench.run(input) { r in
                print(r.mode.padding(toLength: 11, withPad: " ", startingAt: 0) + " "
                      + r.point.padding(toLength: 26, withPad: " ", startingAt: 0)
                      + String(format: " %7.2f   %9.4f   %6.2f   %6.2f", r.sqnrDecibels, r.bitsPerWeight, r.seconds, r.rdoqSeconds))
            }
        }
        var extra: [String] = []
        let peerNote: String
        if noPeer {
            peerNote = "NNCodec peer: not run (--no-peer)."
        } else {
            switch NNCodecPeer.run(model: url, qps: qps, lambdas: lambdas) {
            case .unavailable:
                peerNote = "NNCodec peer: not run — \(NNCodecPeer.interpreter) cannot import nncodec; enable it with `Scripts/install-nncodec.sh`, then set SUBBIT_PYTHON to the python it names (optional). SubBit alone."
            case .failed(let why):
                peerNote = "NNCodec peer: failed (\(why)); SubBit alone."
            case .measured(let peer, let version):
                rows += peer
                extra = lambdas.map { NNCodecPeer.mode(lambda: $0) }.filter { m in peer.contains { $0.mode == m } }
                peerNote = "NNCodec peer: nncodec \(version), default pipeline (dependent quantization, DeepCABAC) at qp \(qps.map(String.init).joined(separator: ", ")), on the same tensors"
                    + (lambdas.contains { $0 > 0 } ? "; also its rate-aware trellis (not its default) at lambda_scale \(lambdas.filter { $0 > 0 }.map { String(format: "%g", $0) }.joined(separator: ", ")) (nncodec-rd<λ>)." : ".")
                for r in peer {
                    print(r.mode.padding(toLength: 11, withPad: " ", startingAt: 0) + " " + r.point.padding(toLength: 26, withPad: " ", startingAt: 0)
                          + String(format: " %7.2f   %9.4f   %6.2f", r.sqnrDecibels, r.bitsPerWeight, r.seconds))
                }
            }
        }
        print(peerNote)
        let targets = Array(stride(from: low, through: high, by: 1.0))
        let matched = RateSQNRBenchmark.matchedTable(rows, targets: targets, extra: extra)
        print("\nBits per quantized weight at matched SQNR (linear interpolation in SQNR between each mode's points; – outside a mode's range):\n")
        print(matched, terminator: "")
        var summary = RateSQNRBenchmark.summary(rows, targets: targets, low: low, high: high)
        if let technology {
            let tools = try failing {
                try Self.toolCosts(rows, targets: targets, shapes: bench.quantizedShapes(input), technology: technology,
                                   lanes: costLanes, tableLog: tableLog)
            }
            summary += "\n\n" + tools
        } else {
            summary += "\n\nDecoder cost of the tools: not computed — no technology file at \(tech) (give one with --tech)."
        }
        print("\n" + summary)

        let csv = RateSQNRBenchmark.csv(rows)
        if let output {
            try failing { try AtomicFile.write(Array(csv.utf8), to: URL(fileURLWithPath: output)) }
            print("wrote \(output)")
        }
        if let resultsFolder, let gnuplot {
            let folder = URL(fileURLWithPath: resultsFolder)
            let command = "subbit bench rd \(url.lastPathComponent) --table-log \(tableLog) --lanes \(lanes) --span \(span)"
                + (bins == Self.defaultBins ? "" : " --bins \(bins)") + (mu == Self.defaultMu ? "" : " --mu \(mu)")
                + (rmu == Self.defaultRmu ? "" : " --rmu \(rmu)") + (maxBins == ZeroPointQuantizer.maxBins ? "" : " --max-bins \(maxBins)")
                + (dependentQuantization ? " --dq" : "")
                + (perChannel ? " --per-channel" : "") + (nncodecLambda == "0" ? "" : " --nncodec-lambda \(nncodecLambda)")
                + (tech == Self.defaultTech ? "" : " --tech \(tech)") + (costLanes == 8 ? "" : " --cost-lanes \(costLanes)")
                + (noPeer ? " --no-peer" : "") + " --results \(resultsFolder)"
            let readme = RateSQNRBenchmark.readme(rows, modelName: url.deletingPathExtension().lastPathComponent, command: command,
                                     codec: codec, matched: matched, summary: summary, peerNote: peerNote)
            let curves = (RateSQNRBenchmark.subBitModes + extra).compactMap { m -> RateSQNRPlot.Curve? in
                let points = rows.filter { $0.mode == m }.map { (sqnr: $0.sqnrDecibels, bits: $0.bitsPerWeight) }
                return points.isEmpty ? nil : RateSQNRPlot.Curve(name: m, points: points)
            }
            // All four outputs or none: an interrupted or failed run leaves the previous study whole.
            try failing {
                try AtomicFolder.write(folder, keepingOthers: true) { staging in
                    try AtomicFile.write(Array(csv.utf8), to: staging.appendingPathComponent("rate-sqnr.csv"))
                    try AtomicFile.write(Array(readme.utf8), to: staging.appendingPathComponent("README.md"))
                    try RateSQNRPlot.render(curves, subtitle: "\(url.deletingPathExtension().lastPathComponent), tANS R = \(tableLog), \(lanes) lane(s)",
                                            to: staging, gnuplot: gnuplot, formats: [.svg, .png])
                }
            }
            print("wrote \(folder.path)/rate-sqnr.csv, README.md, rate-sqnr.{dat,gp,svg,png}")
        }
    }

    /// What each quantizer tool costs in the decoder beside the bits it saves: per tool, the
    /// mean saving of its best mode over the best plain mode at the matched SQNR points both
    /// reach, the weight memory that saves (SRAM macro area, read energy per weight), and the
    /// decoder share the tool adds in `subbit decoder`'s model at P = `lanes`, R = `tableLog`,
    /// W = 64, up to 255 bins. RDOQ changes no decoder; dependent quantization adds the state
    /// machines; per-channel steps add the step banks, the setup step generator and per-lane
    /// channel tracking.
    static func toolCosts(_ rows: [RateSQNRBenchmark.Row], targets: [Double], shapes: [[Int]], technology: Technology,
                          lanes: Int, tableLog: Int) throws -> String {
        guard case .asic(let asic) = technology.kind else {
            return "Decoder cost of the tools: \(technology.name) is not an ASIC technology; the tools' shares are modelled for ASIC only."
        }
        let matched = RateSQNRBenchmark.matched(rows, targets: targets)
        let weights = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        let config = try DecoderConfiguration(lanes: lanes, tableLog: tableLog, portBits: 64, clockHz: technology.clockHz)
        var dqConfig = config
        dqConfig.dependentQuantization = .eightState
        let model = DecoderCostModel(technology: technology)
        let dq = model.dependentQuantizationCost(dqConfig, maxBins: BinCount.maximum)
        let pc = model.perChannelStepCost(config, layers: shapes.map { (weights: $0.reduce(1, *), channels: $0.first ?? 1) })
        let tools: [(name: String, modes: [String], cost: (area: Double, energyPerWeight: Double)?)] = [
            ("RDOQ", RateSQNRBenchmark.rdoqModes, (0, 0)),
            ("dependent quantization (8 states)", RateSQNRBenchmark.dqModes, dq),
            ("per-channel steps", RateSQNRBenchmark.pcModes, pc.map { ($0.area, $0.energyPerWeight) }),
        ]
        var lines = [String(format: "Decoder cost of each tool beside the bits it saves (%@; P = %d, R = %d, W = 64, up to %d bins, `subbit decoder`'s model; %d quantized weights). Saved: best mode of the tool vs best plain mode, mean over the matched SQNR points both reach; memory: the weight SRAM those bits occupy (macro area; read energy per weight at the plain size).",
                                technology.name, lanes, tableLog, BinCount.maximum, weights)]
        lines.append("tool                                SQNR points   saved b/qw   memory saved µm²   decoder added µm²   net saved µm²   memory read saved pJ/w   decoder added pJ/w")
        for tool in tools {
            let pairs = matched.compactMap { m -> (saved: Double, plain: Double)? in
                guard let saved = m.saved(best: tool.modes, over: RateSQNRBenchmark.plainModes),
                      let plain = m.best(RateSQNRBenchmark.plainModes) else { return nil }
                return (saved, plain)
            }
            guard !pairs.isEmpty, let cost = tool.cost else { continue }
            let saved = pairs.map(\.saved).reduce(0, +) / Double(pairs.count)
            let plainBits = pairs.map(\.plain).reduce(0, +) / Double(pairs.count)
            let memoryArea = asic.sramArea(bits: saved * Double(weights))
            let readEnergy = saved * asic.sramReadEnergyPerBit(bytes: plainBits * Double(weights) / 8)
            lines.append(tool.name.padding(toLength: 35, withPad: " ", startingAt: 0)
                         + String(format: " %11d   %10.3f   %16.0f   %17.0f   %13.0f   %22.4f   %18.4f",
                                  pairs.count, saved, memoryArea, cost.area, memoryArea - cost.area, readEnergy, cost.energyPerWeight))
        }
        if lines.count == 2 { return "Decoder cost of the tools: no tool mode was measured (add --dq / --per-channel)." }
        return lines.joined(separator: "\n")
    }
}
