import EntropyCoding
import Foundation

/// A quantized layer's symbols: what a decoder sweep re-encodes at each table log and lane count.
public struct QuantizedLayerSymbols: Sendable {
    public var name: String
    /// The coded symbols' alphabet (symbols are 0…N−1): the quantizer's bins, or for split
    /// levels (``fineBits`` > 0) the coarse alphabet C.
    public var bins: Int
    public var symbols: [UInt8]
    /// Distinct symbols present.
    public let usedSymbols: Int
    /// The dependent-quantization state machine the layer's dequantizer runs (nil: plain).
    public var dependentQuantization: DQStateMachine? = nil
    /// The layer's per-output-channel steps (nil: one step), for their decoder share
    /// (``DecoderCostModel/perChannelStepCost(_:maxChannels:maxWeightsPerChannel:weights:channels:)``).
    public var channelSteps: ChannelSteps? = nil
    /// Raw fine bits per symbol of split levels (more than 255 bins; ``LayerProfile/fineBits``), 0 otherwise.
    public var fineBits = 0
    /// The fine values of split levels and the quantizer's bins N (nil: no split levels, or
    /// only their count is known): what the cycle simulator reads as the fine-bit stream and
    /// joins into the levels the software decoder returns.
    public var splitLevels: (fine: SplitLevels, bins: Int)? = nil

    public init(name: String, bins: Int, symbols: [UInt8]) {
        self.name = name
        self.bins = bins
        self.symbols = symbols
        var seen = [Bool](repeating: false, count: 256)
        var used = 0
        for s in symbols where !seen[Int(s)] {
            seen[Int(s)] = true
            used += 1
        }
        usedSymbols = used
    }

    /// A stored layer: `symbols`, its coded symbols, with what its record tells the decoder —
    /// the alphabet, the dependent-quantization machine, per-channel steps, split levels' fine bits.
    /// `subbit decoder` (from a file) and a sweep point (from the model it just stored) both
    /// describe layers this way, so the decoder they cost is the same.
    public init(name: String, record q: SBWQuantizedTensor, symbols: [UInt8]) {
        self.init(name: name, bins: q.coded.alphabetSize, symbols: symbols)
        dependentQuantization = q.dependentQuantization
        channelSteps = q.channelSteps
        fineBits = q.splitLevels?.fineBits ?? 0
        splitLevels = q.splitLevels.map { ($0, q.bins) }
    }

    /// The levels the software decoder returns: the symbols, or for split levels the bin
    /// indices `(coarse << s) | fine` (``SplitLevels/indices(coarse:)``).
    var levels: [UInt16] {
        splitLevels.map { $0.fine.indices(coarse: symbols) } ?? symbols.map(UInt16.init)
    }

    /// The quantized tensors of an `.sbw` file, decoded by the software decoder, in file order.
    public static func load(sbw url: URL) throws -> [QuantizedLayerSymbols] {
        let file = try SBWFile(contentsOf: url)
        var layers: [QuantizedLayerSymbols] = []
        for tensor in file.tensors {
            guard case .quantized(let q) = tensor.payload else { continue }
            layers.append(QuantizedLayerSymbols(name: tensor.name, record: q, symbols: try q.symbols()))
        }
        guard !layers.isEmpty else {
            throw DecoderSweepError.noQuantizedTensors(url.path)
        }
        return layers
    }
}

/// Problems a sweep refuses before doing any work.
public enum DecoderSweepError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case noQuantizedTensors(String)
    case emptyAxis(String)
    case codecRange(String)
    case simulationMismatch(layer: String, configuration: String)
    case sensitivityNeedsASIC(String)

    public var description: String {
        switch self {
        case .noQuantizedTensors(let path):
            return "\(path) holds no quantized tensors; pass a model written by `subbit compress`"
        case .emptyAxis(let axis):
            return "the \(axis) axis is empty; give at least one value"
        case .codecRange(let what):
            return what
        case .sensitivityNeedsASIC(let name):
            return "the sensitivity table varies SRAM array efficiency and energy, which \(name) (an FPGA) does not have; pass an ASIC technology file, e.g. --tech Experiments/tech/asic-22nm.yaml"
        case .simulationMismatch(let layer, let config):
            return "layer '\(layer)' at \(config): the simulated decoder's symbols differ from the software decoder's (a simulator bug; please report it)"
        }
    }
    public var errorDescription: String? { description }
}

/// Evaluates a grid of decoder configurations on a model: re-encodes its symbols at each
/// (table log, lanes, layout), runs the analytic model, and optionally the cycle simulator.
///
/// ```swift
/// let axes = DecoderSweep.Axes(lanes: [1, 4, 16], tableLogs: [10], portBits: [32, 64])
/// let points = try DecoderSweep.run(layers: layers, axes: axes, technology: tech, simulate: true)
/// ```
public enum DecoderSweep {
    public struct Axes: Sendable {
        public var lanes: [Int]
        public var tableLogs: [Int]
        public var portBits: [Int]
        public var sharings: [TableSharing]
        public var layouts: [StreamLayout]
        /// Lane buffer bits (nil: ``DecoderConfiguration/defaultLaneBufferBits(portBits:tableLog:)``).
        public var laneBufferBits: Int?
        /// Clock (nil: the technology's).
        public var clockHz: Double?
        /// Double-buffered decode tables (``DecoderConfiguration/doubleBufferTables``).
        public var doubleBufferTables = false
        /// Weight-memory read latency, cycles (``DecoderConfiguration/memoryReadLatency``; 1: a
        /// synchronous SRAM, the generated RTL's).
        public var memoryReadLatency = 1
        /// Cycles of a lane's state loop (``DecoderConfiguration/stateLoopCycles``; 1: the RTL's
        /// one-cycle loop, 2: the pipelined variant).
        public var stateLoopCycles = 1
        /// How each layer is stored at each configuration: tANS at the configuration's table
        /// log, or the smallest of tANS at table logs 5…R and fixed-width (``LayerForm``), as
        /// `subbit compress --layer-form smallest` stores it.
        public var layerForm: LayerForm = .configured

        public init(lanes: [Int], tableLogs: [Int], portBits: [Int], sharings: [TableSharing] = [.replicated],
                    layouts: [StreamLayout] = [.split], laneBufferBits: Int? = nil, clockHz: Double? = nil) {
            self.lanes = lanes
            self.tableLogs = tableLogs
            self.portBits = portBits
            self.sharings = sharings
            self.layouts = layouts
            self.laneBufferBits = laneBufferBits
            self.clockHz = clockHz
        }
    }

    /// The simulator's measurement of one configuration.
    public struct Simulation: Sendable {
        /// Per layer, as simulated.
        public var layers: [LayerCycles]
        public var totals: LayerCycles
        /// Largest per-layer |analytic − simulated| / simulated over total cycles (setup included).
        var maxTotalError: Double
        /// Largest per-layer |analytic − simulated| / simulated over decode-phase cycles only.
        var maxDecodePhaseError: Double
        /// The layer of ``maxDecodePhaseError`` with its analytic and simulated decode-phase cycles.
        var worstDecodePhaseLayer: (name: String, analytic: Int, simulated: Int)
    }

    /// One configuration's results.
    public struct Point: Sendable {
        public var cost: DecoderCost
        var simulation: Simulation?
        /// The model's layers as coded for this point's lanes and table log (what
        /// ``DecoderSensitivity`` re-costs under varied technology constants).
        public var profile: ModelProfile
        public var configuration: DecoderConfiguration { cost.configuration }
    }

    /// Runs the grid. Every configuration is validated against every layer before any encoding,
    /// so an impossible point is refused up front with its reason.
    public static func run(layers: [QuantizedLayerSymbols], axes: Axes, technology: Technology,
                           simulate: Bool) throws -> [Point] {
        for (name, axis) in [("lanes", axes.lanes), ("table-log", axes.tableLogs), ("port-bits", axes.portBits)]
        where axis.isEmpty {
            throw DecoderSweepError.emptyAxis(name)
        }
        if axes.sharings.isEmpty { throw DecoderSweepError.emptyAxis("sharing") }
        if axes.layouts.isEmpty { throw DecoderSweepError.emptyAxis("layout") }
        let clock = axes.clockHz ?? technology.clockHz
        // Validate every configuration and the table-size rule before encoding anything.
        for p in axes.lanes {
            for r in axes.tableLogs {
                for w in axes.portBits {
                    let config = try DecoderConfiguration(lanes: p, tableLog: r, portBits: w,
                                                          laneBufferBits: axes.laneBufferBits, clockHz: clock,
                                                          memoryReadLatency: axes.memoryReadLatency,
                                                          stateLoopCycles: axes.stateLoopCycles)
                    for layer in layers where layer.usedSymbols > config.tableEntries {
                        throw DecoderConfigurationError.tableTooSmall(layer: layer.name, tableLog: r,
                                                                      usedSymbols: layer.usedSymbols)
                    }
                    guard TANSCodec.tableLogs.contains(r) else {
                        throw DecoderSweepError.codecRange("table log R = \(r) is outside the codec's \(TANSCodec.tableLogs); pick R in that range")
                    }
                    guard TANSCodec.laneCounts.contains(p) else {
                        throw DecoderSweepError.codecRange("lanes = \(p) is outside the codec's \(TANSCodec.laneCounts); pick lanes in that range")
                    }
                }
            }
        }
        let model = DecoderCostModel(technology: technology)
        var points: [Point] = []
        for layout in axes.layouts {
            for r in axes.tableLogs {
                for p in axes.lanes {
                    var profiles: [LayerProfile] = []
                    var simulated: [SimulatedLayer] = []
                    for layer in layers {
                        let coded: CodedSymbols
                        if axes.layerForm == .smallest {
                            coded = try StoredFormChoice(layer.symbols, alphabetSize: max(layer.bins, 1), tableLog: r,
                                                         lanes: p, layout: layout).coded
                        } else {
                            coded = .tans(try TANSCodec.encode(layer.symbols, alphabetSize: max(layer.bins, 1),
                                                               tableLog: r, lanes: p, layout: layout))
                        }
                        profiles.append(LayerProfile(layer, coded: coded, lanes: p)!)
                        if simulate {
                            guard layer.fineBits == 0 || (layer.splitLevels?.fine.fineBits == layer.fineBits
                                    && layer.splitLevels?.fine.values.count == layer.symbols.count) else {
                                throw DecoderSweepError.codecRange("layer '\(layer.name)' has split levels (\(layer.fineBits) raw fine bits per weight) but not one fine value of that width per symbol to simulate; load it from its .sbw record")
                            }
                            var hardware: SimulatedLayer
                            switch coded {
                            case .tans(let encoded):
                                hardware = SimulatedLayer(name: layer.name, encoded: encoded, usedSymbols: layer.usedSymbols)
                            case .fixedWidth(let encoded):
                                hardware = SimulatedLayer(name: layer.name, fixedWidth: encoded, lanes: p,
                                                          usedSymbols: layer.usedSymbols)
                            case .huffman, .rans:
                                preconditionFailure("the decoder sweep stores tANS or fixed-width layers only")
                            }
                            if let split = layer.splitLevels, layer.fineBits > 0 {
                                hardware.fine = SimulatedFineStream(split.fine, bins: split.bins)
                            }
                            simulated.append(hardware)
                        }
                    }
                    let prepared = ModelProfile(profiles)
                    for w in axes.portBits {
                        var simulation: Simulation?
                        for sharing in axes.sharings {
                            var config = try DecoderConfiguration(
                                lanes: p, tableLog: r, sharing: sharing, portBits: w,
                                laneBufferBits: axes.laneBufferBits, clockHz: clock, layout: layout,
                                memoryReadLatency: axes.memoryReadLatency, stateLoopCycles: axes.stateLoopCycles,
                                doubleBufferTables: axes.doubleBufferTables)
                            config.equip(for: layers)
                            let cost = try model.evaluate(config, model: prepared)
                            // Sharing does not change the cycles: simulate once per port width.
                            if simulate && simulation == nil {
                                simulation = try Self.simulate(simulated, layers: layers, cost: cost)
                            }
                            points.append(Point(cost: cost, simulation: simulation, profile: prepared))
                        }
                    }
                }
            }
        }
        return points
    }

    /// Simulates every layer, checks the symbols against the software decoder's, and compares
    /// the cycle counts with the analytic ones.
    static func simulate(_ simulated: [SimulatedLayer], layers: [QuantizedLayerSymbols],
                         cost: DecoderCost) throws -> Simulation {
        let simulator = CycleSimulator(configuration: cost.configuration)
        var measured: [LayerCycles] = []
        var maxTotal = 0.0
        var maxPhase = 0.0
        var worst = (name: "", analytic: 0, simulated: 0)
        for (i, layer) in simulated.enumerated() {
            let result = try simulator.run(layer)
            let reference = layers[i].levels
            guard result.symbols == reference else {
                throw DecoderSweepError.simulationMismatch(layer: layer.name, configuration: cost.configuration.label)
            }
            let analytic = cost.layers[i]
            measured.append(result.cycles)
            // The simulator builds every table in setup: compare with the single-buffered total.
            maxTotal = max(maxTotal, relativeError(analytic.total + analytic.hiddenSetup, result.cycles.total))
            let phaseError = relativeError(analytic.decodePhase, result.cycles.decodePhase)
            if phaseError > maxPhase || worst.name.isEmpty {
                maxPhase = max(maxPhase, phaseError)
                worst = (layer.name, analytic.decodePhase, result.cycles.decodePhase)
            }
        }
        let totals = measured.reduce(into: LayerCycles.zero) { $0.accumulate($1) }
        return Simulation(layers: measured, totals: totals, maxTotalError: maxTotal, maxDecodePhaseError: maxPhase,
                          worstDecodePhaseLayer: worst)
    }

    /// |a − s| / s (0 when both are 0).
    static func relativeError(_ analytic: Int, _ simulated: Int) -> Double {
        simulated == 0 ? (analytic == 0 ? 0 : .infinity) : Double(abs(analytic - simulated)) / Double(simulated)
    }
}

extension LayerProfile {
    /// The analytic model's view of `layer` stored as `coded` for a `lanes`-lane decoder,
    /// with the decoder shares its record adds (per-channel steps, split levels' fine bits);
    /// nil for Huffman and rANS streams, which the decoder does not read.
    public init?(_ layer: QuantizedLayerSymbols, coded: CodedSymbols, lanes: Int) {
        self.init(name: layer.name, coded: coded, usedSymbols: layer.usedSymbols, lanes: lanes)
        channels = layer.channelSteps?.channelCount ?? 0
        fineBits = layer.fineBits
    }
}

extension DecoderConfiguration {
    /// Gives the dequantizers the largest dependent-quantization state machine any of `layers`
    /// uses (plain layers start it in state 0 and never read it; nil when none does).
    public mutating func equip(for layers: [QuantizedLayerSymbols]) {
        dependentQuantization = layers.compactMap(\.dependentQuantization).max { $0.stateCount < $1.stateCount }
    }
}
