import EntropyCoding
import Foundation
import ModelIO

/// A quantized layer of an `.sbw` file as the RTL flow re-encodes it: symbols, bins and step,
/// or per-output-channel steps (then `step` is their base).
public struct RTLSourceLayer: Sendable {
    public var symbols: QuantizedLayerSymbols
    public var step: Float
    public var channelSteps: ChannelSteps? = nil
    public var name: String { symbols.name }
}

/// What `subbit rtl` generates: configurations (lanes × table logs), and for each the RTL, and
/// optionally the testbench with the model's layers exported and simulated.
public struct RTLRequest: Sendable {
    public var lanes: [Int]
    public var tableLogs: [Int]
    public var portBits: Int
    public var layout: StreamLayout
    public var sharing: TableSharing
    public var laneBufferBits: Int?
    /// Export the layers and the testbench.
    public var testbench: Bool
    /// Also run Icarus Verilog on every exported layer.
    public var simulate: Bool
    /// Also measure each configuration's decode rate with ``CycleSimulator`` (cycle-exact with
    /// the RTL's decode phase) over all the layers.
    public var measureRate = false

    public init(lanes: [Int], tableLogs: [Int], portBits: Int, layout: StreamLayout, sharing: TableSharing,
                laneBufferBits: Int? = nil, testbench: Bool, simulate: Bool) {
        self.lanes = lanes
        self.tableLogs = tableLogs
        self.portBits = portBits
        self.layout = layout
        self.sharing = sharing
        self.laneBufferBits = laneBufferBits
        self.testbench = testbench || simulate
        self.simulate = simulate
    }
}

/// The `subbit rtl` flow: validates every configuration against every layer first, then per
/// configuration re-encodes the layers (as ``DecoderSweep`` does), writes the design folder and,
/// when asked, the testbench and layer images, and simulates them.
///
/// ```swift
/// let layers = try RTLFlow.load(sbw: url, names: nil, maxWeights: 100_000)
/// let results = try RTLFlow.run(request, layers: layers, output: folder, technology: tech) { print($0) }
/// ```
/// - Complexity: O(configurations · (encode + simulate) ) over the selected layers.
public enum RTLFlow {
    /// The quantized, table-coded layers of an `.sbw` file, optionally only `names` (in file
    /// order) and only those of at most `maxWeights` weights.
    public static func load(sbw url: URL, names: [String]?, maxWeights: Int?) throws -> [RTLSourceLayer] {
        let file = try SBWFile(contentsOf: url)
        var layers: [RTLSourceLayer] = []
        for tensor in file.tensors {
            guard case .quantized(let q) = tensor.payload else { continue }
            if let names, !names.contains(tensor.name) { continue }
            if let split = q.splitLevels {
                throw RTLError.unsupported("split levels (tensor '\(tensor.name)', \(q.bins) bins: coarse symbols and \(split.fineBits) raw fine bits per weight): the generated decoder reads no fine-bit stream; compress with at most 255 bins, or model the file with `subbit decoder`")
            }
            var symbols = QuantizedLayerSymbols(name: tensor.name, bins: q.bins, symbols: try q.symbols())
            symbols.dependentQuantization = q.dependentQuantization
            // Constant layers (one symbol) have no table: the header alone decodes them (the
            // decoder's constant mode); a layer without weights has nothing to decode.
            guard symbols.usedSymbols >= 1 else { continue }
            if let maxWeights, symbols.symbols.count > maxWeights { continue }
            layers.append(RTLSourceLayer(symbols: symbols, step: q.step, channelSteps: q.channelSteps))
        }
        if let names {
            let all = Set(file.tensors.map(\.name))
            if let unknown = names.first(where: { !all.contains($0) }) {
                throw RTLError.unsupported("a layer named '\(unknown)': \(url.lastPathComponent) has no such tensor (see `subbit inspect`)")
            }
        }
        guard !layers.isEmpty else { throw RTLError.noTableLayers(url.path) }
        return layers
    }

    /// One configuration's outcome.
    public struct Result: Sendable {
        public var design: RTLDesign
        public var folder: URL
        /// Empty unless the request simulates.
        public var runs: [RTLLayerRun]
        /// Decoded weights per decode-phase cycle over all the layers (simulator and model),
        /// when the request measures the rate.
        public var simulatedWeightsPerCycle: Double?
        public var modelledWeightsPerCycle: Double?
    }

    /// The model's logic GE (tables excluded for replicated tables), uncalibrated and calibrated,
    /// and the synthesized GE read from `synthesis/<configuration>/synthesis.csv` if present
    /// (written by `Scripts/synth-decoder.sh`; its per-block rows, without the combined row).
    public static func gateEquivalents(_ design: RTLDesign, asic: ASICTechnology, synthesis: URL?)
        throws -> (modelled: Double, calibrated: Double, synthesized: Double?) {
        let rows = design.modelGateEquivalents(asic: asic)
        var synthesized: Double?
        if let synthesis {
            let file = synthesis.appendingPathComponent(design.folderName).appendingPathComponent("synthesis.csv")
            if let text = try? String(contentsOf: file, encoding: .utf8) {
                var total = 0.0
                for line in text.split(separator: "\n").dropFirst() {
                    let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                    guard fields.count > 4, fields[0] != "arbiter+control", let ge = Double(fields[4]) else { continue }
                    total += ge
                }
                synthesized = total
            }
        }
        return (rows.reduce(0) { $0 + $1.ge }, rows.reduce(0) { $0 + $1.calibrated }, synthesized)
    }

    public static func run(_ request: RTLRequest, layers: [RTLSourceLayer], output: URL, technology: Technology?,
                           progress: (String) -> Void) throws -> [Result] {
        let clock = technology?.clockHz ?? 1e9
        guard !request.lanes.isEmpty, !request.tableLogs.isEmpty else {
            throw DecoderSweepError.emptyAxis(request.lanes.isEmpty ? "lanes" : "table-log")
        }
        // Dependent quantization: the dequantizers get the state machine (the largest any layer uses
        // is costed; the RTL runs either machine by the layer's dq_mode register).
        let machine = layers.compactMap(\.symbols.dependentQuantization).max { $0.stateCount < $1.stateCount }
        // Refuse impossible points before any work.
        var configurations: [DecoderConfiguration] = []
        for r in request.tableLogs {
            for p in request.lanes {
                var config = try DecoderConfiguration(lanes: p, tableLog: r, sharing: request.sharing,
                                                      portBits: request.portBits, laneBufferBits: request.laneBufferBits,
                                                      clockHz: clock, layout: request.layout)
                config.dependentQuantization = machine
                guard TANSCodec.tableLogs.contains(r) else {
                    throw DecoderSweepError.codecRange("table log R = \(r) is outside the codec's \(TANSCodec.tableLogs); pick R in that range")
                }
                guard TANSCodec.laneCounts.contains(p) else {
                    throw DecoderSweepError.codecRange("lanes = \(p) is outside the codec's \(TANSCodec.laneCounts); pick lanes in that range")
                }
                for layer in layers where layer.symbols.usedSymbols > config.tableEntries {
                    throw DecoderConfigurationError.tableTooSmall(layer: layer.name, tableLog: r, usedSymbols: layer.symbols.usedSymbols)
                }
                _ = try RTLDesign(configuration: config, alphabetSize: layers.map(\.symbols.bins).max() ?? 1, escapeUnit: false)
                configurations.append(config)
            }
        }
        let alphabet = layers.map { max($0.symbols.bins, 1) }.max() ?? 1
        // Per-channel steps: the decoder gets the step banks and lanes, sized by the layers.
        let perChannel = layers.compactMap { layer in
            layer.channelSteps.map { (channels: $0.channelCount, weights: layer.symbols.symbols.count / max(1, $0.channelCount)) }
        }
        let channelSteps = perChannel.isEmpty ? nil : RTLChannelStepGeometry(
            maxChannels: perChannel.map(\.channels).max()!, maxWeightsPerChannel: perChannel.map(\.weights).max()!)
        var results: [Result] = []
        for config in configurations {
            var coded: [(RTLSourceLayer, TANSEncoded)] = []
            for layer in layers {
                let encoded = try TANSCodec.encode(layer.symbols.symbols, alphabetSize: max(layer.symbols.bins, 1),
                                                   tableLog: config.tableLog, lanes: config.lanes,
                                                   layout: config.layout)
                coded.append((layer, encoded))
            }
            let design = try RTLDesign(configuration: config, alphabetSize: alphabet,
                                       escapeUnit: coded.contains { $0.1.escape != nil }, channelSteps: channelSteps)
            let folder = output.appendingPathComponent(design.folderName)
            var simulatedRate: Double?
            var modelledRate: Double?
            if request.measureRate {
                let simulator = CycleSimulator(configuration: config)
                var weights = 0, simulatedCycles = 0, modelledCycles = 0
                for (layer, encoded) in coded {
                    let simulated = SimulatedLayer(name: layer.name, encoded: encoded, usedSymbols: layer.symbols.usedSymbols)
                    simulatedCycles += try simulator.run(simulated).cycles.decodePhase
                    modelledCycles += DecoderCostModel.cycles(layer: simulated.profile, config: config).decodePhase
                    weights += encoded.symbolCount
                }
                simulatedRate = Double(weights) / Double(max(simulatedCycles, 1))
                modelledRate = Double(weights) / Double(max(modelledCycles, 1))
            }
            guard request.testbench else {
                try AtomicFolder.write(folder) { temp in
                    try design.write(to: temp.appendingPathComponent("rtl"), technology: technology)
                }
                progress("wrote \(folder.path) (\(config.label), escape unit: \(design.escapeUnit))")
                results.append(Result(design: design, folder: folder, runs: [], simulatedWeightsPerCycle: simulatedRate,
                                      modelledWeightsPerCycle: modelledRate))
                continue
            }
            let images = try coded.map { layer, encoded in
                try RTLLayerImage(name: layer.name, encoded: encoded, step: layer.step,
                                  usedSymbols: layer.symbols.usedSymbols, design: design,
                                  dependentQuantization: layer.symbols.dependentQuantization,
                                  channelSteps: layer.channelSteps)
            }
            try RTLSimulation.export(design: design, layers: images, to: folder, technology: technology)
            progress("wrote \(folder.path) (\(config.label), escape unit: \(design.escapeUnit), \(images.count) layers)")
            var runs: [RTLLayerRun] = []
            if request.simulate {
                runs = try RTLSimulation.run(folder: folder, design: design, layers: images)
                progress(RTLCycleReport.summary(runs, configuration: config).trimmingCharacters(in: .newlines))
            }
            results.append(Result(design: design, folder: folder, runs: runs, simulatedWeightsPerCycle: simulatedRate,
                                  modelledWeightsPerCycle: modelledRate))
        }
        return results
    }
}
