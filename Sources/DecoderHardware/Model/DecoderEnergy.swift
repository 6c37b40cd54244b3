import EntropyCoding
import Foundation

// ASIC energy per decoded weight by block, with table and weight-memory leakage over the decoder's
// time.
extension DecoderCostModel {
    /// Energy per decoded weight by block (see the type's documentation). `seconds`: the
    /// inference's decoder time (all exposed cycles at the clock), for which the decode tables
    /// and the weight memory leak: `leak = bits · P_leak · seconds / n` per weight.
    static func energy(geometry g: Geometry, asic: ASICTechnology, model: ModelProfile,
                       totals: LayerCycles, storedBits: Int, fixedBits: Int, seconds: Double) -> EnergyBreakdown {
        let n = Double(max(totals.symbols, 1))
        let eg = asic.gateEnergyPJ
        let emux = asic.mux2GateEquivalents * eg
        let efa = asic.fullAdderGateEquivalents * eg
        let eff = asic.flipFlopEnergyPJ
        let entryBits = Double(g.entryBits)
        let tableBytes = Double(g.entries * g.entryBits) / 8

        // Table: one read per decoded symbol; one write per entry per build (2 passes).
        let readPerSymbol: Double
        let writePerEntry: Double
        switch g.sharing {
        case .replicated:
            let perBit = asic.sramReadEnergyPerBit(bytes: tableBytes)
            readPerSymbol = entryBits * perBit
            writePerEntry = Double(g.lanes) * entryBits * perBit
        case .shared:
            // An L:1 mux tree per bit whose address changes at random toggles ≈ half its L−1
            // muxes; the flip-flop table is clock-gated outside the build.
            readPerSymbol = entryBits * Double(g.entries) / 2 * emux
            writePerEntry = entryBits * eff
        }
        let builtEntries = model.builtEntries
        let escapeBuilt = model.escapeBuiltEntries
        let escapes = model.escapedSymbols
        let escapeReadPerSymbol = entryBits * asic.sramReadEnergyPerBit(bytes: tableBytes)
        // Fixed-width (bypass) layers read no table and step no state adder.
        let tableSymbols = n - Double(model.bypassSymbols)
        let tables = (readPerSymbol * tableSymbols + writePerEntry * builtEntries
            + escapeReadPerSymbol * (escapes + escapeBuilt)) / n

        // Clocked every decode-phase cycle: state registers, bit buffers, fill and address counters.
        let decodeCycles = Double(totals.decode + totals.stalls)
        let x = g.extractor
        let p = Double(g.lanes)
        let r = Double(g.tableLog)
        let escapeLanes = g.escapeUnit ? 1.0 : 0.0
        let state = ((p + escapeLanes) * r * eff * decodeCycles + r * efa * (tableSymbols + escapes)) / n
        // Consume shift once per symbol (half the muxes toggle); align once per word.
        let consumePerSymbol = Double(x.consumeMuxes + x.extractMuxes) / p / 2 * emux
            + Double(x.prefixAdderBits) / p * efa
        let alignPerWord = Double(x.alignMuxes) / Double(g.layout == .split ? g.lanes : 1) / 2 * emux
        let escapeBuffer = g.escapeUnit ? Double(g.bufferBits + bitsToRepresent(g.bufferBits)) : 0
        let escapeConsume = Double(g.bufferBits * ceilLog2(g.tableLog + 1)) / 2 * emux
        // Split levels: the fine-bit buffer clocked every decode cycle, half its aligner toggling
        // per fine word (the fine words: n·s/W of the port words).
        let fx = g.fineExtractor
        let fineWords = Double(model.fineStreamBits) / Double(g.portBits)
        let fine = Double(fx.buffer + fx.counterBits) * eff * decodeCycles + Double(fx.alignMuxes) / 2 * emux * fineWords
        let extractors = (Double(x.buffer + x.counterBits) * eff * decodeCycles + escapeBuffer * eff * decodeCycles
            + consumePerSymbol * n + escapeConsume * escapes + alignPerWord * Double(totals.words) + fine) / n
        let multiply = asic.multiplier8x8EnergyPJ * Double((g.symbolBits + g.fineBits) * stepBits) / 64
        let dequantizers = multiply + Double(stepBits) * efa + dependentQuantizationCost(geometry: g, asic: asic).energyPerWeight
        let control = (Double(g.addressCounters * addressBits + groupCounterBits) * eff * decodeCycles
            + g.arbiterGE * eg * Double(totals.words)) / n

        let storedBytes = Double(storedBits) / 8
        let fixedBytes = Double(fixedBits) / 8
        let memory = Double(storedBits) * asic.sramReadEnergyPerBit(bytes: storedBytes) / n
        let fixedMemory = Double(fixedBits) * asic.sramReadEnergyPerBit(bytes: fixedBytes) / n
        // Leakage over the inference: the tables only when in SRAM (a shared table is flip-flops,
        // whose leakage the GE energy does not separate; not modelled).
        let tableLeakage = g.sharing == .replicated
            ? asic.sramLeakageEnergy(bits: g.tableStorageBits, seconds: seconds) / n : 0
        return EnergyBreakdown(decodeTables: tables, stateRegisters: state, bitExtractors: extractors,
                               dequantizers: dequantizers, control: control,
                               weightMemoryPerWeight: memory, fixedWidthMemoryPerWeight: fixedMemory,
                               tableLeakage: tableLeakage,
                               weightMemoryLeakagePerWeight: asic.sramLeakageEnergy(bits: Double(storedBits), seconds: seconds) / n,
                               fixedWidthMemoryLeakagePerWeight: asic.sramLeakageEnergy(bits: Double(fixedBits), seconds: seconds) / n)
    }
}
