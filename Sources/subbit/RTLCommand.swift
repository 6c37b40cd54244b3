import ArgumentParser
import DecoderHardware
import Foundation
import Plotting

/// `subbit rtl MODEL.sbw -o DIR …`: the decoder as Verilog, optionally with a bit-exact testbench
/// on the model's real layers, simulated with Icarus Verilog.
struct RTLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtl",
        abstract: "Generate the tANS decoder as synthesizable Verilog; optionally simulate it on a model's layers.",
        discussion: """
            Writes one folder per configuration (lanes × table logs) under --output, with one \
            Verilog-2005 module per block (state update, bit extractor, port arbiter, dequantizer, \
            table builder, escape unit, control), the table memory wrapper and blocks.txt for \
            Scripts/synth-decoder.sh. --testbench also exports the model's layers (re-encoded for \
            the configuration) as $readmemh files with a self-checking testbench; --simulate runs \
            it with Icarus Verilog (package iverilog), checks every symbol against the software \
            decoder and prints RTL, simulator and model cycles per layer.
            """)

    @Argument(help: "Compressed model (.sbw) whose layers size the decoder and feed the testbench.")
    var model: String

    @Option(name: [.short, .customLong("output")], help: "Output folder (one subfolder per configuration).")
    var output: String

    @Option(help: "Lane counts P, comma-separated.")
    var lanes = "4"

    @Option(name: .customLong("table-log"), help: "Table logs R, comma-separated.")
    var tableLog = "10"

    @Option(name: .customLong("port-bits"), help: "Weight-memory port width W, bits (≤ 64).")
    var portBits = 32

    @Option(help: "Stream layout: split or interleaved.")
    var layout = "split"

    @Option(help: "Table sharing: replicated or shared.")
    var sharing = "replicated"

    @Option(name: .customLong("buffer-bits"), help: "Lane bit-buffer size (default max(2W, W+R)).")
    var bufferBits: Int?

    @Option(help: "Only these layers (comma-separated tensor names).")
    var layers: String?

    @Option(name: .customLong("max-layer-weights"), help: "Skip layers with more weights than this.")
    var maxLayerWeights: Int?

    @Option(help: "Technology file for the model's GE per block (model_ge.csv), e.g. Experiments/tech/asic-45nm.yaml.")
    var tech: String?

    @Flag(help: "Also export the layers and a self-checking testbench.")
    var testbench = false

    @Flag(help: "Export and run the testbench with Icarus Verilog; print RTL vs simulator vs model cycles.")
    var simulate = false

    @Option(help: "With --simulate: write the per-layer cycle comparison as CSV to this file.")
    var csv: String?

    @Option(help: "Draw rtl-area.svg/.png (logic area vs decode rate, model beside synthesis) into this folder; needs --tech.")
    var plot: String?

    @Option(help: "With --plot: folder holding <configuration>/synthesis.csv from Scripts/synth-decoder.sh.")
    var synthesis: String?

    func run() throws {
        let lanesList = try CommaList.integers(lanes, option: "--lanes")
        let logs = try CommaList.integers(tableLog, option: "--table-log")
        let layoutValue: [StreamLayout] = try CommaList.choices(layout, option: "--layout")
        let sharingValue: [TableSharing] = try CommaList.choices(sharing, option: "--sharing")
        guard layoutValue.count == 1, sharingValue.count == 1 else {
            throw ValidationError("--layout and --sharing take one value each")
        }
        if let maxLayerWeights, maxLayerWeights < 1 {
            throw ValidationError("--max-layer-weights: give a positive number of weights")
        }
        if csv != nil && !simulate { throw ValidationError("--csv needs --simulate (it holds the simulated cycles)") }
        if plot != nil && tech == nil { throw ValidationError("--plot needs --tech (the model's gate equivalents come from it)") }
        if synthesis != nil && plot == nil { throw ValidationError("--synthesis needs --plot") }
        var request = RTLRequest(lanes: lanesList, tableLogs: logs, portBits: portBits, layout: layoutValue[0],
                                 sharing: sharingValue[0], laneBufferBits: bufferBits, testbench: testbench,
                                 simulate: simulate)
        request.measureRate = plot != nil
        try failing {
            let technology = try tech.map { try Technology.load(contentsOf: URL(fileURLWithPath: $0)) }
            if simulate {
                // Fail before any work when the simulator is missing.
                _ = try RTLToolchain.locate(.iverilog)
                _ = try RTLToolchain.locate(.vvp)
            }
            let names = layers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let source = try RTLFlow.load(sbw: URL(fileURLWithPath: model), names: names, maxWeights: maxLayerWeights)
            let gnuplot = try plot.map { _ in try GnuplotRenderer.locate() }
            let results = try RTLFlow.run(request, layers: source, output: URL(fileURLWithPath: output),
                                          technology: technology) { print($0) }
            if let plot, let gnuplot, let technology, case .asic(let asic) = technology.kind {
                var points: [DecoderAreaPlot.Point] = []
                for result in results {
                    let ge = try RTLFlow.gateEquivalents(result.design, asic: asic,
                                                         synthesis: synthesis.map { URL(fileURLWithPath: $0) })
                    points.append(DecoderAreaPlot.Point(
                        lanes: result.design.configuration.lanes, weightsPerCycle: result.simulatedWeightsPerCycle ?? 0,
                        modelledGE: ge.modelled, calibratedGE: ge.calibrated, synthesizedGE: ge.synthesized))
                    print("\(result.design.configuration.label): \(String(format: "%.3f", result.simulatedWeightsPerCycle ?? 0)) weights/cycle "
                          + "(model \(String(format: "%.3f", result.modelledWeightsPerCycle ?? 0))), logic GE model \(Int(ge.modelled.rounded())), "
                          + "calibrated \(Int(ge.calibrated.rounded())), synthesized \(ge.synthesized.map { String(Int($0.rounded())) } ?? "–")")
                }
                let first = results[0].design.configuration
                let subtitle = "\(URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent), R = \(first.tableLog), "
                    + "W = \(first.portBits), \(first.layout.rawValue) \(first.sharing.rawValue)"
                let files = try DecoderAreaPlot.render(points, subtitle: subtitle, to: URL(fileURLWithPath: plot),
                                                       gnuplot: gnuplot, formats: [.svg, .png])
                print("wrote " + files.map(\.path).joined(separator: ", "))
            } else if plot != nil {
                throw ValidationError("--plot needs an ASIC technology file (gate equivalents)")
            }
            guard simulate else { return }
            for result in results {
                print("\n\(result.design.configuration.label):")
                print(RTLCycleReport.table(result.runs, configuration: result.design.configuration), terminator: "")
            }
            if let csv {
                let text = RTLCycleReport.csv(results.map { ($0.design.configuration, $0.runs) })
                try Data(text.utf8).write(to: URL(fileURLWithPath: csv), options: .atomic)
                print("wrote \(csv)")
            }
        }
    }
}
