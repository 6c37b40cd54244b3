import EntropyCoding
import Foundation

/// The RTL-vs-simulator-vs-model cycle table of `subbit rtl --simulate`: one row per layer, then
/// the worst and median decode-phase errors, for layers of at least ``largeLayer`` weights and
/// for the smaller ones separately; constant layers (the decoder's constant mode) on a line of
/// their own.
///
/// ```swift
/// print(RTLCycleReport.table(runs, configuration: config))
/// ```
/// - Complexity: O(layers · log layers) (the medians sort).
public enum RTLCycleReport {
    /// Layers from this many weights up are "large" (the 3 % bound applies to them).
    static let largeLayer = 10_000

    public static func table(_ runs: [RTLLayerRun], configuration: DecoderConfiguration) -> String {
        var text = "| layer | weights | RTL setup | model setup | RTL decode | simulator decode | simulator λ=0 | model decode | model err |\n"
        text += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for run in runs {
            text += "| \(run.name) | \(run.symbols) | \(run.rtlSetup) | \(run.model.setup) | \(run.rtlDecodePhase) | "
                + "\(run.simulator.decodePhase) | \(run.idealSimulator.decodePhase) | \(run.model.decodePhase) | \(percent(run.modelDecodeError)) |\n"
        }
        text += summary(runs, configuration: configuration)
        return text
    }

    /// One line per size class: worst and median decode-phase error of the model and the
    /// simulator against the RTL, and the largest setup error; then one line for the constant
    /// layers, whose setup the model counts one memory latency short (the header burst's).
    public static func summary(_ runs: [RTLLayerRun], configuration: DecoderConfiguration) -> String {
        var text = ""
        let coded = runs.filter { !$0.constant }
        for (label, subset) in [("≥ 10k weights", coded.filter { $0.symbols >= largeLayer }),
                                ("< 10k weights", coded.filter { $0.symbols < largeLayer })] where !subset.isEmpty {
            let model = subset.map(\.modelDecodeError)
            let sim = subset.map(\.simulatorDecodeError)
            let ideal = subset.map { RTLLayerRun.error($0.idealSimulator.decodePhase, $0.rtlDecodePhase) }
            let setup = subset.map(\.modelSetupError)
            text += "\(configuration.label), \(subset.count) layers \(label): decode phase, model vs RTL worst "
                + "\(percent(model.max() ?? 0)) median \(percent(median(model))); simulator vs RTL worst "
                + "\(percent(sim.max() ?? 0)) (zero-latency simulator \(percent(ideal.max() ?? 0))); setup, model vs RTL worst "
                + "\(percent(setup.max() ?? 0))\n"
        }
        let constant = runs.filter(\.constant)
        if !constant.isEmpty {
            let decode = constant.map(\.modelDecodeError).max() ?? 0
            let sim = constant.map(\.simulatorDecodeError).max() ?? 0
            let extra = constant.map { $0.rtlSetup - $0.model.setup }
            text += "\(configuration.label), \(constant.count) constant layers: decode phase, model vs RTL worst "
                + "\(percent(decode)), simulator vs RTL worst \(percent(sim)); setup, RTL − model "
                + "\(extra.min() ?? 0)…\(extra.max() ?? 0) cycles (the model's constant-layer setup omits the header burst's memory latency)\n"
        }
        return text
    }

    /// CSV rows (with header) for the cycle comparison of several configurations.
    public static func csv(_ results: [(DecoderConfiguration, [RTLLayerRun])]) -> String {
        var text = "lanes,table_log,port_bits,layout,sharing,layer,weights,rtl_setup_cycles,model_setup_cycles,"
            + "rtl_decode_cycles,simulator_decode_cycles,ideal_simulator_decode_cycles,model_decode_cycles\n"
        for (config, runs) in results {
            for run in runs {
                let name = run.name.contains(",") ? "\"\(run.name)\"" : run.name
                text += "\(config.lanes),\(config.tableLog),\(config.portBits),\(config.layout.rawValue),"
                    + "\(config.sharing.rawValue),\(name),\(run.symbols),\(run.rtlSetup),\(run.model.setup),"
                    + "\(run.rtlDecodePhase),\(run.simulator.decodePhase),\(run.idealSimulator.decodePhase),\(run.model.decodePhase)\n"
            }
        }
        return text
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let m = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2
    }

    static func percent(_ value: Double) -> String {
        value.isFinite ? String(format: "%.2f %%", value * 100) : "∞"
    }
}
