import ArgumentParser
import DecoderHardware
import EntropyCoding
import Foundation

/// `subbit decoder MODEL.sbw …`: compare hardware decoder configurations on a compressed model.
struct DecoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decoder",
        abstract: "Compare tANS decoder hardware configurations on a compressed model.",
        discussion: """
            Re-encodes the model's symbols at every table log and lane count, then reports area, \
            energy per weight, cycles, throughput and net silicon saved for every configuration \
            (analytic model). --simulate also runs the cycle-level simulator on the real streams, \
            checks its symbols against the software decoder and reports the measured cycles.
            """)

    @Argument(help: "Compressed model (.sbw).")
    var model: String

    @Option(help: "Lane counts P, comma-separated.")
    var lanes = "1,2,4,8,16"

    @Option(name: .customLong("table-log"), help: "Table logs R (L = 2^R entries), comma-separated.")
    var tableLog = "8,10,12"

    @Option(name: .customLong("port-bits"), help: "Weight-memory port widths W (bits per cycle), comma-separated.")
    var portBits = "32,64"

    @Option(help: "Technology file, e.g. Experiments/tech/asic-22nm.yaml.")
    var tech: String

    @Option(help: "Table sharing: replicated, shared (comma-separated).")
    var sharing = "replicated"

    @Option(help: "Stream layout: split, interleaved (comma-separated).")
    var layout = "split"

    @Option(name: .customLong("buffer-bits"), help: "Lane bit-buffer size (default max(2W, W+R)).")
    var bufferBits: Int?

    @Option(name: .customLong("clock-mhz"), help: "Clock in MHz (default: the technology file's).")
    var clockMHz: Double?

    @Option(help: """
        Weights per cycle the compute array consumes, comma-separated: prints the smallest lane count         keeping up with each; the CSV's keeps_up and latency_added_us use the first (default: P).
        """)
    var consumer: String?

    @Option(name: .customLong("memory-read-latency"),
            help: "Cycles from a weight-memory read request to its data: 0 (ideal port) … 8; 1 is a synchronous SRAM, as in the generated RTL.")
    var memoryReadLatency = 1

    @Option(name: .customLong("state-loop-cycles"),
            help: "Cycles of a lane's state loop (table read → extract → add): 1, as in the generated RTL, or 2 (pipelined: a lane decodes every second cycle, for clocks the one-cycle loop cannot reach).")
    var stateLoopCycles = 1

    @Option(name: .customLong("layer-form"),
            help: "How each layer is stored per configuration: configured (tANS at the configuration's R) or smallest (per layer the smallest of tANS at R' ≤ R and fixed-width, as compress --layer-form smallest stores it; fixed-width layers take the bypass).")
    var layerForm: LayerForm = .configured

    @Flag(help: "Also run the cycle-level simulator on the real streams.")
    var simulate = false

    @Flag(name: .customLong("double-buffer"),
          help: "Double-buffered decode tables: twice the table storage; each layer's table build but the first overlaps the previous layer's decode phase.")
    var doubleBuffer = false

    @Flag(help: "Per configuration, a Markdown table of net area saved and energy per weight with the SRAM array efficiencies, read energy and leakage each scaled by 0.7 and 1.3 (ASIC only).")
    var sensitivity = false

    @Option(name: [.short, .customLong("output")], help: "Write the results as CSV to this file.")
    var output: String?

    func run() throws {
        var axes = DecoderSweep.Axes(
            lanes: try CommaList.integers(lanes, option: "--lanes"),
            tableLogs: try CommaList.integers(tableLog, option: "--table-log"),
            portBits: try CommaList.integers(portBits, option: "--port-bits"),
            sharings: try CommaList.choices(sharing, option: "--sharing"),
            layouts: try CommaList.choices(layout, option: "--layout"),
            laneBufferBits: bufferBits,
            clockHz: clockMHz.map { $0 * 1e6 })
        axes.doubleBufferTables = doubleBuffer
        guard (0...DecoderConfiguration.maximumMemoryReadLatency).contains(memoryReadLatency) else {
            throw ValidationError("--memory-read-latency \(memoryReadLatency) is out of range: give 0 (ideal port) … \(DecoderConfiguration.maximumMemoryReadLatency) cycles (1, the default, is a synchronous SRAM)")
        }
        guard stateLoopCycles == 1 || stateLoopCycles == 2 else {
            throw ValidationError("--state-loop-cycles \(stateLoopCycles) is not modelled: give 1 (table read, extract and add in one cycle, the default) or 2 (the pipelined loop)")
        }
        axes.memoryReadLatency = memoryReadLatency
        axes.stateLoopCycles = stateLoopCycles
        axes.layerForm = layerForm
        let consumers = try consumer.map { try CommaList.integers($0, option: "--consumer") } ?? []
        if consumers.contains(where: { $0 < 1 }) {
            throw ValidationError("--consumer: a compute array consumes at least 1 weight per cycle")
        }
        do {
            let technology = try Technology.load(contentsOf: URL(fileURLWithPath: tech))
            let layers = try QuantizedLayerSymbols.load(sbw: URL(fileURLWithPath: model))
            let points = try DecoderSweep.run(layers: layers, axes: axes, technology: technology, simulate: simulate)
            print("\(model): \(layers.count) quantized tensors, \(layers.reduce(0) { $0 + $1.symbols.count }) weights; "
                  + "technology \(technology.name)")
            // Only when changed, so the default report reads as before.
            if memoryReadLatency != 1 || stateLoopCycles != 1 {
                print("weight-memory read latency \(memoryReadLatency) cycle(s), state loop \(stateLoopCycles) cycle(s)")
            }
            print(DecoderReport.table(points), terminator: "")
            let shares = DecoderReport.toolShares(points, layers: layers, technology: technology)
            if !shares.isEmpty { print(shares) }
            for c in consumers {
                print(DecoderReport.keepingUpSummary(points, consumer: c), terminator: "")
            }
            if sensitivity {
                for point in points {
                    let rows = try DecoderSensitivity.rows(point, technology: technology)
                    print("")
                    print(DecoderSensitivity.markdown(rows, title: "\(model), \(technology.name), \(point.configuration.label):"),
                          terminator: "")
                }
            }
            if let output {
                let url = URL(fileURLWithPath: output)
                // Atomic: written to a temporary file beside the target, then renamed.
                try Data(DecoderReport.csv(points, consumer: consumers.first).utf8).write(to: url, options: .atomic)
                print("wrote \(output)")
            }
        } catch let error as EntropyCodingError {
            throw CommandFailure("\(model): \(error)")
        } catch let error as CocoaError {
            throw CommandFailure("cannot write \(output ?? "the output"): \(error.localizedDescription); check the folder exists and is writable")
        } catch {
            throw CommandFailure("\(error)")   // technology, configuration, sweep and simulation errors name their fix
        }
    }
}
