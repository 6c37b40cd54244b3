import EntropyCoding
import Foundation
import ModelIO

/// The Verilog-2005 decoder for one configuration: the module parameters derived from a
/// ``DecoderConfiguration``, the model's alphabet and whether the escape unit is present, and the
/// files that describe it (sources, per-block synthesis parameters, the model's GE per block).
///
/// ```swift
/// let design = try RTLDesign(configuration: config, alphabetSize: 15, escapeUnit: true)
/// try design.write(to: URL(fileURLWithPath: "rtl/P4-R10"), technology: tech)
/// ```
/// - Complexity: O(1) to derive; writing is O(size of the sources).
public struct RTLDesign: Sendable, Equatable {
    public var configuration: DecoderConfiguration
    /// Largest quantizer alphabet N the hardware handles (the count register file has N fields).
    public var alphabetSize: Int
    /// Whether the shared escape unit is built.
    var escapeUnit: Bool
    /// Per-output-channel steps (``RTLModule/channelSteps``), built when a layer has them: the
    /// step banks' depth and the lanes' counters are sized by it. Nil: one step per layer.
    public var channelSteps: RTLChannelStepGeometry?
    /// Weight-memory word address width.
    static let addressBits = DecoderCostModel.addressBits

    public init(configuration: DecoderConfiguration, alphabetSize: Int, escapeUnit: Bool,
                channelSteps: RTLChannelStepGeometry? = nil) throws {
        guard (1...256).contains(alphabetSize) else {
            throw RTLError.unsupported("an alphabet of \(alphabetSize) symbols; the RTL handles 1…256 (8-bit symbols)")
        }
        guard configuration.portBits <= 64 else {
            throw RTLError.unsupported("a \(configuration.portBits)-bit port; the RTL export packs words of at most 64 bits")
        }
        self.configuration = configuration
        self.alphabetSize = alphabetSize
        self.escapeUnit = escapeUnit
        self.channelSteps = channelSteps
        if channelSteps != nil, configuration.portBits < 8 {
            throw RTLError.unsupported("per-channel steps on a \(configuration.portBits)-bit port; the step generator reads a code byte per cycle from ports of 8 bits or more")
        }
    }

    var p: Int { configuration.lanes }
    var r: Int { configuration.tableLog }
    var w: Int { configuration.portBits }
    var b: Int { configuration.laneBufferBits }
    var split: Bool { configuration.layout == .split }
    /// Symbol bits ⌈log₂ N⌉ (at least 1).
    var symbolBits: Int { max(1, ceilLog2(alphabetSize)) }
    var nbBits: Int { configuration.nbBitsFieldBits }
    var entryBits: Int { symbolBits + nbBits + r }
    /// Main streams (split: P; interleaved: 1) and all streams (plus the escape stream).
    var mainStreams: Int { split ? p : 1 }
    var streams: Int { mainStreams + (escapeUnit ? 1 : 0) }
    /// Header words: counts (N fields of R+1 bits), initial states and step, escape state and symbol.
    var countWordsMax: Int { (alphabetSize * (r + 1) + w - 1) / w }
    var stateWordsMax: Int { (p * r + 16 + w - 1) / w }
    var escapeStateWords: Int { (r + 8 + w - 1) / w }
    var splitFillBits: Int { bitsToRepresent(b) }
    var sharedFillBits: Int { bitsToRepresent(p * b) }
    var streamFillBits: Int { split ? splitFillBits : sharedFillBits }
    var laneCountBits: Int { bitsToRepresent(p) }
    var headBits: Int { max(1, bitsToRepresent(p - 1)) }
    var streamIndexBits: Int { max(1, bitsToRepresent(streams - 1)) }
    var primeQuotaBits: Int { max(1, bitsToRepresent(split ? 1 : p)) }
    /// Whether the dequantizers reconstruct dependent quantization (`DQ = 1`): when the
    /// configuration costs a state machine (``DecoderConfiguration/dependentQuantization``).
    public var dependentQuantization: Bool { configuration.dependentQuantization != nil }
    /// `DQ = 1` when dependent quantization is built; plain designs keep their parameter lists.
    var dqParameters: [(String, Int)] { dependentQuantization ? [("DQ", 1)] : [] }

    /// The per-channel block's sizes (``RTLModule/channelSteps``): channel count bits CB, lane
    /// position bits WB (w and P mod w), bank address bits DB (⌈C/P⌉ rows) and bank index bits
    /// LB; empty without per-channel steps, so plain designs keep their parameter lists.
    var channelParameters: [(String, Int)] {
        guard let g = channelSteps else { return [] }
        return [("CB", bitsToRepresent(g.maxChannels)), ("WB", bitsToRepresent(max(g.maxWeightsPerChannel, p))),
                ("DB", max(1, bitsToRepresent((g.maxChannels + p - 1) / p - 1))), ("LB", headBits)]
    }

    /// The Verilog modules of this design: ``RTLModule/allWithChannelSteps`` with per-channel
    /// steps, else ``RTLModule/all``.
    var modules: [RTLModule] { channelSteps == nil ? RTLModule.all : RTLModule.allWithChannelSteps }

    /// The top level's parameters, in declaration order.
    var topParameters: [(String, Int)] {
        [("P", p), ("R", r), ("N", alphabetSize), ("SB", symbolBits), ("NB", nbBits), ("W", w), ("B", b),
         ("AW", Self.addressBits), ("SPLIT", split ? 1 : 0), ("SHARED", configuration.sharing == .shared ? 1 : 0),
         ("ESC", escapeUnit ? 1 : 0), ("KC", countWordsMax), ("KS", stateWordsMax), ("KES", escapeStateWords),
         ("FB", splitFillBits), ("FBI", sharedFillBits), ("OB", bitsToRepresent(p * r)), ("PB", laneCountBits),
         ("HB", headBits), ("SB2", streamIndexBits), ("QB", primeQuotaBits), ("S", streams)] + dqParameters + channelParameters
    }

    /// The blocks synthesis costs for this configuration, each as (block, module, parameters).
    /// The shared table is logic (flip-flops and read multiplexers); replicated tables are SRAM
    /// macros and not in the list.
    public var blocks: [(block: String, module: String, parameters: [(String, Int)])] {
        var list: [(String, String, [(String, Int)])] = []
        if configuration.sharing == .shared {
            list.append(("decode_tables", RTLModule.tableMemory.name, [("AB", r), ("DW", entryBits), ("PORTS", p)]))
        }
        list.append((RTLBlock.stateUpdate.rawValue, RTLModule.stateUpdate.name, [("P", p), ("R", r)]))
        if split {
            list.append((RTLBlock.bitExtractor.rawValue, RTLModule.bitExtractor.name,
                         [("LANES", p), ("R", r), ("NB", nbBits), ("W", w), ("B", b), ("FB", splitFillBits),
                          ("SEL", streamIndexBits)]))
        } else {
            list.append((RTLBlock.bitExtractor.rawValue, RTLModule.interleavedExtractor.name,
                         [("P", p), ("R", r), ("NB", nbBits), ("W", w), ("BT", p * b), ("FB", sharedFillBits),
                          ("OB", bitsToRepresent(p * r))]))
        }
        list.append((RTLBlock.dequantizer.rawValue, RTLModule.dequantizer.name, [("P", p), ("SB", symbolBits)] + dqParameters))
        if channelSteps != nil {
            list.append((RTLBlock.channelSteps.rawValue, RTLModule.channelSteps.name,
                         [("P", p), ("W", w), ("AW", Self.addressBits)] + channelParameters + [("PB", laneCountBits)]))
        }
        list.append((RTLBlock.tableBuilder.rawValue, RTLModule.tableBuilder.name,
                     [("N", alphabetSize), ("R", r), ("NB", nbBits), ("SB", symbolBits), ("W", w), ("KC", countWordsMax)]))
        list.append((RTLBlock.portArbiter.rawValue, RTLModule.portArbiter.name,
                     [("S", streams), ("M", mainStreams), ("ESC", escapeUnit ? 1 : 0), ("W", w),
                      ("AW", Self.addressBits), ("FB", streamFillBits), ("SB2", streamIndexBits),
                      ("CAP_MAIN", split ? b : p * b), ("CAP_ESC", b), ("QUOTA_MAIN", split ? 1 : p),
                      ("QB", primeQuotaBits)]))
        if escapeUnit {
            list.append((RTLBlock.escapeUnit.rawValue, RTLModule.escapeUnit.name,
                         [("P", p), ("R", r), ("NB", nbBits), ("SB", symbolBits), ("W", w), ("B", b),
                          ("FB", splitFillBits), ("PB", laneCountBits), ("HB", headBits)]))
        }
        list.append((RTLBlock.control.rawValue, RTLModule.control.name,
                     [("P", p), ("R", r), ("NB", nbBits), ("SB", symbolBits), ("W", w), ("AW", Self.addressBits),
                      ("FB", splitFillBits), ("FBI", sharedFillBits), ("OB", bitsToRepresent(p * r)),
                      ("SPLIT", split ? 1 : 0), ("ESC", escapeUnit ? 1 : 0), ("PB", laneCountBits),
                      ("KS", stateWordsMax), ("KES", escapeStateWords)]))
        return list.map { (block: $0.0, module: $0.1, parameters: $0.2) }
    }

    /// A folder name for the configuration, e.g. `P4-R10-W32-split-replicated`.
    var folderName: String {
        "P\(p)-R\(r)-W\(w)-\(configuration.layout.rawValue)-\(configuration.sharing.rawValue)" + (dependentQuantization ? "-dq" : "")
            + (channelSteps != nil ? "-pc" : "")
    }

    /// `blocks.txt`: one line per block, `block module NAME=value …` (read by Scripts/synth-decoder.sh).
    var blocksListing: String {
        var text = "# block module parameters (Scripts/synth-decoder.sh synthesizes each line)\n"
        for entry in blocks {
            text += "\(entry.block) \(entry.module) " + entry.parameters.map { "\($0.0)=\($0.1)" }.joined(separator: " ") + "\n"
        }
        text += "top \(RTLModule.top.name) " + topParameters.map { "\($0.0)=\($0.1)" }.joined(separator: " ") + "\n"
        return text
    }

    /// The model's gate equivalents per block for this configuration on `asic` (area / NAND2
    /// area), uncalibrated and with the technology's synthesis calibration: rows
    /// decode_tables (shared only), state_update, bit_extractor, dequantizer, table_builder,
    /// arbiter+control (the RTL's port_arbiter and control blocks together: address and group
    /// counters, arbiter, escape FIFO) and escape_unit (the model's escape increment over all
    /// blocks).
    func modelGateEquivalents(asic: ASICTechnology) -> [(block: String, ge: Double, calibrated: Double)] {
        let g = DecoderCostModel.Geometry(config: configuration, maxBins: alphabetSize, escapeUnit: false)
        var e = g
        e.escapeUnit = true
        var rows: [(String, Double, Double)] = []
        let ge = asic.nand2AreaUm2
        let plain = DecoderCostModel.logicBlocks(geometry: g, asic: asic, calibrated: false)
        let calibrated = DecoderCostModel.logicBlocks(geometry: g, asic: asic, calibrated: true)
        if configuration.sharing == .shared { rows.append(("decode_tables", plain.tables / ge, calibrated.tables / ge)) }
        rows += [(RTLBlock.stateUpdate.rawValue, plain.state / ge, calibrated.state / ge),
                 (RTLBlock.bitExtractor.rawValue, plain.extractors / ge, calibrated.extractors / ge),
                 (RTLBlock.dequantizer.rawValue, plain.dequantizers / ge, calibrated.dequantizers / ge),
                 (RTLBlock.tableBuilder.rawValue, plain.builder / ge, calibrated.builder / ge),
                 ("arbiter+control", plain.control / ge, calibrated.control / ge)]
        if escapeUnit {
            func logic(_ b: (tables: Double, state: Double, extractors: Double, dequantizers: Double, builder: Double, control: Double)) -> Double {
                b.state + b.extractors + b.control
            }
            let withPlain = DecoderCostModel.logicBlocks(geometry: e, asic: asic, calibrated: false)
            let withCalibrated = DecoderCostModel.logicBlocks(geometry: e, asic: asic, calibrated: true)
            rows.append((RTLBlock.escapeUnit.rawValue, (logic(withPlain) - logic(plain)) / ge,
                         (logic(withCalibrated) - logic(calibrated)) / ge))
        }
        if let steps = channelSteps {
            let logic = DecoderCostModel.perChannelStepLogic(configuration, maxChannels: steps.maxChannels,
                                                             maxWeightsPerChannel: steps.maxWeightsPerChannel, asic: asic)
            rows.append((RTLBlock.channelSteps.rawValue, logic.area / ge, logic.calibrated / ge))
        }
        return rows.map { (block: $0.0, ge: $0.1, calibrated: $0.2) }
    }

    /// Writes the design into `folder` (replacing it atomically): one `.v` file per module,
    /// `blocks.txt`, `model_ge.csv` (the model's GE per block on `technology`, when it is an
    /// ASIC) and `design.txt` (the configuration).
    public func write(to folder: URL, technology: Technology?) throws {
        try AtomicFolder.write(folder) { temp in
            for module in modules {
                try module.source.write(to: temp.appendingPathComponent(module.name + ".v"), atomically: false, encoding: .utf8)
            }
            try blocksListing.write(to: temp.appendingPathComponent("blocks.txt"), atomically: false, encoding: .utf8)
            var description = "configuration: \(configuration.label)\nalphabet: \(alphabetSize)\nescape_unit: \(escapeUnit)\n"
            description += "lane_buffer_bits: \(b)\ntable_read_latency: 1\nmemory_read_latency: 1\n"
            if let g = channelSteps {
                description += "channel_steps: \(g.maxChannels) channels, \(g.maxWeightsPerChannel) weights per channel at most\n"
            }
            if let technology, case .asic(let asic) = technology.kind {
                var csv = "block,model_ge,model_ge_calibrated\n"
                for row in modelGateEquivalents(asic: asic) {
                    csv += "\(row.block),\(String(format: "%.1f", row.ge)),\(String(format: "%.1f", row.calibrated))\n"
                }
                try csv.write(to: temp.appendingPathComponent("model_ge.csv"), atomically: false, encoding: .utf8)
                description += "model_technology: \(technology.name)\n"
            }
            try description.write(to: temp.appendingPathComponent("design.txt"), atomically: false, encoding: .utf8)
        }
    }
}

/// A request the RTL generator or its simulation cannot serve, with the reason and the fix.
public enum RTLError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case unsupported(String)
    case missingTool(tool: String, package: String)
    case toolFailed(tool: String, output: String)
    case mismatch(layer: String, detail: String)
    case noTableLayers(String)

    public var description: String {
        switch self {
        case .unsupported(let what):
            return "the RTL generator does not support \(what)"
        case .missingTool(let tool, let package):
            return "'\(tool)' is not installed; install the Debian package \(package) (Scripts/setup.sh does it)"
        case .toolFailed(let tool, let output):
            return "\(tool) failed:\n\(output)"
        case .mismatch(let layer, let detail):
            return "layer '\(layer)': the RTL simulation disagrees with the software decoder (\(detail))"
        case .noTableLayers(let path):
            return "\(path) has no quantized layer with weights to decode here (check --layers and --max-layer-weights)"
        }
    }
    public var errorDescription: String? { description }
}
