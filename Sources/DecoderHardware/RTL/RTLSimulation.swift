import EntropyCoding
import Foundation
import ModelIO

/// One layer decoded three ways: by the generated RTL under Icarus Verilog, by ``CycleSimulator``
/// and by the analytic model (``DecoderCostModel/cycles(layer:config:)``).
public struct RTLLayerRun: Sendable {
    public var name: String
    public var symbols: Int
    /// RTL setup and decode-phase cycles, as the testbench counted them.
    var rtlSetup: Int
    var rtlDecodePhase: Int
    public var simulator: LayerCycles
    /// The simulator with the idealised zero-latency weight memory (the abstraction before the
    /// RTL): how much the synchronous SRAM's read latency changes the decode phase.
    var idealSimulator: LayerCycles
    public var model: LayerCycles
    /// A constant layer (one symbol, no table), decoded in the RTL's constant mode.
    public var constant = false

    /// |model − RTL| / RTL on the decode phase.
    var modelDecodeError: Double { Self.error(model.decodePhase, rtlDecodePhase) }
    /// |simulator − RTL| / RTL on the decode phase.
    var simulatorDecodeError: Double { Self.error(simulator.decodePhase, rtlDecodePhase) }
    /// |model − RTL| / RTL on setup.
    var modelSetupError: Double { Self.error(model.setup, rtlSetup) }

    static func error(_ value: Int, _ reference: Int) -> Double {
        reference == 0 ? (value == 0 ? 0 : .infinity) : Double(abs(value - reference)) / Double(reference)
    }
}

/// Exports coded layers with the generated decoder and its testbench, runs Icarus Verilog on
/// each, checks every symbol, and sets the RTL's cycle counts beside the simulator's and the
/// model's.
///
/// ```swift
/// try RTLSimulation.export(design: design, layers: images, to: folder, technology: tech)
/// let runs = try RTLSimulation.run(folder: folder, design: design, layers: images)
/// ```
/// - Complexity: O(layers · (setup + decode-phase cycles)) simulated cycles.
public enum RTLSimulation {
    /// The folder of layer `index` inside a design folder.
    static func layerFolder(_ folder: URL, index: Int, name: String) -> URL {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        return folder.appendingPathComponent("layers").appendingPathComponent(String(format: "%03d-", index) + safe)
    }

    /// Writes the design (``RTLDesign/write(to:technology:)``), `tb.v` sized for the layers, and
    /// one folder of `$readmemh` files per layer, all or nothing.
    public static func export(design: RTLDesign, layers: [RTLLayerImage], to folder: URL, technology: Technology?) throws {
        try AtomicFolder.write(folder) { temp in
            try design.write(to: temp.appendingPathComponent("rtl"), technology: technology)
            let words = layers.map(\.memoryWords).max() ?? 1
            let symbols = layers.map(\.symbolCount).max() ?? 1
            try RTLTestbench.source(design: design, memoryWords: words, symbols: symbols)
                .write(to: temp.appendingPathComponent("tb.v"), atomically: false, encoding: .utf8)
            var list = ""
            for (i, layer) in layers.enumerated() {
                let sub = layerFolder(temp, index: i, name: layer.name)
                try layer.write(to: sub, portBits: design.configuration.portBits)
                list += "\(sub.lastPathComponent) \(layer.name) \(layer.symbolCount)\n"
            }
            try list.write(to: temp.appendingPathComponent("layers.txt"), atomically: false, encoding: .utf8)
        }
    }

    /// Compiles the exported testbench once and simulates every layer; throws
    /// ``RTLError/mismatch(layer:detail:)`` if any symbol or weight differs from the software
    /// decoder's or the simulation does not finish.
    public static func run(folder: URL, design: RTLDesign, layers: [RTLLayerImage]) throws -> [RTLLayerRun] {
        let iverilog = try RTLToolchain.locate(.iverilog)
        let vvp = try RTLToolchain.locate(.vvp)
        let sources = design.modules.map { "rtl/\($0.name).v" }
        try RTLToolchain.run(iverilog, ["-g2005", "-o", "tb.vvp", "tb.v"] + sources, in: folder)
        let config = design.configuration
        let simulator = CycleSimulator(configuration: config)
        var idealConfig = config
        idealConfig.memoryReadLatency = 0
        let ideal = CycleSimulator(configuration: idealConfig)
        var runs: [RTLLayerRun] = []
        for (i, layer) in layers.enumerated() {
            let sub = layerFolder(folder, index: i, name: layer.name)
            let output = try RTLToolchain.run(vvp, ["-n", "tb.vvp", "+data=\(sub.path)/"], in: folder)
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("RESULT ") }) else {
                let detail = output.split(separator: "\n").filter { $0.hasPrefix("TIMEOUT") || $0.hasPrefix("MISMATCH") || $0.hasPrefix("ERROR") }
                throw RTLError.mismatch(layer: layer.name, detail: detail.isEmpty ? "no RESULT line" : detail.joined(separator: "; "))
            }
            var fields: [String: Int] = [:]
            for part in line.split(separator: " ").dropFirst() {
                let kv = part.split(separator: "=")
                if kv.count == 2, let v = Int(kv[1]) { fields[String(kv[0])] = v }
            }
            guard let setup = fields["setup"], let decode = fields["decode"], let mismatches = fields["mismatches"] else {
                throw RTLError.mismatch(layer: layer.name, detail: "unreadable result line '\(line)'")
            }
            if mismatches != 0 {
                let detail = output.split(separator: "\n").filter { $0.hasPrefix("MISMATCH") }.prefix(3).joined(separator: "; ")
                throw RTLError.mismatch(layer: layer.name, detail: "\(mismatches) mismatches: \(detail)")
            }
            let simulated = try simulator.run(layer.simulated)
            guard simulated.symbols.elementsEqual(layer.expectedSymbols.lazy.map(UInt16.init)) else {
                throw RTLError.mismatch(layer: layer.name, detail: "the cycle simulator's symbols differ from the software decoder's")
            }
            runs.append(RTLLayerRun(name: layer.name, symbols: layer.symbolCount, rtlSetup: setup, rtlDecodePhase: decode,
                                    simulator: simulated.cycles, idealSimulator: try ideal.run(layer.simulated).cycles,
                                    model: DecoderCostModel.cycles(layer: layer.profile, config: config),
                                    constant: layer.profile.tableLog == 0))
        }
        return runs
    }
}
