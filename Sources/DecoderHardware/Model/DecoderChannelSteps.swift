import EntropyCoding
import Foundation

// Per-channel steps: what a decoder needs to dequantize with one step per output channel
// (`.sbw` record kind 5, ``ChannelSteps``). ``evaluate(_:model:)`` adds it to the dequantizers'
// area and energy (ASIC) or to its resources (FPGA, ``perChannelStepResources(_:maxChannels:maxWeightsPerChannel:fpga:)``)
// for a model whose layers carry ``LayerProfile/channels``; the ASIC share alone is what
// `subbit decoder` and `bench rd` print beside the totals.
extension DecoderCostModel {
    /// The hardware share of per-output-channel steps for `config` on a model whose per-channel
    /// layers have at most `maxChannels` channels and whose quantized weights number `weights`
    /// over `channels` channels in all (so a channel holds `weights / channels` weights on
    /// average). Nil for an FPGA technology (its share is in resources, not µm²:
    /// ``perChannelStepResources(_:maxChannels:maxWeightsPerChannel:fpga:)``) or when `maxChannels` is 0.
    ///
    /// The hardware modelled: a shared step-code memory of `maxChannels` bytes (filled from the
    /// layer's header), a shared step generator — a 32-entry ROM of the octave fractions
    /// (16-bit), a 16 × 16 multiplier (four 8 × 8) for `base · fraction` and a 16-bit barrel
    /// shifter (⌈log₂ 16⌉ mux levels) for `2^(code >> 5)` — and per lane a prefetched
    /// next-step register (16 flip-flops) and a weights-to-channel-boundary down-counter of
    /// ⌈log₂(maxWeightsPerChannel + 1)⌉ bits. Energy per decoded weight: the counter's step
    /// every weight, plus, once per channel and spread over its weights, one code read, one ROM
    /// read, one multiplication, one shift and the register load.
    ///
    /// Cycles: the step codes' ⌈C·8/W⌉ header words are read in each layer's setup, in the
    /// burst after the initial states (``setupCycles(symbolCount:alphabetSize:tableLog:escapeTableLog:config:primed:channels:)``);
    /// the generator computes the steps while the decode table is spread (2^R cycles, longer than
    /// C for every layer here). The result's `headerWords` gives them for the largest layer.
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
        let stepBits = Double(Self.stepBits)
        let codeBits = Double(maxChannels * ChannelSteps.codeBits)
        let romBits = Double(ChannelSteps.codesPerOctave) * stepBits
        let shifterMuxes = stepBits * Double(ceilLog2(Self.stepBits))
        let counterBits = Double(bitsToRepresent(max(1, maxWeightsPerChannel)))
        let gate = asic.nand2AreaUm2
        let memories = asic.sramTableArea(bits: codeBits) + asic.sramTableArea(bits: romBits)
        let generator = 4 * asic.multiplier8x8AreaUm2 + shifterMuxes * asic.mux2GateEquivalents * gate
        let perLane = (stepBits + counterBits) * asic.flipFlopAreaUm2 + counterBits * asic.fullAdderGateEquivalents * gate
        let area = memories + (generator + perLane * Double(config.lanes)) * asic.calibration.dequantizers

        let counterEnergy = counterBits * (asic.flipFlopEnergyPJ + asic.fullAdderGateEquivalents * asic.gateEnergyPJ)
        let perChannel = Double(ChannelSteps.codeBits) * asic.sramReadEnergyPerBit(bytes: codeBits / 8)
            + stepBits * asic.sramReadEnergyPerBit(bytes: romBits / 8)
            + 4 * asic.multiplier8x8EnergyPJ + shifterMuxes / 2 * asic.mux2GateEquivalents * asic.gateEnergyPJ
            + stepBits * asic.flipFlopEnergyPJ
        let energy = counterEnergy + perChannel * Double(channels) / Double(weights)
        let headerWords = (maxChannels * ChannelSteps.codeBits + config.portBits - 1) / config.portBits
        return (area, energy, headerWords)
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
    /// ``perChannelStepCost(_:maxChannels:maxWeightsPerChannel:weights:channels:)``): the step
    /// codes in one block RAM (C bytes), the 32 × 16-bit fraction ROM in 16 LUTs (a LUT6 is a
    /// 64 × 1 ROM), the 16 × 16 multiplier on a DSP (LUTs when it does not fit), the 16-bit
    /// shifter's mux levels in LUTs, and per lane the next-step register and the channel
    /// down-counter (flip-flops, one LUT per counter bit). Zero resources when `maxChannels` is 0.
    ///
    /// ```swift
    /// let r = DecoderCostModel.perChannelStepResources(config, maxChannels: 64, maxWeightsPerChannel: 576, fpga: fpga)
    /// r.bram18   // 1
    /// ```
    /// - Complexity: O(1).
    static func perChannelStepResources(_ config: DecoderConfiguration, maxChannels: Int, maxWeightsPerChannel: Int,
                                               fpga: FPGATechnology) -> FPGAResources {
        var r = FPGAResources()
        guard maxChannels > 0 else { return r }
        r.bram18 += fpga.bram18Blocks(entries: maxChannels, width: ChannelSteps.codeBits)
        r.luts += stepBits                                          // fraction ROM, 32 entries
        if stepBits <= fpga.dspMultiplierABits && stepBits <= fpga.dspMultiplierBBits {
            r.dsp += 1
        } else {
            r.luts += stepBits * stepBits
        }
        let levelsPerLUT = max(1, ceilLog2(fpga.muxInputsPerLUT))
        r.luts += stepBits * ((ceilLog2(stepBits) + levelsPerLUT - 1) / levelsPerLUT)   // 2^(code >> 5) shifter
        let counterBits = bitsToRepresent(max(1, maxWeightsPerChannel))
        r.flipFlops += config.lanes * (stepBits + counterBits)
        r.luts += config.lanes * counterBits
        return r
    }
}
