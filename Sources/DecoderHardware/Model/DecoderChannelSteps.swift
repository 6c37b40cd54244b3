import EntropyCoding
import Foundation

// Per-channel steps: what a decoder needs to dequantize with one step per output channel
// (`.sbw` record kind 5, ``ChannelSteps``). ``evaluate(_:model:)`` adds it to the dequantizers'
// area and energy (ASIC) or to its resources (FPGA, ``perChannelStepResources(_:maxChannels:maxWeightsPerChannel:fpga:)``)
// for a model whose layers carry ``LayerProfile/channels``; the ASIC share alone is what
// `subbit decoder` and `bench rd` print beside the totals.
extension DecoderCostModel {
    /// Setup cycles of per-channel steps' generator (``RTLModule/channelSteps``): it reads the
    /// layer's step region (float32 base, then C code bytes) through the port while the decode
    /// table is built, a byte per cycle after its first word arrives, and writes a step per
    /// code: `C + 7 + λ` cycles from its start (λ the memory's read latency). A table layer's
    /// build phase lasts the longer of the table build and this; a constant layer runs it after
    /// its header.
    ///
    /// ```swift
    /// DecoderCostModel.stepGeneratorCycles(channels: 32, config: config)   // 40 at λ = 1
    /// ```
    /// - Complexity: O(1).
    @inlinable
    public static func stepGeneratorCycles(channels: Int, config: DecoderConfiguration) -> Int {
        channels > 0 ? channels + 7 + config.memoryReadLatency : 0
    }

    /// Words of a layer's step region in weight memory: the float32 base and C code bytes,
    /// `⌈(32 + 8C)/W⌉` (0 without per-channel steps).
    @inlinable
    public static func stepRegionWords(channels: Int, portBits w: Int) -> Int {
        channels > 0 ? (32 + channels * ChannelSteps.codeBits + w - 1) / w : 0
    }

    /// The logic of per-channel steps (``RTLModule/channelSteps``, the RTL's `channel_steps`
    /// block), µm² before and after the dequantizers' synthesis calibration, without the step
    /// banks (SRAM):
    /// - generator: the 24 × 24-bit significand multiplier (nine 8 × 8), its rounding
    ///   incrementer, exponent adders and the 26-bit rounding right shifter (5 mux levels), the
    ///   32 × 23-bit fraction ROM as a 32:1 multiplexer per bit, the 32-bit base register, the
    ///   3W-bit byte buffer with its insertion shifter, and the address, word, byte, bank and row
    ///   counters;
    /// - per lane: its bank index (⌈log₂ P⌉ bits) and position (⌈log₂(max(w, P) + 1)⌉ bits)
    ///   registers with the advance adders, compares and subtractions and the first group's
    ///   chain, and the step select (a 16-bit P:1 multiplexer and the one-step bypass);
    /// - per bank: its read address (row + 1 below the first channel's bank) and the read
    ///   enable (the row its output holds, compared with the next: a bank is read once per
    ///   channel).
    ///
    /// ```swift
    /// let logic = DecoderCostModel.perChannelStepLogic(config, maxChannels: 576, maxWeightsPerChannel: 160, asic: asic)
    /// logic.area / asic.nand2AreaUm2   // GE
    /// ```
    /// - Complexity: O(1).
    static func perChannelStepLogic(_ config: DecoderConfiguration, maxChannels: Int, maxWeightsPerChannel: Int,
                                    asic: ASICTechnology) -> (area: Double, calibrated: Double) {
        let gate = asic.nand2AreaUm2, ff = asic.flipFlopAreaUm2
        let fa = asic.fullAdderGateEquivalents * gate, mux = asic.mux2GateEquivalents * gate
        let p = config.lanes, w = config.portBits
        let g = Self.channelStepGeometry(config, maxChannels: maxChannels, maxWeightsPerChannel: maxWeightsPerChannel)
        let bufferBits = 3 * w
        var generator = 9 * asic.multiplier8x8AreaUm2                       // 24 × 24 significands
        generator += Double(25 + 10 + 12 + 26) * fa                          // rounding, exponents, half-add
        generator += Double(26 * 5) * mux                                    // rounding right shift
        generator += Double(23 * 31) * mux                                   // fraction ROM
        generator += Double(32) * ff                                         // base
        generator += Double(bufferBits) * ff + Double(bufferBits * ceilLog2(bufferBits + 1)) * mux
        let counters = addressBits + 16 + bitsToRepresent(bufferBits) + g.channelBits + 3 + g.rowBits
        generator += Double(counters) * (ff + fa) + Double(g.bankBits) * ff
        let perLane = Double(g.bankBits + g.positionBits) * ff
            + Double(3 * (g.positionBits + 1) + 2 * (g.bankBits + 1) + g.positionBits + g.bankBits) * fa
            + Double(stepBits * p) * mux
        let perBank = Double(g.rowBits + g.bankBits) * fa + Double(g.rowBits) * (ff + fa)
        let area = generator + ff + Double(p) * (perLane + perBank)
        return (area, area * asic.calibration.dequantizers)
    }

    /// Register widths of the per-channel hardware: channel count, lane position, bank row and
    /// bank index bits (the RTL's CB, WB, DB, LB).
    @usableFromInline
    static func channelStepGeometry(_ config: DecoderConfiguration, maxChannels: Int, maxWeightsPerChannel: Int)
        -> (channelBits: Int, positionBits: Int, rowBits: Int, bankBits: Int, rows: Int) {
        let p = config.lanes
        let rows = (max(1, maxChannels) + p - 1) / p
        return (bitsToRepresent(max(1, maxChannels)), bitsToRepresent(max(maxWeightsPerChannel, p)),
                max(1, bitsToRepresent(rows - 1)), max(1, bitsToRepresent(p - 1)), rows)
    }

    /// The hardware share of per-output-channel steps for `config` on a model whose per-channel
    /// layers have at most `maxChannels` channels and `maxWeightsPerChannel` weights per channel,
    /// and whose quantized weights number `weights` over `channels` step loads in all. Nil for an
    /// FPGA technology (its share is in resources:
    /// ``perChannelStepResources(_:maxChannels:maxWeightsPerChannel:fpga:)``) or when
    /// `maxChannels` is 0.
    ///
    /// The hardware is the RTL's (``RTLModule/channelSteps``): a setup generator turns each
    /// channel's code byte and the float32 base into the channel's 16-bit step, bit-exact with
    /// the software decoder, into P step banks (SRAMs of ⌈C/P⌉ × 16 bits; channel c in bank
    /// c mod P, so a group's lanes, which span at most P consecutive channels for any weights
    /// per channel w ≥ 1, read one step per bank), and each lane tracks its channel's bank and
    /// its position in the channel without a divider and selects its step
    /// (``perChannelStepLogic(_:maxChannels:maxWeightsPerChannel:asic:)``). Area: the banks plus
    /// the calibrated logic. Energy per decoded weight: the lane's counter step and step select
    /// every weight, plus, once per channel and spread over its weights, the generator's
    /// multiplication, shift and bank write and the bank read when the channel enters the
    /// lanes' window (a bank is read only when its row changes).
    ///
    /// Cycles: a layer's step region, ⌈(32 + 8C)/W⌉ words, is read while its table is built;
    /// setup grows only when the generator (``stepGeneratorCycles(channels:config:)``) outlasts
    /// the build. `headerWords` gives the region of the largest layer.
    ///
    /// ```swift
    /// let share = model.perChannelStepCost(config, maxChannels: 1280, maxWeightsPerChannel: 2880,
    ///                                      weights: 3_470_000, channels: 17_000)
    /// share?.area            // µm²
    /// share?.energyPerWeight // pJ per decoded weight
    /// ```
    /// - Complexity: O(1).
    public func perChannelStepCost(_ config: DecoderConfiguration, maxChannels: Int, maxWeightsPerChannel: Int,
                                   weights: Int, channels: Int)
        -> (area: Double, energyPerWeight: Double, headerWords: Int)? {
        guard case .asic(let asic) = technology.kind, maxChannels > 0, weights > 0, channels > 0 else { return nil }
        let g = Self.channelStepGeometry(config, maxChannels: maxChannels, maxWeightsPerChannel: maxWeightsPerChannel)
        let bankBits = Double(g.rows * Self.stepBits)
        let banks = Double(config.lanes) * asic.sramTableArea(bits: bankBits)
        let area = banks + Self.perChannelStepLogic(config, maxChannels: maxChannels, maxWeightsPerChannel: maxWeightsPerChannel,
                                                    asic: asic).calibrated
        let stepBits = Double(Self.stepBits)
        let bankAccess = stepBits * asic.sramReadEnergyPerBit(bytes: bankBits / 8)
        let perWeight = Double(g.bankBits + g.positionBits) * (asic.flipFlopEnergyPJ + asic.fullAdderGateEquivalents * asic.gateEnergyPJ)
            + stepBits * Double(ceilLog2(config.lanes)) * asic.mux2GateEquivalents * asic.gateEnergyPJ
        let perChannel = 9 * asic.multiplier8x8EnergyPJ + 26 * 5 / 2 * asic.mux2GateEquivalents * asic.gateEnergyPJ
            + Double(ChannelSteps.codeBits) * asic.flipFlopEnergyPJ + 2 * bankAccess
        let energy = perWeight + perChannel * Double(channels) / Double(weights)
        return (area, energy, Self.stepRegionWords(channels: maxChannels, portBits: config.portBits))
    }

    /// ``perChannelStepCost(_:maxChannels:maxWeightsPerChannel:weights:channels:)`` for a model
    /// given layer by layer: each layer's weight count and its channel count, nil for a layer
    /// with one step (it counts as one channel and loads no step per channel). Nil when no layer
    /// has per-channel steps.
    ///
    /// ```swift
    /// model.perChannelStepCost(config, layers: [(weights: 864, channels: 32), (weights: 1000, channels: nil)])
    /// ```
    public func perChannelStepCost(_ config: DecoderConfiguration, layers: [(weights: Int, channels: Int?)])
        -> (area: Double, energyPerWeight: Double, headerWords: Int)? {
        let perChannel = layers.compactMap { l in l.channels.map { (weights: l.weights, channels: max(1, $0)) } }
        guard let maxChannels = perChannel.map(\.channels).max() else { return nil }
        return perChannelStepCost(config, maxChannels: maxChannels,
                                  maxWeightsPerChannel: perChannel.map { $0.weights / $0.channels }.max() ?? 1,
                                  weights: layers.reduce(0) { $0 + $1.weights },
                                  channels: layers.reduce(0) { $0 + ($1.channels ?? 1) })
    }

    /// The FPGA resources of per-channel steps (the hardware of
    /// ``perChannelStepCost(_:maxChannels:maxWeightsPerChannel:weights:channels:)``): P step banks
    /// in block RAM (⌈C/P⌉ × 16 bits each), the 24 × 24 significand multiplier on DSPs (as many
    /// as its operands need), the fraction ROM in 23 LUTs (a LUT6 is a 64 × 1 ROM), the rounding
    /// shifter's and the byte buffer's mux levels in LUTs, the base and buffer registers, and per
    /// lane the bank index and position registers (flip-flops, a LUT per adder bit) and the
    /// 16-bit P:1 step select, per bank its read-enable row register and compare. Zero
    /// resources when `maxChannels` is 0.
    ///
    /// ```swift
    /// let r = DecoderCostModel.perChannelStepResources(config, maxChannels: 64, maxWeightsPerChannel: 576, fpga: fpga)
    /// r.bram18   // 4 at P = 4
    /// ```
    /// - Complexity: O(1).
    static func perChannelStepResources(_ config: DecoderConfiguration, maxChannels: Int, maxWeightsPerChannel: Int,
                                        fpga: FPGATechnology) -> FPGAResources {
        var r = FPGAResources()
        guard maxChannels > 0 else { return r }
        let p = config.lanes, w = config.portBits
        let g = channelStepGeometry(config, maxChannels: maxChannels, maxWeightsPerChannel: maxWeightsPerChannel)
        r.bram18 += p * fpga.bram18Blocks(entries: g.rows, width: stepBits)
        let significand = 24
        r.dsp += ((significand + fpga.dspMultiplierABits - 1) / fpga.dspMultiplierABits)
            * ((significand + fpga.dspMultiplierBBits - 1) / fpga.dspMultiplierBBits)
        let levelsPerLUT = max(1, ceilLog2(fpga.muxInputsPerLUT))
        func muxLUTs(_ bits: Int, levels: Int) -> Int { bits * ((levels + levelsPerLUT - 1) / levelsPerLUT) }
        r.luts += 23 + muxLUTs(26, levels: 5) + 25 + 22 + 26            // ROM, shifter, rounding and exponent adders
        r.luts += muxLUTs(3 * w, levels: ceilLog2(3 * w + 1))            // byte buffer insertion
        let counters = addressBits + 16 + bitsToRepresent(3 * w) + g.channelBits + 3 + g.rowBits
        r.flipFlops += 32 + 3 * w + counters + g.bankBits
        r.luts += counters
        r.flipFlops += p * (g.bankBits + g.positionBits) + 1 + p * g.rowBits   // + read-enable rows, settled
        r.luts += p * g.rowBits                                                  // read-enable compares
        r.luts += p * (3 * (g.positionBits + 1) + 2 * (g.bankBits + 1) + g.rowBits
                       + stepBits * max(1, (p - 1 + fpga.muxInputsPerLUT - 2) / max(1, fpga.muxInputsPerLUT - 1)))
        return r
    }
}
