import ArgumentParser
import DecoderHardware
import Foundation

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

    func run() throws {
        let lanesList = try DecoderCommand.integers(lanes, option: "--lanes")
        let logs = try DecoderCommand.integers(tableLog, option: "--table-log")
        let layoutValue: [StreamLayout] = try DecoderCommand.names(layout, option: "--layout")
        let sharingValue: [TableSharing] = try DecoderCommand.names(sharing, option: "--sharing")
        guard layoutValue.count == 1, sharingValue.count == 1 else {
            throw ValidationError("--layout and --sharing take one value each")
        }
        if let maxLayerWeights, maxLayerWeights < 1 {
            throw ValidationError("--max-layer-weights: give a positive number of weights")
        }
        if csv != nil && !simulate { throw ValidationError("--csv needs --simulate (it holds the simulated cycles)") }
        let request = RTLRequest(lanes: lanesList, tableLogs: logs, portBits: portBits, layout: layoutValue[0],
                                 sharing: sharingValue[0], laneBufferBits: bufferBits, testbench: testbench,
                                 simulate: simulate)
        try failing {
            let technology = try tech.map { try Technology.load(contentsOf: URL(fileURLWithPath: $0)) }
            if simulate {
                // Fail before any work when the simulator is missing.
                _ = try RTLToolchain.locate(.iverilog)
                _ = try RTLToolchain.locate(.vvp)
            }
            let names = layers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let source = try RTLFlow.load(sbw: URL(fileURLWithPath: model), names: names, maxWeights: maxLayerWeights)
            let results = try RTLFlow.run(request, layers: source, output: URL(fileURLWithPath: output),
                                          technology: technology) { print($0) }
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
