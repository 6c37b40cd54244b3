import XCTest
@testable import DecoderHardware

/// Issue 20, "SRAM, leakage, latency": the sub-8 KB read-energy law, leakage, double-buffered
/// tables, the sensitivity rows and the technology file's new keys.
final class SRAMModelTests: XCTestCase {
    private func asic(_ name: String = "asic-45nm") throws -> (Technology, ASICTechnology) {
        let tech = try Technology.load(contentsOf: techURL(name))
        guard case .asic(let a) = tech.kind else { throw XCTSkip("\(name) is not an ASIC") }
        return (tech, a)
    }

    /// Two layers of 15 bins at 2 bits per weight, spread evenly over `lanes`.
    private func layers(lanes: Int, tableLog: Int = 10) -> [LayerProfile] {
        [(20_000, 2.0), (6_000, 3.0)].enumerated().map { i, shape in
            let total = Int(Double(shape.0) * shape.1)
            return LayerProfile(name: "l\(i)", symbolCount: shape.0, alphabetSize: 15, usedSymbols: 15,
                                tableLog: tableLog,
                                laneBits: (0..<lanes).map { total / lanes + ($0 < total % lanes ? 1 : 0) })
        }
    }

    func testReadEnergyBelowTheReferenceUsesTheSmallMacroExponent() throws {
        let (_, a) = try asic()
        XCTAssertEqual(a.sramSmallEnergySizeExponent, 0.097)
        XCTAssertEqual(a.sramReadEnergyPerBit(bytes: 8192), 0.156, accuracy: 1e-12)
        // A 1024 × 20-bit table (2560 bytes): the GF180 slope, not √size.
        XCTAssertEqual(a.sramReadEnergyPerBit(bytes: 2560), 0.156 * pow(2560.0 / 8192, 0.097), accuracy: 1e-12)
        // Above the reference the Horowitz law is unchanged: 32 KB costs twice 8 KB.
        XCTAssertEqual(a.sramReadEnergyPerBit(bytes: 32768), 0.312, accuracy: 1e-12)
        // Without the field the old extrapolation applies.
        var old = a
        old.sramSmallEnergySizeExponent = nil
        XCTAssertEqual(old.sramReadEnergyPerBit(bytes: 2560), 0.156 * pow(2560.0 / 8192, 0.5), accuracy: 1e-12)
    }

    func testLeakageEnergyIsBitsTimesPowerTimesTheInferenceTime() throws {
        let (tech, a) = try asic()
        XCTAssertEqual(a.sramLeakagePWPerBit, 1082)
        // 1 Mbit for 1 ms at 1082 pW/bit: 1e6 · 1082e-12 W · 1e-3 s = 1.082 µJ = 1.082e6 pJ.
        XCTAssertEqual(a.sramLeakageEnergy(bits: 1e6, seconds: 1e-3), 1.082e6, accuracy: 1e-6)

        let config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 64, clockHz: tech.clockHz)
        let cost = try DecoderCostModel(technology: tech).evaluate(config, layers: layers(lanes: 4))
        let e = try XCTUnwrap(cost.energy)
        let seconds = Double(cost.totalCycles) / config.clockHz
        let n = Double(cost.symbols)
        // Entry: ⌈log₂ 15⌉ + ⌈log₂ 11⌉ + 10 = 4 + 4 + 10 bits; four replicated copies.
        XCTAssertEqual(e.tableLeakage, 4 * 1024 * 18 * 1082 * seconds / n, accuracy: 1e-12)
        XCTAssertEqual(e.weightMemoryLeakagePerWeight, Double(cost.storedBits) * 1082 * seconds / n, accuracy: 1e-12)
        XCTAssertEqual(e.fixedWidthMemoryLeakagePerWeight, Double(cost.fixedWidthBits) * 1082 * seconds / n, accuracy: 1e-12)
        XCTAssertEqual(e.decoderPerWeight,
                       e.decodeTables + e.stateRegisters + e.bitExtractors + e.dequantizers + e.control + e.tableLeakage,
                       accuracy: 1e-12)
        XCTAssertEqual(e.totalPerWeight, e.decoderPerWeight + e.weightMemoryPerWeight + e.weightMemoryLeakagePerWeight,
                       accuracy: 1e-12)
    }

    func testDoubleBufferDoublesTableStorageAndHidesLaterBuilds() throws {
        let (tech, _) = try asic()
        let model = DecoderCostModel(technology: tech)
        let single = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 64, clockHz: tech.clockHz)
        var double = single
        double.doubleBufferTables = true
        let a = try model.evaluate(single, layers: layers(lanes: 4))
        let b = try model.evaluate(double, layers: layers(lanes: 4))
        let areaA = try XCTUnwrap(a.area), areaB = try XCTUnwrap(b.area)
        XCTAssertEqual(areaB.decodeTables, 2 * areaA.decodeTables, accuracy: 1e-9)
        XCTAssertEqual(areaB.total - areaA.total, areaA.decodeTables, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(b.netAreaSavedUm2), try XCTUnwrap(a.netAreaSavedUm2) - areaA.decodeTables, accuracy: 1e-6)

        // The first layer builds its table in setup as before; the second layer's build
        // (⌈15·11/64⌉ + 1 + 2·1024 + 2 = 2054 cycles) hides behind the first's 5000-cycle decode phase.
        XCTAssertEqual(b.layers[0], a.layers[0])
        let build = DecoderCostModel.tableBuildCycles(alphabetSize: 15, tableLog: 10, escapeTableLog: 0, config: double)
        XCTAssertEqual(build, 3 + 1 + 2048 + 2)
        XCTAssertGreaterThanOrEqual(a.layers[0].decodePhase, build)
        XCTAssertEqual(b.layers[1].setup, a.layers[1].setup - build)
        XCTAssertEqual(b.layers[1].hiddenSetup, build)
        XCTAssertEqual(b.totals.setup, a.totals.setup - build)
        XCTAssertEqual(b.totals.hiddenSetup, build)
        XCTAssertEqual(b.totalCycles, a.totalCycles - build)
        // Latency added to an inference falls by the hidden cycles; the decode phases do not move.
        XCTAssertEqual(b.addedLatencyCycles(consumerWeightsPerCycle: 4), a.addedLatencyCycles(consumerWeightsPerCycle: 4) - build)
        XCTAssertEqual(b.totals.decodePhase, a.totals.decodePhase)

        // A build longer than the previous decode phase is hidden only as far as that phase reaches.
        let short = [LayerProfile(name: "s", symbolCount: 40, alphabetSize: 15, usedSymbols: 15, tableLog: 10, laneBits: [20, 20, 20, 20])]
            + layers(lanes: 4)
        let c = try model.evaluate(double, layers: short)
        XCTAssertEqual(c.layers[1].hiddenSetup, c.layers[0].decodePhase)

        // The CSV reports the option and the hidden time.
        let csv = DecoderReport.csv([DecoderSweep.Point(cost: b, simulation: nil, profile: ModelProfile(layers(lanes: 4)))])
        let header = csv.split(separator: "\n")[0].split(separator: ",").map(String.init)
        let row = csv.split(separator: "\n")[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(row[header.firstIndex(of: "double_buffer")!], "true")
        XCTAssertEqual(Double(row[header.firstIndex(of: "table_build_hidden_us")!])!, Double(build) / tech.clockHz * 1e6,
                       accuracy: 1e-3)
        XCTAssertEqual(Double(row[header.firstIndex(of: "table_build_us")!])!, Double(b.totals.setup) / tech.clockHz * 1e6,
                       accuracy: 1e-3)
    }

    func testSensitivityRowsVaryOneConstantAtATime() throws {
        let (tech, a) = try asic("asic-22nm")
        let config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 64, clockHz: tech.clockHz)
        let profile = ModelProfile(layers(lanes: 4))
        let cost = try DecoderCostModel(technology: tech).evaluate(config, model: profile)
        let point = DecoderSweep.Point(cost: cost, simulation: nil, profile: profile)
        let rows = try DecoderSensitivity.rows(point, technology: tech)
        XCTAssertEqual(rows.count, 1 + 4 * 2)
        let base = rows[0]
        XCTAssertEqual(base.parameter, "baseline")
        XCTAssertEqual(base.netAreaSavedUm2, try XCTUnwrap(cost.netAreaSavedUm2), accuracy: 1e-9)
        XCTAssertEqual(base.totalPerWeight, try XCTUnwrap(cost.energy).totalPerWeight, accuracy: 1e-12)

        let area = try XCTUnwrap(cost.area)
        let saved = try XCTUnwrap(cost.memoryAreaSavedUm2)
        func row(_ prefix: String, _ factor: Double) throws -> DecoderSensitivity.Row {
            try XCTUnwrap(rows.first { $0.parameter.hasPrefix(prefix) && $0.factor == factor })
        }
        // η_memory × 1.3: every saved bit costs 1/1.3 the area.
        XCTAssertEqual(try row("weight-memory", 1.3).netAreaSavedUm2, saved / 1.3 - area.total, accuracy: 1e-6)
        // η_tables × 0.7: the table area grows by 1/0.7, nothing else moves.
        XCTAssertEqual(try row("table SRAM", 0.7).netAreaSavedUm2, saved - area.total - area.decodeTables * (1 / 0.7 - 1),
                       accuracy: 1e-6)
        // Read energy × 1.3: the fixed-width memory's read energy scales, its leakage does not.
        let e = try XCTUnwrap(cost.energy)
        XCTAssertEqual(try row("SRAM read", 1.3).fixedWidthTotalPerWeight,
                       1.3 * e.fixedWidthMemoryPerWeight + e.fixedWidthMemoryLeakagePerWeight, accuracy: 1e-9)
        // Leakage × 0.7 moves energy only.
        XCTAssertEqual(try row("SRAM leakage", 0.7).netAreaSavedUm2, base.netAreaSavedUm2, accuracy: 1e-9)
        XCTAssertEqual(try row("SRAM leakage", 0.7).totalPerWeight,
                       e.totalPerWeight - 0.3 * (e.tableLeakage + e.weightMemoryLeakagePerWeight), accuracy: 1e-9)
        XCTAssertLessThan(a.sramArrayEfficiency * 1.3, 1)
        let table = DecoderSensitivity.markdown(rows, title: "t")
        XCTAssertEqual(table.split(separator: "\n").count, 1 + 2 + rows.count)

        let fpga = try Technology.load(contentsOf: techURL("fpga-7series"))
        XCTAssertThrowsError(try DecoderSensitivity.rows(point, technology: fpga)) { error in
            XCTAssertTrue("\(error)".contains("ASIC"), "\(error)")
        }
    }

    // MARK: Technology file keys

    private func text(_ transform: (String) -> String?) throws -> String {
        try String(contentsOf: techURL("asic-45nm"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .compactMap(transform).joined(separator: "\n")
    }

    /// The 1-based line of `key:` in `text`.
    private func line(of key: String, in text: String) -> Int {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix(key + ":") }! + 1
    }

    func testNewKeysAreRequiredAndErrorsNameFileLineAndKey() throws {
        for key in ["sram_small_energy_size_exponent", "sram_leakage_pw_per_bit", "sram_table_array_efficiency",
                    "sram_array_efficiency"] {
            let missing = try text { $0.hasPrefix(key + ":") ? nil : $0 }
            XCTAssertThrowsError(try Technology.parse(yaml: missing, file: "t.yaml")) { error in
                let kindLine = self.line(of: "kind", in: missing)
                XCTAssertEqual("\(error)".components(separatedBy: "\n").count, 1)
                XCTAssertTrue("\(error)".hasPrefix("t.yaml:\(kindLine):1: \(key): required key is missing (`kind: asic` needs it)"), "\(error)")
            }
            let negative = try text { $0.hasPrefix(key + ":") ? "\(key): -3" : $0 }
            XCTAssertThrowsError(try Technology.parse(yaml: negative, file: "t.yaml")) { error in
                let keyLine = self.line(of: key, in: negative)
                XCTAssertTrue("\(error)".hasPrefix("t.yaml:\(keyLine):\(key.count + 3): \(key): -3.0 is negative"), "\(error)")
            }
        }
        // Zero leakage and a flat small-macro law are allowed (an idealised memory).
        let zero = try text { $0.hasPrefix("sram_leakage_pw_per_bit:") ? "sram_leakage_pw_per_bit: 0" : $0 }
        guard case .asic(let a) = try Technology.parse(yaml: zero, file: "t.yaml").kind else { return XCTFail() }
        XCTAssertEqual(a.sramLeakagePWPerBit, 0)
    }
}
