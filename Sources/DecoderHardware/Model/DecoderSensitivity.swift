import Foundation

/// How much a decoder verdict depends on the SRAM constants that carry most of it: the array
/// efficiencies η of the decode tables and of the weight memory, the SRAM read energy and the
/// SRAM leakage, each scaled by ±30 % (one at a time, the others at the technology file's
/// value), re-costing one configuration on one model.
///
/// ```swift
/// let rows = try DecoderSensitivity.rows(point, technology: tech)
/// print(DecoderSensitivity.markdown(rows, title: "MobileNetV2 rd1e-3, P=8 R=10"))
/// ```
///
/// A scaled η is capped at 1 (a macro cannot be more than all bitcells).
public enum DecoderSensitivity {
    /// One re-costed variant.
    public struct Row: Sendable, Equatable {
        /// The constant varied (`baseline` for the unvaried technology).
        public var parameter: String
        /// The factor applied to it (1 for the baseline).
        public var factor: Double
        /// Weight memory saved minus decoder area, µm².
        public var netAreaSavedUm2: Double
        /// Decoder energy per weight, its tables' leakage included, pJ.
        public var decoderPerWeight: Double
        /// Decoder + weight-memory read + weight-memory leakage per weight, pJ.
        var totalPerWeight: Double
        /// The fixed-width baseline's memory read + leakage per weight, pJ.
        var fixedWidthTotalPerWeight: Double
    }

    /// The varied constants: name and how a factor applies to the ASIC constants.
    static let parameters: [(name: String, apply: @Sendable (inout ASICTechnology, Double) -> Void)] = [
        ("table SRAM efficiency η_tables", { a, f in
            a.sramTableArrayEfficiency = min(1, (a.sramTableArrayEfficiency ?? a.sramArrayEfficiency) * f) }),
        ("weight-memory SRAM efficiency η_memory", { a, f in a.sramArrayEfficiency = min(1, a.sramArrayEfficiency * f) }),
        ("SRAM read energy", { a, f in a.sramReadEnergyPJPerBit *= f }),
        ("SRAM leakage", { a, f in a.sramLeakagePWPerBit *= f }),
    ]

    /// The baseline row, then each parameter at each factor (default 0.7 and 1.3).
    ///
    /// - Complexity: (1 + 4·factors) evaluations of the cost model on the point's layers.
    public static func rows(_ point: DecoderSweep.Point, technology: Technology,
                            factors: [Double] = [0.7, 1.3]) throws -> [Row] {
        guard case .asic(let asic) = technology.kind else {
            throw DecoderSweepError.sensitivityNeedsASIC(technology.name)
        }
        func row(_ name: String, _ factor: Double, _ constants: ASICTechnology) -> Row {
            var varied = technology
            varied.kind = .asic(constants)
            let cost = DecoderCostModel(technology: varied).evaluateValidated(point.configuration, model: point.profile)
            let e = cost.energy!
            return Row(parameter: name, factor: factor, netAreaSavedUm2: cost.netAreaSavedUm2 ?? 0,
                       decoderPerWeight: e.decoderPerWeight, totalPerWeight: e.totalPerWeight,
                       fixedWidthTotalPerWeight: e.fixedWidthTotalPerWeight)
        }
        var rows = [row("baseline", 1, asic)]
        for parameter in parameters {
            for factor in factors {
                var constants = asic
                parameter.apply(&constants, factor)
                rows.append(row(parameter.name, factor, constants))
            }
        }
        return rows
    }

    /// A Markdown table of the rows: the change of each from the baseline in parentheses, as a
    /// share of the baseline's magnitude (so a negative net saving that shrinks further reads −).
    public static func markdown(_ rows: [Row], title: String) -> String {
        guard let base = rows.first else { return "" }
        func change(_ value: Double, _ reference: Double) -> String {
            guard reference != 0, value != reference else { return "" }
            return String(format: " (%+.1f %%)", (value - reference) / abs(reference) * 100)
        }
        var text = "\(title)\n\n"
        text += "| varied | factor | net area saved (µm²) | decoder (pJ/weight) | decoder + memory (pJ/weight) | fixed-width memory (pJ/weight) |\n"
        text += "| --- | --- | --- | --- | --- | --- |\n"
        for r in rows {
            text += "| \(r.parameter) | " + String(format: "%.2f", r.factor)
                + " | " + String(format: "%.0f", r.netAreaSavedUm2) + change(r.netAreaSavedUm2, base.netAreaSavedUm2)
                + " | " + String(format: "%.3f", r.decoderPerWeight) + change(r.decoderPerWeight, base.decoderPerWeight)
                + " | " + String(format: "%.3f", r.totalPerWeight) + change(r.totalPerWeight, base.totalPerWeight)
                + " | " + String(format: "%.3f", r.fixedWidthTotalPerWeight)
                + change(r.fixedWidthTotalPerWeight, base.fixedWidthTotalPerWeight) + " |\n"
        }
        return text
    }
}
