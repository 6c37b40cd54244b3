import EntropyCoding
import Foundation

// FPGA resources: LUTs, flip-flops and BRAM18 blocks from a ``FPGATechnology``.
extension DecoderCostModel {
    static func resources(geometry g: Geometry, fpga: FPGATechnology) -> FPGAResources {
        let m = fpga.muxInputsPerLUT
        /// LUTs for a k:1 multiplexer built from m:1 LUT muxes: ⌈(k−1)/(m−1)⌉.
        func muxLUTs(_ k: Int) -> Int { k <= 1 ? 0 : (k - 1 + m - 2) / (m - 1) }
        /// Levels of m:1 muxes replacing `levels2` levels of 2:1 muxes.
        let levelsPerLUT = max(1, ceilLog2(m))
        func lutLevels(_ levels2: Int) -> Int { (levels2 + levelsPerLUT - 1) / levelsPerLUT }

        var r = FPGAResources()
        switch g.sharing {
        case .replicated:
            let copies = (g.lanes + fpga.bram18Ports - 1) / fpga.bram18Ports
            r.bram18 = copies * fpga.bram18Blocks(entries: g.entries, width: g.entryBits)
        case .shared:
            r.flipFlops += g.entries * g.entryBits
            r.luts += g.lanes * g.entryBits * muxLUTs(g.entries)
        }
        // State registers and next-state adders (one LUT per bit on the carry chain).
        r.flipFlops += g.lanes * g.tableLog
        r.luts += g.lanes * g.tableLog
        // Bit extractors: each 2:1-mux level count becomes ⌈levels / log₂ m⌉ LUT levels.
        let x = g.extractor
        switch g.layout {
        case .split:
            let b = g.bufferBits
            r.luts += g.lanes * b * (lutLevels(ceilLog2(g.tableLog + 1)) + lutLevels(ceilLog2(b)))
        case .interleaved:
            let b = g.lanes * g.bufferBits
            r.luts += b * (lutLevels(ceilLog2(g.lanes * g.tableLog + 1)) + lutLevels(ceilLog2(b)))
            for j in 0..<g.lanes {
                r.luts += g.tableLog * muxLUTs((j + 1) * g.tableLog)
            }
            r.luts += x.prefixAdderBits
        }
        r.flipFlops += x.buffer + x.counterBits
        r.luts += x.counterBits
        // Dequantizers: one DSP multiplier per lane when the operands fit, else LUT multipliers.
        if g.levelBits <= fpga.dspMultiplierBBits && stepBits <= fpga.dspMultiplierABits {
            r.dsp += g.lanes
        } else {
            r.luts += g.lanes * g.levelBits * stepBits
        }
        r.luts += g.lanes * stepBits
        if g.dqStates > 0 {
            // Per lane: the state flip-flops, one LUT per next-state bit (log₂S + 1 ≤ 4 inputs
            // fit one LUT) and one per bit of the 2k − q·sgn k adder.
            r.flipFlops += g.lanes * g.dqStateBits
            r.luts += g.lanes * (g.dqStateBits + g.levelBits)
        }
        r.flipFlops += 2 * stepBits
        // Control: table builder, address and group counters, arbiter.
        r.flipFlops += g.maxBins * (g.tableLog + 1) + g.tableLog
        r.luts += 2 * g.tableLog
        let counterBits = g.addressCounters * addressBits + groupCounterBits
        r.flipFlops += counterBits
        r.luts += counterBits
        r.luts += Int(g.arbiterGE / 4)
        if g.bypass { r.luts += g.lanes * g.symbolBits }   // the bypass output selects
        let fx = g.fineExtractor                           // split levels' fine-bit extractor
        r.flipFlops += fx.buffer + fx.counterBits
        r.luts += fx.buffer * lutLevels(ceilLog2(max(fx.buffer, 1))) + fx.counterBits
        if g.escapeUnit {
            let b = g.bufferBits
            r.bram18 += fpga.bram18Blocks(entries: g.entries, width: g.entryBits)
            r.flipFlops += g.tableLog + b + bitsToRepresent(b) + g.lanes * g.symbolBits
            r.luts += g.tableLog + b * (lutLevels(ceilLog2(g.tableLog + 1)) + lutLevels(ceilLog2(b)))
        }
        return r
    }
}
