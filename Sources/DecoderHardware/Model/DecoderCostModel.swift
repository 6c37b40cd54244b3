import EntropyCoding
import Foundation

/// The analytic model of the parallel tANS decoder (DESIGN.md, "Hardware decoder cost model").
///
/// ```swift
/// let model = DecoderCostModel(technology: tech)
/// let config = try DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: tech.clockHz)
/// let cost = try model.evaluate(config, layers: profiles)
/// print(cost.totalCycles, cost.area?.total ?? 0, cost.energy?.decoderPerWeight ?? 0)
/// ```
///
/// ## The hardware being modelled
/// Per lane: a state register (R bits), a read port on the decode table (L = 2^R entries of
/// e = ⌈log₂ N_max⌉ + ⌈log₂(R+1)⌉ + R bits: symbol, nbBits, newStateBase), an R-bit adder for
/// `x' = newStateBase + bits`, a bit buffer of B bits with a consume shifter and a refill
/// aligner, and a dequantizer `ŵ = symbol·Δ − K·Δ` (a ⌈log₂ N⌉ × 16-bit multiplier and a
/// 16-bit subtractor). With dependent quantization (``DecoderConfiguration/dependentQuantization``)
/// each lane's dequantizer also holds the state machine: log₂S state flip-flops, the next-state
/// function of (state, level parity) as a 2S-entry look-up (log₂S·(2S − 1) 2:1 muxes — an
/// assumption: a mux tree over the transition table, an upper bound on what synthesis makes of
/// it), a (⌈log₂ N⌉ + 1)-bit adder for `2k − q·sgn k`, and a multiplier one bit wider; its area
/// and energy are part of the dequantizers' (``dependentQuantizationCost(geometry:asic:)``).
/// All lanes step in lockstep: a cycle decodes P symbols (the P weights the
/// compute array takes next) or stalls when any lane lacks the bits its next symbol needs.
/// Shared: one W-bit weight-memory port, a table builder, the stream address counters and the
/// port arbiter.
///
/// ## Cycles per layer
/// The phases of the generated RTL (`subbit rtl`), which runs them cycle-exactly against this
/// formula; a synchronous weight memory delivers the word requested in cycle t at the end of
/// cycle t + λ (λ = ``DecoderConfiguration/memoryReadLatency``, 1 for an SRAM), so a burst of k
/// header words takes k + λ cycles:
/// `setup = (⌈N(R+1)/W⌉ + λ)` (the normalized counts, N fields of R + 1 bits, R the hardware's)
/// `+ (2·2^{R_l} + 2)` (start; spread pass 2^{R_l}; fill pass 2^{R_l} + 1, the table's read
/// latency; replicated copies are written in parallel)
/// `+ (⌈(min(n,P)·R + 16)/W⌉ + λ)` (initial states and the step Δ)
/// `+ (primed + 1)` (priming puts one W-bit word in every lane's buffer — split: lanes with a
/// non-empty stream; interleaved: min(P, words) — and loads the states into the table address
/// registers).
/// `decode = ⌈n/P⌉` (one symbol per lane per cycle: the next state addresses the synchronous
/// table, so its one-cycle read latency is inside the state loop, not added per symbol); with
/// the pipelined two-cycle loop (``DecoderConfiguration/stateLoopCycles`` = 2),
/// `decode = 2·(⌈n/P⌉ − 1) + 1`.
/// The port delivers one word per cycle; the layer needs `T = Σ_j ⌈b_j/W⌉` words (split) or
/// `T = ⌈b/W⌉` (interleaved). When the lanes' demand P·(b/n) exceeds W the port is the
/// bottleneck: the last of the `T − primed` remaining words is requested in decode cycle
/// `T − primed − 1`, is usable λ + 1 cycles later, and the final group decodes then, so
/// `decodePhase = max(⌈n/P⌉ + startup, T − primed + λ + 1)` and `stalls = decodePhase − ⌈n/P⌉`.
/// `startup = max(0, min(P, ⌈n/P⌉) + λ − ⌊W·n/b⌋)` (split layout only): the round-robin port
/// reaches the last lane's second word after P + λ cycles, while a lane spending b/n bits per
/// symbol drains its primed word in W·n/b cycles.
/// With an escape path, its stream's words join T (and one primed word; the port serves it
/// first), its table is built in setup (`⌈N(R+1)/W⌉ + λ + 2·2^{R_e} + 2`, and ⌈(R+8)/W⌉ more
/// header words for its state and symbol), and the shared escape unit yields at most one value per
/// cycle into a P-deep FIFO: `decodePhase ≥ E + 1` for E escaped symbols, and the groups waiting
/// for escape values add `⌈n/P⌉ · s` stalls, s from the FIFO's Markov chain (``EscapeQueue``).
/// Buffers of B ≥ 2W absorb the per-symbol jitter of the demand; ``CycleSimulator`` measures the
/// remainder and the tests bound it.
///
/// ## Double-buffered tables
/// With ``DecoderConfiguration/doubleBufferTables`` every table has two banks (twice the table
/// storage in area and leakage); the builder fills layer l's bank while the lanes decode layer
/// l − 1 from the other, so `setup_l` loses `min(tableBuildCycles_l, decodePhase_{l−1})`
/// (``tableBuildCycles(alphabetSize:tableLog:escapeTableLog:config:)``), kept in
/// ``LayerCycles/hiddenSetup``. The first layer's build stays exposed. Total cycles, throughput,
/// added latency and the table-build time all count the exposed setup only.
///
/// ## SRAM energy and leakage (ASIC)
/// Read energy per bit `E(S) = E_ref·(S/S_ref)^α` at and above the reference size and
/// `E_ref·(S/S_ref)^β` below it (``ASICTechnology/sramReadEnergyPerBit(bytes:)``; β from a compiled
/// small-macro family). Leakage: the decode tables' SRAM bits (replicated tables; two banks when
/// double-buffered) and the weight memory's bits leak `P_leak` each for the inference's decoder
/// time `t = total cycles / f_clk`; per weight `bits·P_leak·t/n`. The tables' share is part of
/// ``EnergyBreakdown/decoderPerWeight``; the memory's is reported beside its read energy, for the
/// coded and the fixed-width memory alike (held for the same t).
public struct DecoderCostModel: Sendable {
    public var technology: Technology

    /// Version of the model's formulas, in the keys of cached sweep points beside a hash of the
    /// model's outputs (`NumericsFingerprint.decoder`): bump it when a formula changes in a way
    /// the fingerprint's fixed configurations might not exercise (e.g. an option off by default).
    /// 2: table and weight-memory leakage, sourced sub-8 KB read energy, double-buffered tables.
    /// 3: per-channel steps' code words in setup and header bits, their logic in the dequantizers.
    /// 4: fixed-width layers costed as bypass layers (``LayerProfile/bypassBits``).
    /// 5: layers of split levels (more than 255 bins): the fine-bit stream, its extractor, the
    /// wider level operand (``LayerProfile/fineBits``).
    /// 6: per-channel steps as the RTL builds them: a setup generator into P step banks, per-lane
    /// channel tracking and step selection (any weights per channel); the step region (float32
    /// base + code bytes) read while the table is built.
    /// 7: the fine-bit buffer of split levels is 2·P·s + (λ + 1)·W bits, not P·s + W (the cycle
    /// simulator, which now reads the fine stream, showed the smaller one starving the extractor
    /// at any read latency); layers without split levels cost the same.
    public static let version = 7

    /// Fixed-point width of the step Δ and of the dequantized weight, bits.
    public static let stepBits = 16
    /// Width of a stream address counter, bits (16 M words of weight memory).
    static let addressBits = 24
    /// Width of the group (output index) counter, bits.
    static let groupCounterBits = 24

    public init(technology: Technology) {
        self.technology = technology
    }

    /// Evaluates a configuration on a model (its layers, coded for `config.lanes` lanes).
    /// Throws ``DecoderConfigurationError`` for configurations the hardware cannot realise.
    public func evaluate(_ config: DecoderConfiguration, layers: [LayerProfile]) throws -> DecoderCost {
        try evaluate(config, model: ModelProfile(layers))
    }

    /// Evaluates a configuration on a prepared model (the fast path for sweeps and benchmarks).
    public func evaluate(_ config: DecoderConfiguration, model: ModelProfile) throws -> DecoderCost {
        try config.validate()
        try config.validate(for: model)
        return evaluateValidated(config, model: model)
    }

    /// ``evaluate(_:model:)`` without the validation (the caller has validated).
    func evaluateValidated(_ config: DecoderConfiguration, model: ModelProfile) -> DecoderCost {
        let count = model.count
        var storedBits = 0
        var totals = LayerCycles.zero
        let perLayer = [LayerCycles](unsafeUninitializedCapacity: count) { buffer, initialized in
            model.symbolCount.withUnsafeBufferPointer { n in
            model.alphabetSize.withUnsafeBufferPointer { bins in
            model.tableLog.withUnsafeBufferPointer { logs in
            model.escapeSymbols.withUnsafeBufferPointer { eSymbols in
            model.escapeBits.withUnsafeBufferPointer { eBits in
            model.escapeTableLog.withUnsafeBufferPointer { eLogs in
            model.laneStart.withUnsafeBufferPointer { starts in
            model.laneBits.withUnsafeBufferPointer { lanes in
            model.laneTotal.withUnsafeBufferPointer { laneTotals in
            model.escapeStallsPerGroup.withUnsafeBufferPointer { escapeStalls in
            model.channels.withUnsafeBufferPointer { channels in
            model.bypassBits.withUnsafeBufferPointer { bypass in
            model.fineBits.withUnsafeBufferPointer { fine in
                for i in 0..<count {
                    let laneCount = starts[i + 1] - starts[i]
                    let cycles = Self.cycles(
                        symbolCount: n[i], alphabetSize: bins[i], tableLog: logs[i],
                        laneBits: UnsafeBufferPointer(rebasing: lanes[starts[i]..<(starts[i] + laneCount)]),
                        laneTotal: laneTotals[i], escapeSymbols: eSymbols[i], escapeBits: eBits[i],
                        escapeTableLog: eLogs[i], escapeStallsPerGroup: escapeStalls[i], config: config,
                        channels: channels[i], bypassBits: bypass[i], fineBits: fine[i])
                    (buffer.baseAddress! + i).initialize(to: cycles)
                    totals.accumulate(cycles)
                    storedBits += Self.headerBits(symbolCount: n[i], alphabetSize: bins[i], tableLog: logs[i],
                                                  escapeTableLog: eLogs[i], config: config, channels: channels[i],
                                                  bypassBits: bypass[i], fineBits: fine[i])
                        + cycles.words * config.portBits
                }
            }}}}}}}}}}}}}
            initialized = count
        }
        var layers = perLayer
        if config.doubleBufferTables && count > 1 {
            Self.hideTableBuilds(&layers, totals: &totals, model: model, config: config)
        }
        let fixedBits = model.fixedWidthBits
        var geometry = Geometry(config: config, maxBins: model.maxBins, escapeUnit: model.hasEscape)
        geometry.bypass = model.bypassSymbols > 0
        geometry.fineBits = model.maxFineBits
        var cost = DecoderCost(
            configuration: config, technologyName: technology.name, layers: layers,
            totals: totals, symbols: model.symbols, codedBits: model.codedBits, storedBits: storedBits,
            fixedWidthBits: fixedBits)
        switch technology.kind {
        case .asic(let asic):
            var area = Self.area(geometry: geometry, asic: asic)
            var energy = Self.energy(geometry: geometry, asic: asic, model: model, totals: totals,
                                     storedBits: storedBits, fixedBits: fixedBits,
                                     seconds: Double(totals.total) / config.clockHz)
            // Per-channel steps: their generator, code memory and counters are dequantizer logic.
            if model.maxChannels > 0, let share = perChannelStepCost(
                config, maxChannels: model.maxChannels, maxWeightsPerChannel: max(1, model.maxWeightsPerChannel),
                weights: model.symbols, channels: model.stepLoads) {
                area.dequantizers += share.area
                energy.dequantizers += share.energyPerWeight
            }
            cost.area = area
            cost.energy = energy
            let saved = asic.sramArea(bits: Double(fixedBits - storedBits))
            cost.memoryAreaSavedUm2 = saved
            cost.netAreaSavedUm2 = saved - area.total
        case .fpga(let fpga):
            var resources = Self.resources(geometry: geometry, fpga: fpga)
            let steps = Self.perChannelStepResources(config, maxChannels: model.maxChannels,
                                                     maxWeightsPerChannel: model.maxWeightsPerChannel, fpga: fpga)
            resources.luts += steps.luts
            resources.flipFlops += steps.flipFlops
            resources.bram18 += steps.bram18
            resources.dsp += steps.dsp
            cost.resources = resources
            let fixedBlocks = (fixedBits + fpga.bram18Bits - 1) / fpga.bram18Bits
            let storedBlocks = (storedBits + fpga.bram18Bits - 1) / fpga.bram18Bits
            cost.memoryBram18Saved = fixedBlocks - storedBlocks
            cost.netBram18Saved = fixedBlocks - storedBlocks - resources.bram18
        }
        return cost
    }
}
