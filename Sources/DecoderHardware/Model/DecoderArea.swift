import EntropyCoding
import Foundation

// ASIC area: logic blocks and tables in µm² from a ``ASICTechnology``, calibrated against
// synthesis, and the dependent-quantization state machine's share.
extension DecoderCostModel {
    static func area(geometry g: Geometry, asic: ASICTechnology) -> AreaBreakdown {
        let blocks = logicBlocks(geometry: g, asic: asic, calibrated: true)
        return AreaBreakdown(decodeTables: blocks.tables, stateRegisters: blocks.state, bitExtractors: blocks.extractors,
                             dequantizers: blocks.dequantizers, control: blocks.builder + blocks.control)
    }

    /// The model's area split like the generated RTL's blocks (µm²): the table builder apart
    /// from the rest of control (address counters, group counter, arbiter, escape FIFO), each
    /// logic block scaled by the technology's synthesis calibration when `calibrated`
    /// (``ASICTechnology/calibration``, from `Scripts/synth-decoder.sh`).
    static func logicBlocks(geometry g: Geometry, asic: ASICTechnology, calibrated: Bool)
        -> (tables: Double, state: Double, extractors: Double, dequantizers: Double, builder: Double, control: Double) {
        let ge = asic.nand2AreaUm2
        let mux = asic.mux2GateEquivalents * ge
        let fa = asic.fullAdderGateEquivalents * ge
        let ff = asic.flipFlopAreaUm2
        let tableBits = Double(g.entries * g.entryBits)
        var tables: Double
        // Double-buffered: two banks of every table's storage (and, shared, a 2:1 bank select
        // per lane and entry bit).
        let banks = g.doubleBuffer ? 2.0 : 1.0
        switch g.sharing {
        case .replicated:
            tables = banks * Double(g.lanes) * asic.sramTableArea(bits: tableBits)
        case .shared:
            tables = banks * tableBits * ff + Double(g.lanes * g.entryBits * (g.entries - 1)) * mux
            if g.doubleBuffer { tables += Double(g.lanes * g.entryBits) * mux }
        }
        let p = Double(g.lanes)
        let r = Double(g.tableLog)
        var state = p * r * (ff + fa)
        let x = g.extractor
        var extractors = Double(x.buffer) * ff
            + Double(x.consumeMuxes + x.alignMuxes + x.extractMuxes) * mux
            + Double(x.prefixAdderBits) * fa
            + Double(x.counterBits) * (ff + fa)
        let multiplier = asic.multiplier8x8AreaUm2 * Double((g.symbolBits + g.fineBits) * stepBits) / 64
        let dequantizers = p * (multiplier + Double(stepBits) * fa + dependentQuantizationCost(geometry: g, asic: asic).areaPerLane)
            + Double(2 * stepBits) * ff
        // Table builder: N next-state counters of R+1 bits, a spread position register, two
        // R-bit adders. Control: address counters with incrementers (≈ half a full adder per
        // bit), the group counter, the arbiter.
        let builder = Double(g.maxBins * (g.tableLog + 1) + g.tableLog) * ff + 2 * r * fa
        var control = Double(g.addressCounters * addressBits + groupCounterBits) * (ff + 0.5 * fa) + g.arbiterGE * ge
        // The bypass: each lane's output selects its state's low bits instead of the table symbol.
        if g.bypass { extractors += p * Double(g.symbolBits) * mux }
        // Split levels: the shared fine-bit extractor (its lanes' slices are fixed wires).
        let fx = g.fineExtractor
        extractors += Double(fx.buffer) * ff + Double(fx.alignMuxes) * mux + Double(fx.counterBits) * (ff + fa)
        if g.escapeUnit {
            // One more single-port table, state register and split-style bit extractor, and a
            // P-entry FIFO of symbols between the escape unit and the lanes.
            let b = g.bufferBits
            tables += banks * asic.sramTableArea(bits: tableBits)
            state += r * (ff + fa)
            extractors += Double(b) * ff + Double(b * ceilLog2(g.tableLog + 1) + b * ceilLog2(b)) * mux
                + Double(bitsToRepresent(b)) * (ff + fa)
            control += Double(g.lanes * g.symbolBits + 2 * bitsToRepresent(g.lanes)) * ff
        }
        let c = calibrated ? asic.calibration : .identity
        if g.sharing == .shared { tables *= c.sharedTables }
        return (tables, state * c.stateRegisters, extractors * c.bitExtractors, dequantizers * c.dequantizers,
                builder * c.tableBuilder, control * c.control)
    }

    /// The dependent-quantization state machine's share of one lane's dequantizer (ASIC, before
    /// the synthesis calibration): area — log₂S flip-flops, log₂S·(2S − 1) 2:1 muxes for the
    /// next-state look-up, a (⌈log₂ N⌉ + 1)-bit adder for `2k − q·sgn k`, and the multiplier's
    /// extra operand bit; energy per decoded weight — the state flip-flops clocked, half the
    /// look-up's muxes toggling, the adder, and the extra multiplier bit. Zero without it.
    ///
    /// ```swift
    /// let share = DecoderCostModel.dependentQuantizationCost(geometry: g, asic: asic)
    /// share.areaPerLane   // µm² per lane
    /// ```
    static func dependentQuantizationCost(geometry g: Geometry, asic: ASICTechnology)
        -> (areaPerLane: Double, energyPerWeight: Double) {
        guard g.dqStates > 0 else { return (0, 0) }
        let bits = Double(g.dqStateBits)
        let muxes = bits * Double(2 * g.dqStates - 1)
        let adder = Double(g.levelBits)
        let widerMultiplier = Double(stepBits) / 64
        let area = bits * asic.flipFlopAreaUm2 + muxes * asic.mux2GateEquivalents * asic.nand2AreaUm2
            + adder * asic.fullAdderGateEquivalents * asic.nand2AreaUm2 + asic.multiplier8x8AreaUm2 * widerMultiplier
        let energy = bits * asic.flipFlopEnergyPJ + muxes / 2 * asic.mux2GateEquivalents * asic.gateEnergyPJ
            + adder * asic.fullAdderGateEquivalents * asic.gateEnergyPJ + asic.multiplier8x8EnergyPJ * widerMultiplier
        return (area, energy)
    }

    /// The dependent-quantization share of the dequantizers for `config` on a model of at most
    /// `maxBins` bins: area over all lanes (µm², calibrated like the dequantizers) and energy per
    /// decoded weight (pJ); zero when `config.dependentQuantization` is nil. What `subbit decoder`
    /// prints beside the dequantizers.
    public func dependentQuantizationCost(_ config: DecoderConfiguration, maxBins: Int)
        -> (area: Double, energyPerWeight: Double)? {
        guard case .asic(let asic) = technology.kind else { return nil }
        let g = Geometry(config: config, maxBins: maxBins, escapeUnit: false)
        let share = Self.dependentQuantizationCost(geometry: g, asic: asic)
        return (share.areaPerLane * Double(g.lanes) * asic.calibration.dequantizers, share.energyPerWeight)
    }
}
