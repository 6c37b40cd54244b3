import XCTest
@testable import DecoderHardware

final class DecoderCostModelTests: XCTestCase {
    private func model(_ name: String = "asic-45nm") throws -> DecoderCostModel {
        DecoderCostModel(technology: try Technology.load(contentsOf: techURL(name)))
    }

    /// A layer of n symbols over N bins coded at `bitsPerWeight`, spread evenly over `lanes`.
    private func layer(n: Int, bins: Int = 15, bitsPerWeight: Double, lanes: Int, tableLog: Int = 10) -> LayerProfile {
        let total = Int(Double(n) * bitsPerWeight)
        let bits = (0..<lanes).map { total / lanes + ($0 < total % lanes ? 1 : 0) }
        return LayerProfile(name: "l", symbolCount: n, alphabetSize: bins, usedSymbols: bins,
                            tableLog: tableLog, laneBits: bits)
    }

    func testDecodeBoundLayerHasNoStallsAndTheDocumentedSetup() throws {
        let config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 32, clockHz: 1e9)
        let cycles = DecoderCostModel.cycles(layer: layer(n: 10_000, bitsPerWeight: 0.5, lanes: 4), config: config)
        XCTAssertEqual(cycles.decode, 2500)
        XCTAssertEqual(cycles.stalls, 0)
        // The RTL's phases with a one-cycle memory: counts ⌈15·11/32⌉ + 1, build 2·1024 + 2,
        // states ⌈(4·10 + 16)/32⌉ + 1, priming 4 words + 1.
        XCTAssertEqual(cycles.setup, (6 + 1) + (2048 + 2) + (2 + 1) + (4 + 1))
        // An ideal zero-latency memory saves the two header-burst latencies.
        var ideal = config
        ideal.memoryReadLatency = 0
        XCTAssertEqual(DecoderCostModel.cycles(layer: layer(n: 10_000, bitsPerWeight: 0.5, lanes: 4), config: ideal).setup,
                       cycles.setup - 2)
        XCTAssertEqual(cycles.words, 4 * 40)
    }

    func testSupplyBoundLayerStallsByTheMissingBandwidth() throws {
        // 16 lanes × 4 bits = 64 bits/cycle demanded from a 32-bit port: twice the decode cycles.
        let config = try DecoderConfiguration(lanes: 16, tableLog: 10, portBits: 32, clockHz: 1e9)
        let cycles = DecoderCostModel.cycles(layer: layer(n: 16_000, bitsPerWeight: 4, lanes: 16), config: config)
        XCTAssertEqual(cycles.decode, 1000)
        XCTAssertEqual(cycles.words, 2000)
        // The last of the 2000 − 16 remaining words is requested in cycle 1983 and usable two
        // cycles later (one-cycle memory latency).
        XCTAssertEqual(cycles.decodePhase, 2000 - 16 + 1 + 1)
        var ideal = config
        ideal.memoryReadLatency = 0
        XCTAssertEqual(DecoderCostModel.cycles(layer: layer(n: 16_000, bitsPerWeight: 4, lanes: 16), config: ideal)
                        .decodePhase, 2000 - 16 + 1)
        // The interleaved layout needs the same words here (no per-lane padding to lose).
        var interleaved = config
        interleaved.layout = .interleaved
        XCTAssertEqual(DecoderCostModel.cycles(layer: layer(n: 16_000, bitsPerWeight: 4, lanes: 16),
                                               config: interleaved).words, 2000)
    }

    func testSplitStartupStallWhenLanesDrainTheirPrimedWordBeforeTheRoundRobinReturns() throws {
        // 16 lanes × 16 symbols at 2.5 bits: 40 bits = 2 words per lane. A primed 32-bit word lasts
        // ⌊32 / 2.5⌋ = 12 cycles, the port needs 16 + 1 (memory latency) to reach every lane: 5
        // start-up stalls, more than the word bound (32 − 16 primed + 1 + 1 = 18 < 16 + 5).
        let l = layer(n: 256, bitsPerWeight: 2.5, lanes: 16)
        let split = try DecoderConfiguration(lanes: 16, tableLog: 10, portBits: 32, clockHz: 1e9)
        let cycles = DecoderCostModel.cycles(layer: l, config: split)
        XCTAssertEqual(cycles.decode, 16)
        XCTAssertEqual(cycles.words, 32)
        XCTAssertEqual(cycles.decodePhase, 21)
        var ideal = split
        ideal.memoryReadLatency = 0
        XCTAssertEqual(DecoderCostModel.cycles(layer: l, config: ideal).decodePhase, 20)
        // Interleaved: one stream, 20 words, 16 primed: no round-robin start-up.
        var interleaved = split
        interleaved.layout = .interleaved
        XCTAssertEqual(DecoderCostModel.cycles(layer: l, config: interleaved).decodePhase, 16)
        // A 256-bit port: a primed word lasts the whole layer.
        let wide = try DecoderConfiguration(lanes: 16, tableLog: 10, portBits: 256, clockHz: 1e9)
        XCTAssertEqual(DecoderCostModel.cycles(layer: l, config: wide).decodePhase, 16)
    }

    func testAreaScalesAsDocumented() throws {
        let m = try model()
        let layers1 = [layer(n: 50_000, bitsPerWeight: 0.8, lanes: 1)]
        let layers8 = [layer(n: 50_000, bitsPerWeight: 0.8, lanes: 8)]
        let r1 = try m.evaluate(DecoderConfiguration(lanes: 1, tableLog: 10, portBits: 64, clockHz: 5e8), layers: layers1)
        let r8 = try m.evaluate(DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 5e8), layers: layers8)
        let a1 = try XCTUnwrap(r1.area), a8 = try XCTUnwrap(r8.area)
        // Replicated tables: one copy per lane.
        XCTAssertEqual(a8.decodeTables / a1.decodeTables, 8, accuracy: 1e-9)
        XCTAssertEqual(a8.stateRegisters / a1.stateRegisters, 8, accuracy: 1e-9)
        XCTAssertGreaterThan(a8.total, a1.total)
        // Entry = 4 symbol bits + 4 nbBits bits + 10 state bits = 18 bits; 1024 entries.
        guard case .asic(let asic) = m.technology.kind else { return XCTFail() }
        // Decode tables are small macros with their own array efficiency (the weight memory's
        // is the other one).
        XCTAssertEqual(a1.decodeTables, asic.sramTableArea(bits: 1024 * 18), accuracy: 1e-6)
        XCTAssertEqual(asic.sramTableArea(bits: 1000) / asic.sramArea(bits: 1000),
                       asic.sramArrayEfficiency / (asic.sramTableArrayEfficiency ?? asic.sramArrayEfficiency), accuracy: 1e-12)

        // Shared: storage once, one L:1 read mux per lane and bit.
        let s1 = try m.evaluate(DecoderConfiguration(lanes: 1, tableLog: 10, sharing: .shared, portBits: 64, clockHz: 5e8), layers: layers1)
        let s8 = try m.evaluate(DecoderConfiguration(lanes: 8, tableLog: 10, sharing: .shared, portBits: 64, clockHz: 5e8), layers: layers8)
        let muxArea = asic.mux2GateEquivalents * asic.nand2AreaUm2
        XCTAssertEqual(try XCTUnwrap(s8.area).decodeTables - (try XCTUnwrap(s1.area)).decodeTables,
                       7 * 18 * 1023 * muxArea * asic.calibration.sharedTables, accuracy: 1e-6)
        // Sharing does not change the cycle count (conflict-free read ports).
        XCTAssertEqual(s8.totalCycles, r8.totalCycles)
    }

    func testMemorySavedAndNetArea() throws {
        let m = try model()
        let l = layer(n: 100_000, bins: 15, bitsPerWeight: 0.6, lanes: 4)
        let cost = try m.evaluate(DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 32, clockHz: 5e8), layers: [l])
        XCTAssertEqual(cost.fixedWidthBits, 400_000)
        XCTAssertEqual(cost.storedBits, DecoderCostModel.storedBits(layer: l, config: cost.configuration))
        XCTAssertGreaterThan(cost.memorySavedBits, 300_000)
        guard case .asic(let asic) = m.technology.kind else { return XCTFail() }
        let saved = asic.sramArea(bits: Double(cost.memorySavedBits))
        XCTAssertEqual(try XCTUnwrap(cost.memoryAreaSavedUm2), saved, accuracy: 1e-6)
        let area = try XCTUnwrap(cost.area)
        XCTAssertEqual(try XCTUnwrap(cost.netAreaSavedUm2), saved - area.total, accuracy: 1e-6)
        let energy = try XCTUnwrap(cost.energy)
        XCTAssertGreaterThan(energy.decoderPerWeight, 0)
        XCTAssertLessThan(energy.weightMemoryPerWeight, energy.fixedWidthMemoryPerWeight)
    }

    func testThroughputKeepsUpAndLatency() throws {
        let m = try model()
        let l = layer(n: 64_000, bitsPerWeight: 0.5, lanes: 8)
        let cost = try m.evaluate(DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 5e8), layers: [l])
        XCTAssertTrue(cost.keepsUp(consumerWeightsPerCycle: 8))
        XCTAssertFalse(cost.keepsUp(consumerWeightsPerCycle: 16))
        // Keeping up: only the table load is added; falling behind adds the shortfall.
        XCTAssertEqual(cost.addedLatencyCycles(consumerWeightsPerCycle: 8), cost.totals.setup)
        XCTAssertEqual(cost.addedLatencyCycles(consumerWeightsPerCycle: 16), cost.totals.setup + 8000 - 4000)
        XCTAssertEqual(cost.throughputWeightsPerSecond, 64_000 / Double(cost.totalCycles) * 5e8, accuracy: 1e-3)
    }

    func testFPGAResources() throws {
        let m = try model("fpga-7series")
        let l = layer(n: 64_000, bitsPerWeight: 0.5, lanes: 8)
        let cost = try m.evaluate(DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 2e8), layers: [l])
        let r = try XCTUnwrap(cost.resources)
        // 18-bit entries, 1024 deep: one RAMB18 per copy, two lanes per copy (dual port).
        XCTAssertEqual(r.bram18, 4)
        XCTAssertEqual(r.dsp, 8)
        XCTAssertGreaterThan(r.luts, 0)
        XCTAssertNil(cost.area)
        XCTAssertNotNil(cost.netBram18Saved)
    }

    func testEscapePathCostsOneMoreUnitAndBoundsCycles() throws {
        let m = try model()
        var l = layer(n: 8_000, bins: 255, bitsPerWeight: 0.5, lanes: 8)
        l.usedSymbols = 200
        let config = try DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 5e8)
        let plain = try m.evaluate(config, layers: [l])
        l.escapeSymbols = 1500
        l.escapeBits = 9000
        l.escapeTableLog = 9
        let escaped = try m.evaluate(config, layers: [l])
        XCTAssertGreaterThan(try XCTUnwrap(escaped.area).decodeTables, try XCTUnwrap(plain.area).decodeTables)
        XCTAssertEqual(escaped.totals.decodePhase, 1501)   // the escape unit's one value per cycle
    }
}
