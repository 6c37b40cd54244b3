import EntropyCoding
import Foundation

/// Formats sweep results as a terminal table and as tidy CSV (one row per configuration, units in
/// the column names, empty cells where a quantity does not apply to the technology).
///
/// Cycle columns: `setup_cycles` (table loads), `busy_cycles` (Σ ⌈n/P⌉), `stall_cycles`, and
/// `decode_cycles` = their sum, the name DESIGN.md's runs.csv uses; likewise `decoder_area_um2`,
/// `decoder_energy_pj_per_weight`, `throughput_weights_per_s`, `net_area_saved_um2`.
///
/// With double-buffered tables (`double_buffer` true) `setup_cycles`, `table_build_us` and
/// `latency_added_us` count only the exposed table loads (the first layer's, and whatever of a
/// build the previous decode phase does not cover); `table_build_hidden_us` is the rest. Leakage:
/// `energy_leakage_tables_pj_per_weight` is part of `decoder_energy_pj_per_weight`;
/// `memory_leakage_pj_per_weight` (and the fixed-width baseline's) is beside the read energy;
/// `total_energy_pj_per_weight` = decoder + memory read + memory leakage.
public enum DecoderReport {
    /// CSV column names, in order.
    public static let columns = [
        "technology", "lanes", "table_log", "port_bits", "sharing", "layout", "buffer_bits", "clock_mhz",
        "params", "bits_per_weight_coded", "stored_bits", "fixed_width_bits", "memory_saved_bits",
        "setup_cycles", "busy_cycles", "stall_cycles", "decode_cycles", "throughput_weights_per_s",
        "decode_rate_weights_per_cycle", "consumer_weights_per_cycle", "keeps_up", "latency_added_us",
        "table_build_us",
        "decoder_area_um2", "area_tables_um2", "area_state_um2", "area_extractors_um2", "area_dequantizers_um2",
        "area_control_um2", "decoder_energy_pj_per_weight", "energy_tables_pj_per_weight", "energy_state_pj_per_weight",
        "energy_extractors_pj_per_weight", "energy_dequantizers_pj_per_weight", "energy_control_pj_per_weight",
        "memory_energy_pj_per_weight", "fixed_width_memory_energy_pj_per_weight", "memory_area_saved_um2",
        "net_area_saved_um2", "luts", "flip_flops", "bram18", "dsp", "memory_bram18_saved", "net_bram18_saved",
        "sim_decode_cycles", "sim_stall_cycles", "sim_max_layer_error_pct", "sim_max_layer_decode_phase_error_pct",
        "double_buffer", "table_build_hidden_us", "energy_leakage_tables_pj_per_weight", "memory_leakage_pj_per_weight",
        "fixed_width_memory_leakage_pj_per_weight", "total_energy_pj_per_weight", "fixed_width_total_energy_pj_per_weight",
    ]

    /// The compute array's rate used for "keeps up" and "latency added": `consumer` if given,
    /// else the lane count (a decoder sized one weight per lane per cycle).
    static func consumerRate(_ point: DecoderSweep.Point, _ consumer: Int?) -> Int {
        consumer ?? point.configuration.lanes
    }

    /// The CSV text (header + one line per point).
    public static func csv(_ points: [DecoderSweep.Point], consumer: Int? = nil) -> String {
        var lines = [columns.joined(separator: ",")]
        for point in points {
            let cost = point.cost
            let c = point.configuration
            let rate = consumerRate(point, consumer)
            func number(_ value: Double?) -> String {
                guard let value else { return "" }
                return String(format: "%.6g", value)
            }
            func int(_ value: Int?) -> String { value.map(String.init) ?? "" }
            let sim = point.simulation
            var row: [String] = [
                cost.technologyName, "\(c.lanes)", "\(c.tableLog)", "\(c.portBits)", c.sharing.rawValue,
                c.layout.rawValue, "\(c.laneBufferBits)", number(c.clockHz / 1e6),
                "\(cost.symbols)", number(Double(cost.codedBits) / Double(max(cost.symbols, 1))),
                "\(cost.storedBits)", "\(cost.fixedWidthBits)", "\(cost.memorySavedBits)",
                "\(cost.totals.setup)", "\(cost.totals.decode)", "\(cost.totals.stalls)", "\(cost.totalCycles)",
                number(cost.throughputWeightsPerSecond), number(cost.decodeRateWeightsPerCycle), "\(rate)",
                cost.keepsUp(consumerWeightsPerCycle: rate) ? "true" : "false",
                number(cost.addedLatencySeconds(consumerWeightsPerCycle: rate) * 1e6),
                // Per inference: every layer's table load (setup), at the clock.
                number(Double(cost.totals.setup) / c.clockHz * 1e6),
            ]
            let a = cost.area
            row += [number(a?.total), number(a?.decodeTables), number(a?.stateRegisters), number(a?.bitExtractors),
                    number(a?.dequantizers), number(a?.control)]
            let e = cost.energy
            row += [number(e?.decoderPerWeight), number(e?.decodeTables), number(e?.stateRegisters),
                    number(e?.bitExtractors), number(e?.dequantizers), number(e?.control),
                    number(e?.weightMemoryPerWeight), number(e?.fixedWidthMemoryPerWeight),
                    number(cost.memoryAreaSavedUm2), number(cost.netAreaSavedUm2)]
            let r = cost.resources
            row += [int(r?.luts), int(r?.flipFlops), int(r?.bram18), int(r?.dsp), int(cost.memoryBram18Saved),
                    int(cost.netBram18Saved)]
            row += [int(sim?.totals.total), int(sim?.totals.stalls), number(sim.map { $0.maxTotalError * 100 }),
                    number(sim.map { $0.maxDecodePhaseError * 100 })]
            row += [c.doubleBufferTables ? "true" : "false",
                    number(Double(cost.totals.hiddenSetup) / c.clockHz * 1e6),
                    number(e?.tableLeakage), number(e?.weightMemoryLeakagePerWeight),
                    number(e?.fixedWidthMemoryLeakagePerWeight), number(e?.totalPerWeight),
                    number(e?.fixedWidthTotalPerWeight)]
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// For each (table log, port, sharing, layout) group of the sweep, the point with the fewest
    /// lanes that keeps up with a compute array taking `consumer` weights per cycle
    /// (``DecoderCost/keepsUp(consumerWeightsPerCycle:)``), or nil if no lane count does.
    static func smallestKeepingUp(_ points: [DecoderSweep.Point], consumer: Int)
        -> [(group: String, point: DecoderSweep.Point?)] {
        var order: [String] = []
        var best: [String: DecoderSweep.Point?] = [:]
        for point in points {
            let c = point.configuration
            let group = "R=\(c.tableLog) W=\(c.portBits) \(c.sharing.rawValue) \(c.layout.rawValue)"
            if best[group] == nil {
                order.append(group)
                best[group] = .some(nil)
            }
            guard point.cost.keepsUp(consumerWeightsPerCycle: consumer) else { continue }
            if let current = best[group]!, current.configuration.lanes <= c.lanes { continue }
            best[group] = point
        }
        return order.map { ($0, best[$0]!) }
    }

    /// One line per group of ``smallestKeepingUp(_:consumer:)``.
    public static func keepingUpSummary(_ points: [DecoderSweep.Point], consumer: Int) -> String {
        smallestKeepingUp(points, consumer: consumer).map { group, point in
            guard let point else {
                return "C=\(consumer) \(group): no lane count in the sweep keeps up"
            }
            let cost = point.cost
            var line = "C=\(consumer) \(group): smallest P keeping up = \(point.configuration.lanes)"
            line += String(format: ", %.1f Mweights/s", cost.throughputWeightsPerSecond / 1e6)
            if let area = cost.area, let energy = cost.energy, let net = cost.netAreaSavedUm2 {
                line += String(format: ", decoder %.0f um2, %.3f pJ/weight (+ %.3f memory read + %.3f memory leakage), net area saved %.0f um2",
                               area.total, energy.decoderPerWeight, energy.weightMemoryPerWeight,
                               energy.weightMemoryLeakagePerWeight, net)
            }
            if let r = cost.resources {
                line += ", \(r.luts) LUT, \(r.flipFlops) FF, \(r.bram18) BRAM18, \(r.dsp) DSP, net BRAM18 saved \(cost.netBram18Saved ?? 0)"
            }
            line += String(format: ", added latency %.1f us", cost.addedLatencySeconds(consumerWeightsPerCycle: consumer) * 1e6)
            return line
        }.joined(separator: "\n") + "\n"
    }

    /// A fixed-width table for the terminal.
    public static func table(_ points: [DecoderSweep.Point]) -> String {
        let fpga = points.first?.cost.resources != nil
        var header = ["P", "R", "W", "sharing", "layout", "bits/w", "cycles", "stalls", "Mweights/s"]
        header += fpga ? ["LUT", "FF", "BRAM18", "DSP", "net BRAM18"]
                       : ["area um2", "pJ/weight", "mem pJ/w", "mem leak pJ/w", "net saved um2"]
        let simulated = points.contains { $0.simulation != nil }
        if simulated { header += ["sim cycles", "sim stalls", "err %"] }
        var rows = [header]
        for point in points {
            let cost = point.cost
            let c = point.configuration
            var row = ["\(c.lanes)", "\(c.tableLog)", "\(c.portBits)", c.sharing.rawValue, c.layout.rawValue,
                       String(format: "%.3f", Double(cost.codedBits) / Double(max(cost.symbols, 1))),
                       "\(cost.totalCycles)", "\(cost.totals.stalls)",
                       String(format: "%.1f", cost.throughputWeightsPerSecond / 1e6)]
            if let r = cost.resources {
                row += ["\(r.luts)", "\(r.flipFlops)", "\(r.bram18)", "\(r.dsp)", "\(cost.netBram18Saved ?? 0)"]
            } else {
                row += [String(format: "%.0f", cost.area?.total ?? 0),
                        String(format: "%.3f", cost.energy?.decoderPerWeight ?? 0),
                        String(format: "%.3f", cost.energy?.weightMemoryPerWeight ?? 0),
                        String(format: "%.3f", cost.energy?.weightMemoryLeakagePerWeight ?? 0),
                        String(format: "%.0f", cost.netAreaSavedUm2 ?? 0)]
            }
            if simulated {
                if let sim = point.simulation {
                    row += ["\(sim.totals.total)", "\(sim.totals.stalls)", String(format: "%.3f", sim.maxTotalError * 100)]
                } else {
                    row += ["", "", ""]
                }
            }
            rows.append(row)
        }
        let widths = (0..<header.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { cell, width in
                String(repeating: " ", count: width - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The shares of the decoder that a model's quantizer tools add, per configuration (already
    /// included in ``table(_:)``'s area and energy): the dequantizers' dependent-quantization
    /// state machines, the fine-bit stream of split levels, and per-channel steps' step banks,
    /// generator and channel tracking. Empty when the model uses none of them.
    public static func toolShares(_ points: [DecoderSweep.Point], layers: [QuantizedLayerSymbols],
                                  technology: Technology) -> String {
        var out: [String] = []
        let costModel = DecoderCostModel(technology: technology)
        if let first = points.first, let machine = first.configuration.dependentQuantization {
            let maxBins = layers.map(\.bins).max() ?? 1
            var lines = ["dependent quantization (\(machine)): the dequantizers' state machines (included in their area and energy above):"]
            for point in points {
                guard let share = costModel.dependentQuantizationCost(point.configuration, maxBins: maxBins) else { continue }
                lines.append(String(format: "  %@: %.1f µm², %.4f pJ per weight", point.configuration.label, share.area, share.energyPerWeight))
            }
            if lines.count > 1 { out.append(lines.joined(separator: "\n")) }
        }
        let split = layers.filter { $0.fineBits > 0 }
        if !split.isEmpty {
            out.append("split levels (more than 255 bins): \(split.count) layer(s) carry \(Set(split.map(\.fineBits)).sorted().map(String.init).joined(separator: "/")) raw fine bit(s) per weight in one more stream, read P·s bits per group beside the lanes (included above: its port words, its extractor and the wider dequantizers)")
        }
        let perChannel = layers.filter { $0.channelSteps != nil }
        if !perChannel.isEmpty {
            let shape = layers.map { (weights: $0.symbols.count, channels: $0.channelSteps?.channelCount) }
            let maxChannels = perChannel.map { $0.channelSteps!.channelCount }.max()!
            var lines = ["per-channel steps (\(perChannel.count) of \(layers.count) layers, up to \(maxChannels) channels): step banks, setup step generator and per-lane channel tracking (included in the dequantizers' area and energy above; the generator in the setup cycles where it outlasts the table build):"]
            for point in points {
                guard let share = costModel.perChannelStepCost(point.configuration, layers: shape) else { continue }
                lines.append(String(format: "  %@: %.1f µm², %.4f pJ per weight, up to %d step-region words per layer",
                                    point.configuration.label, share.area, share.energyPerWeight, share.headerWords))
            }
            if lines.count > 1 { out.append(lines.joined(separator: "\n")) }
        }
        return out.joined(separator: "\n")
    }
}
