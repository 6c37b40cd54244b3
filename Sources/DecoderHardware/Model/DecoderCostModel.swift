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
    public static let version = 2

    /// Fixed-point width of the step Δ and of the dequantized weight, bits.
    public static let stepBits = 16
    /// Width of a stream address counter, bits (16 M words of weight memory).
    public static let addressBits = 24
    /// Width of the group (output index) counter, bits.
    public static let groupCounterBits = 24

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
    public func evaluateValidated(_ config: DecoderConfiguration, model: ModelProfile) -> DecoderCost {
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
                for i in 0..<count {
                    let laneCount = starts[i + 1] - starts[i]
                    let cycles = Self.cycles(
                        symbolCount: n[i], alphabetSize: bins[i], tableLog: logs[i],
                        laneBits: UnsafeBufferPointer(rebasing: lanes[starts[i]..<(starts[i] + laneCount)]),
                        laneTotal: laneTotals[i], escapeSymbols: eSymbols[i], escapeBits: eBits[i],
                        escapeTableLog: eLogs[i], escapeStallsPerGroup: escapeStalls[i], config: config)
                    (buffer.baseAddress! + i).initialize(to: cycles)
                    totals.accumulate(cycles)
                    storedBits += Self.headerBits(symbolCount: n[i], alphabetSize: bins[i], tableLog: logs[i],
                                                  escapeTableLog: eLogs[i], config: config)
                        + cycles.words * config.portBits
                }
            }}}}}}}}}}
            initialized = count
        }
        var layers = perLayer
        if config.doubleBufferTables && count > 1 {
            Self.hideTableBuilds(&layers, totals: &totals, model: model, config: config)
        }
        let fixedBits = model.fixedWidthBits
        let geometry = Geometry(config: config, maxBins: model.maxBins, escapeUnit: model.hasEscape)
        var cost = DecoderCost(
            configuration: config, technologyName: technology.name, layers: layers,
            totals: totals, symbols: model.symbols, codedBits: model.codedBits, storedBits: storedBits,
            fixedWidthBits: fixedBits)
        switch technology.kind {
        case .asic(let asic):
            let area = Self.area(geometry: geometry, asic: asic)
            cost.area = area
            cost.energy = Self.energy(geometry: geometry, asic: asic, model: model, totals: totals,
                                      storedBits: storedBits, fixedBits: fixedBits,
                                      seconds: Double(totals.total) / config.clockHz)
            let saved = asic.sramArea(bits: Double(fixedBits - storedBits))
            cost.memoryAreaSavedUm2 = saved
            cost.netAreaSavedUm2 = saved - area.total
        case .fpga(let fpga):
            let resources = Self.resources(geometry: geometry, fpga: fpga)
            cost.resources = resources
            let fixedBlocks = (fixedBits + fpga.bram18Bits - 1) / fpga.bram18Bits
            let storedBlocks = (storedBits + fpga.bram18Bits - 1) / fpga.bram18Bits
            cost.memoryBram18Saved = fixedBlocks - storedBlocks
            cost.netBram18Saved = fixedBlocks - storedBlocks - resources.bram18
        }
        return cost
    }

    // MARK: Cycles

    /// Cycles of layer l's table build that a double-buffered decoder overlaps with layer l − 1's
    /// decode phase: the counts' burst and the build passes, `⌈N(R+1)/W⌉ + λ + 2·2^{R_l} + 2`
    /// (and the escape table's likewise); 0 for a constant layer. The count words are read in
    /// port cycles the previous layer leaves idle (a few words against thousands of decode
    /// cycles; the model neglects the contention).
    @inlinable
    public static func tableBuildCycles(alphabetSize: Int, tableLog: Int, escapeTableLog: Int,
                                        config: DecoderConfiguration) -> Int {
        if tableLog == 0 { return 0 }
        let w = config.portBits
        let countWords = (alphabetSize * (config.tableLog + 1) + w - 1) / w
        var build = countWords + config.memoryReadLatency + 2 * (1 << tableLog) + 2
        if escapeTableLog > 0 {
            build += countWords + config.memoryReadLatency + 2 * (1 << escapeTableLog) + 2
        }
        return build
    }

    /// Double-buffered tables: moves each layer's table build (but the first layer's) out of its
    /// setup, as far as the previous layer's decode phase covers it:
    /// `hidden_l = min(tableBuildCycles_l, decodePhase_{l−1})`, `setup_l −= hidden_l`.
    ///
    /// - Complexity: O(layers).
    static func hideTableBuilds(_ layers: inout [LayerCycles], totals: inout LayerCycles, model: ModelProfile,
                                config: DecoderConfiguration) {
        for i in 1..<layers.count {
            let build = tableBuildCycles(alphabetSize: model.alphabetSize[i], tableLog: model.tableLog[i],
                                         escapeTableLog: model.escapeTableLog[i], config: config)
            let hidden = min(build, layers[i - 1].decodePhase, layers[i].setup)
            layers[i].setup -= hidden
            layers[i].hiddenSetup += hidden
            totals.setup -= hidden
            totals.hiddenSetup += hidden
        }
    }

    /// Setup cycles of a layer (the type's documentation gives the phases): read the normalized
    /// counts (N fields of R+1 bits), build the table, load the initial states and the step
    /// (min(n,P)·R + 16 bits), prime the buffers (`primed` words) and load the state registers;
    /// with an escape path, its counts and table, and its state and symbol (R + 8 bits). A
    /// constant layer loads its symbol and step only.
    @inlinable
    public static func setupCycles(layer: LayerProfile, config: DecoderConfiguration, primed: Int) -> Int {
        setupCycles(symbolCount: layer.symbolCount, alphabetSize: layer.alphabetSize, tableLog: layer.tableLog,
                    escapeTableLog: layer.escapeTableLog, config: config, primed: primed)
    }

    /// ``setupCycles(layer:config:primed:)`` on the layer's counts.
    @inlinable
    public static func setupCycles(symbolCount: Int, alphabetSize: Int, tableLog: Int, escapeTableLog: Int,
                                   config: DecoderConfiguration, primed: Int) -> Int {
        let w = config.portBits
        let r = config.tableLog
        let latency = config.memoryReadLatency
        if tableLog == 0 { return (8 + stepBits + w - 1) / w }
        let states = min(symbolCount, config.lanes) * r
        let countWords = (alphabetSize * (r + 1) + w - 1) / w
        var setup = countWords + latency
            + 2 * (1 << tableLog) + 2
            + (states + stepBits + w - 1) / w + latency
            + primed + 1
        if escapeTableLog > 0 {
            setup += countWords + latency
                + 2 * (1 << escapeTableLog) + 2
                + (r + 8 + w - 1) / w
        }
        return setup
    }

    /// Cycles of one layer (see the type's documentation for the formulas).
    @inlinable
    public static func cycles(layer: LayerProfile, config: DecoderConfiguration) -> LayerCycles {
        layer.laneBits.withUnsafeBufferPointer { lanes in
            cycles(symbolCount: layer.symbolCount, alphabetSize: layer.alphabetSize, tableLog: layer.tableLog,
                   laneBits: lanes, laneTotal: layer.laneBitsTotal, escapeSymbols: layer.escapeSymbols,
                   escapeBits: layer.escapeBits, escapeTableLog: layer.escapeTableLog,
                   escapeStallsPerGroup: layer.escapeStallsPerGroup, config: config)
        }
    }

    /// ``cycles(layer:config:)`` on the layer's counts.
    @inlinable
    public static func cycles(symbolCount n: Int, alphabetSize: Int, tableLog: Int,
                              laneBits: UnsafeBufferPointer<Int>, laneTotal: Int, escapeSymbols: Int,
                              escapeBits: Int, escapeTableLog: Int, escapeStallsPerGroup: Double = 0,
                              config: DecoderConfiguration) -> LayerCycles {
        let w = config.portBits
        let p = config.lanes
        // ⌈b/W⌉ by a shift when W is a power of two (the usual case): divisions would dominate.
        let shift = w.trailingZeroBitCount
        let powerOfTwo = w & (w &- 1) == 0
        @inline(__always) func wordsFor(_ bits: Int) -> Int {
            powerOfTwo ? (bits &+ w &- 1) &>> shift : (bits + w - 1) / w
        }
        var words = 0
        var primed = 0
        switch config.layout {
        case .split:
            for bits in laneBits where bits > 0 {
                words &+= wordsFor(bits)
                primed &+= 1
            }
        case .interleaved:
            words = wordsFor(laneTotal)
            primed = min(p, words)
        }
        if escapeBits > 0 {
            words &+= wordsFor(escapeBits)
            primed &+= 1
        }
        let setup = setupCycles(symbolCount: n, alphabetSize: alphabetSize, tableLog: tableLog,
                                escapeTableLog: escapeTableLog, config: config, primed: primed)
        // A lane steps every `stateLoopCycles` cycles (1: the RTL's one-cycle loop); a constant
        // layer has no state loop and emits a group per cycle (as ``CycleSimulator`` does).
        let loop = tableLog == 0 ? 1 : config.stateLoopCycles
        let groups = (n + p - 1) / p
        let decode = groups == 0 ? 0 : loop * (groups - 1) + 1
        let remaining = words - primed
        // Split start-up: the round-robin port reaches the last lane's second word only after P
        // cycles, while a lane spending b/n bits per symbol drains its primed word in W·n/b
        // cycles; the difference stalls the lockstep group once.
        let latency = config.memoryReadLatency
        var startup = 0
        if config.layout == .split && laneTotal > 0 && (p > 1 || latency > 0) {
            startup = max(0, min(p, decode) + latency - (w * n) / laneTotal)
        }
        // Escape FIFO: groups waiting for escape values (stationary rate of ``EscapeQueue``).
        let escapeStalls = escapeStallsPerGroup > 0 ? Int((Double(decode) * escapeStallsPerGroup).rounded()) : 0
        var decodePhase = max(decode + startup + escapeStalls, remaining > 0 ? remaining + latency + 1 : 0)
        // The escape unit yields at most one value per cycle.
        if escapeSymbols > 0 { decodePhase = max(decodePhase, escapeSymbols + 1) }
        return LayerCycles(setup: setup, decode: decode, stalls: decodePhase - decode, words: words, symbols: n)
    }

    /// Header bits of a layer in weight memory: N normalized counts of R_l+1 bits, min(n,P)
    /// final states of R_l bits, the 16-bit step; with an escape path, its counts, state and
    /// symbol. A constant layer stores its symbol and step.
    @inlinable
    public static func headerBits(layer: LayerProfile, config: DecoderConfiguration) -> Int {
        headerBits(symbolCount: layer.symbolCount, alphabetSize: layer.alphabetSize, tableLog: layer.tableLog,
                   escapeTableLog: layer.escapeTableLog, config: config)
    }

    /// ``headerBits(layer:config:)`` on the layer's counts.
    @inlinable
    public static func headerBits(symbolCount: Int, alphabetSize: Int, tableLog: Int, escapeTableLog: Int,
                                  config: DecoderConfiguration) -> Int {
        if tableLog == 0 { return 8 + stepBits }
        var bits = alphabetSize * (tableLog + 1) + min(symbolCount, config.lanes) * tableLog + stepBits
        if escapeTableLog > 0 {
            bits += alphabetSize * (escapeTableLog + 1) + escapeTableLog + 8
        }
        return bits
    }

    /// Bits the layer occupies in weight memory: its header plus its streams padded to whole port
    /// words (`words · W`, the words of ``cycles(layer:config:)``).
    @inlinable
    public static func storedBits(layer: LayerProfile, config: DecoderConfiguration) -> Int {
        headerBits(layer: layer, config: config) + cycles(layer: layer, config: config).words * config.portBits
    }

    // MARK: Geometry shared by area and energy

    /// Sizes of the datapath, derived once per configuration.
    @usableFromInline
    struct Geometry {
        var lanes: Int
        var tableLog: Int
        var entries: Int
        var entryBits: Int
        var symbolBits: Int
        var maxBins: Int
        var bufferBits: Int
        var portBits: Int
        var sharing: TableSharing
        var layout: StreamLayout
        /// One shared escape decode unit (table, state, bit buffer, P-entry output FIFO),
        /// present when some layer of the model uses the escape path.
        var escapeUnit: Bool
        /// Two banks per table (``DecoderConfiguration/doubleBufferTables``).
        var doubleBuffer: Bool
        /// States of the dependent-quantization machine per lane (0: plain dequantization).
        var dqStates: Int

        /// State flip-flops per lane: log₂ of the state count.
        var dqStateBits: Int { ceilLog2(dqStates) }
        /// Width of the multiplier's level operand: one more bit for the reconstruction multiple
        /// `2k − q·sgn k` with dependent quantization.
        var levelBits: Int { symbolBits + (dqStates > 0 ? 1 : 0) }

        init(config: DecoderConfiguration, maxBins: Int, escapeUnit: Bool) {
            doubleBuffer = config.doubleBufferTables
            lanes = config.lanes
            tableLog = config.tableLog
            entries = config.tableEntries
            symbolBits = max(1, ceilLog2(maxBins))
            entryBits = symbolBits + config.nbBitsFieldBits + config.tableLog
            self.maxBins = maxBins
            bufferBits = config.laneBufferBits
            portBits = config.portBits
            sharing = config.sharing
            layout = config.layout
            self.escapeUnit = escapeUnit
            dqStates = config.dependentQuantization?.stateCount ?? 0
        }

        /// Consume-shifter and refill-aligner sizes in 2:1 multiplexers, and the flip-flops of
        /// the bit buffers, for the whole decoder.
        ///
        /// Split: per lane, a B-bit buffer that shifts out 0…R consumed bits (B·⌈log₂(R+1)⌉ muxes)
        /// and an aligner placing a W-bit word at any fill level (B·⌈log₂ B⌉ muxes).
        /// Interleaved: one P·B-bit buffer shifting out 0…P·R bits, an aligner over P·B bits, and
        /// per lane j an extractor taking R bits at offset Σ_{i<j} nbBits_i from a window of
        /// (j+1)·R bits ((j+1)·R·⌈log₂(j·R+1)⌉ muxes) plus a prefix adder.
        var extractor: (buffer: Int, consumeMuxes: Int, alignMuxes: Int, extractMuxes: Int,
                        prefixAdderBits: Int, counterBits: Int) {
            switch layout {
            case .split:
                let b = bufferBits
                return (lanes * b, lanes * b * ceilLog2(tableLog + 1), lanes * b * ceilLog2(b), 0, 0,
                        lanes * bitsToRepresent(b))
            case .interleaved:
                let b = lanes * bufferBits
                var extract = 0
                for j in 0..<lanes { extract += (j + 1) * tableLog * ceilLog2(j * tableLog + 1) }
                let prefixBits = bitsToRepresent(lanes * tableLog)
                return (b, b * ceilLog2(lanes * tableLog + 1), b * ceilLog2(b), extract,
                        lanes * prefixBits, bitsToRepresent(b))
            }
        }

        /// SRAM (replicated) or flip-flop (shared) bits holding decode tables: P·L·e or L·e, the
        /// escape unit's L·e, times two banks when double-buffered.
        var tableStorageBits: Double {
            let table = Double(entries * entryBits)
            let copies = Double(sharing == .replicated ? lanes : 1) + (escapeUnit ? 1 : 0)
            return copies * table * (doubleBuffer ? 2 : 1)
        }

        /// Stream address counters: one per lane (split) or one (interleaved).
        var addressCounters: Int { layout == .split ? lanes : 1 }

        /// Round-robin arbiter over the lanes, GE: a masked priority encoder, ≈ 4·P·⌈log₂ P⌉.
        var arbiterGE: Double {
            layout == .split && lanes > 1 ? 4.0 * Double(lanes * ceilLog2(lanes)) : 0
        }
    }

    // MARK: Area (ASIC)

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
        let multiplier = asic.multiplier8x8AreaUm2 * Double(g.symbolBits * stepBits) / 64
        let dequantizers = p * (multiplier + Double(stepBits) * fa + dependentQuantizationCost(geometry: g, asic: asic).areaPerLane)
            + Double(2 * stepBits) * ff
        // Table builder: N next-state counters of R+1 bits, a spread position register, two
        // R-bit adders. Control: address counters with incrementers (≈ half a full adder per
        // bit), the group counter, the arbiter.
        let builder = Double(g.maxBins * (g.tableLog + 1) + g.tableLog) * ff + 2 * r * fa
        var control = Double(g.addressCounters * addressBits + groupCounterBits) * (ff + 0.5 * fa) + g.arbiterGE * ge
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

    // MARK: Energy (ASIC)

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
        let tables = (readPerSymbol * n + writePerEntry * builtEntries
            + escapeReadPerSymbol * (escapes + escapeBuilt)) / n

        // Clocked every decode-phase cycle: state registers, bit buffers, fill and address counters.
        let decodeCycles = Double(totals.decode + totals.stalls)
        let x = g.extractor
        let p = Double(g.lanes)
        let r = Double(g.tableLog)
        let escapeLanes = g.escapeUnit ? 1.0 : 0.0
        let state = ((p + escapeLanes) * r * eff * decodeCycles + r * efa * (n + escapes)) / n
        // Consume shift once per symbol (half the muxes toggle); align once per word.
        let consumePerSymbol = Double(x.consumeMuxes + x.extractMuxes) / p / 2 * emux
            + Double(x.prefixAdderBits) / p * efa
        let alignPerWord = Double(x.alignMuxes) / Double(g.layout == .split ? g.lanes : 1) / 2 * emux
        let escapeBuffer = g.escapeUnit ? Double(g.bufferBits + bitsToRepresent(g.bufferBits)) : 0
        let escapeConsume = Double(g.bufferBits * ceilLog2(g.tableLog + 1)) / 2 * emux
        let extractors = (Double(x.buffer + x.counterBits) * eff * decodeCycles + escapeBuffer * eff * decodeCycles
            + consumePerSymbol * n + escapeConsume * escapes + alignPerWord * Double(totals.words)) / n
        let multiply = asic.multiplier8x8EnergyPJ * Double(g.symbolBits * stepBits) / 64
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

    // MARK: Resources (FPGA)

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
        if g.escapeUnit {
            let b = g.bufferBits
            r.bram18 += fpga.bram18Blocks(entries: g.entries, width: g.entryBits)
            r.flipFlops += g.tableLog + b + bitsToRepresent(b) + g.lanes * g.symbolBits
            r.luts += g.tableLog + b * (lutLevels(ceilLog2(g.tableLog + 1)) + lutLevels(ceilLog2(b)))
        }
        return r
    }
}

/// Cycle counts of one layer (or, summed, of a model).
public struct LayerCycles: Sendable, Equatable {
    /// Counts read, table built, states and step loaded, buffers primed.
    public var setup: Int
    /// ⌈n/P⌉: cycles with every lane decoding.
    public var decode: Int
    /// Decode-phase cycles in which some lane waited for bits.
    public var stalls: Int
    /// Port words the layer's streams occupy.
    public var words: Int
    /// Symbols decoded.
    public var symbols: Int
    /// Table-build cycles hidden behind the previous layer's decode phase by double-buffered
    /// tables (already removed from ``setup``); 0 otherwise.
    public var hiddenSetup: Int

    public static let zero = LayerCycles(setup: 0, decode: 0, stalls: 0, words: 0, symbols: 0)

    public init(setup: Int, decode: Int, stalls: Int, words: Int, symbols: Int, hiddenSetup: Int = 0) {
        self.setup = setup
        self.decode = decode
        self.stalls = stalls
        self.words = words
        self.symbols = symbols
        self.hiddenSetup = hiddenSetup
    }

    /// Cycles from the first decode to the last symbol: `decode + stalls`.
    @inlinable public var decodePhase: Int { decode + stalls }
    /// All cycles: `setup + decode + stalls`.
    @inlinable public var total: Int { setup + decode + stalls }

    @inlinable
    mutating func accumulate(_ other: LayerCycles) {
        setup += other.setup
        decode += other.decode
        stalls += other.stalls
        words += other.words
        symbols += other.symbols
        hiddenSetup += other.hiddenSetup
    }
}

/// Decoder area by block, µm² (ASIC).
public struct AreaBreakdown: Sendable, Equatable {
    /// L entries × (symbol + nbBits + R) bits, per lane (replicated) or once plus P read muxes (shared).
    public var decodeTables: Double
    /// P × (R flip-flops + R-bit adder).
    public var stateRegisters: Double
    /// Bit buffers, consume shifters, refill aligners, fill counters (and, interleaved, the
    /// per-lane extractors and prefix adders).
    public var bitExtractors: Double
    /// P × (⌈log₂ N⌉×16 multiplier + 16-bit subtractor), plus the step registers.
    public var dequantizers: Double
    /// Table builder, address and group counters, port arbiter.
    public var control: Double

    public var total: Double { decodeTables + stateRegisters + bitExtractors + dequantizers + control }
}

/// Energy per decoded weight by block, pJ (ASIC).
public struct EnergyBreakdown: Sendable, Equatable {
    public var decodeTables: Double
    public var stateRegisters: Double
    public var bitExtractors: Double
    public var dequantizers: Double
    public var control: Double
    /// Reading the coded streams (and headers) from weight memory, per weight.
    public var weightMemoryPerWeight: Double
    /// What reading fixed-width weights would cost, per weight (the baseline).
    public var fixedWidthMemoryPerWeight: Double
    /// The decode tables' SRAM leakage over the inference, per weight (in ``decoderPerWeight``).
    public var tableLeakage: Double = 0
    /// The coded weight memory's leakage over the inference, per weight.
    public var weightMemoryLeakagePerWeight: Double = 0
    /// The fixed-width baseline memory's leakage over the same time, per weight.
    public var fixedWidthMemoryLeakagePerWeight: Double = 0

    /// The decoder's own energy per weight, its tables' leakage included (memory excluded).
    public var decoderPerWeight: Double {
        decodeTables + stateRegisters + bitExtractors + dequantizers + control + tableLeakage
    }
    /// Decoder plus weight-memory reads and leakage, per weight.
    public var totalPerWeight: Double { decoderPerWeight + weightMemoryPerWeight + weightMemoryLeakagePerWeight }
    /// The baseline's: fixed-width reads and leakage, per weight.
    public var fixedWidthTotalPerWeight: Double { fixedWidthMemoryPerWeight + fixedWidthMemoryLeakagePerWeight }
}

/// Decoder resources on an FPGA.
public struct FPGAResources: Sendable, Equatable {
    public var luts = 0
    public var flipFlops = 0
    public var bram18 = 0
    public var dsp = 0
    public init() {}
}

/// The analytic model's verdict on one configuration and model.
public struct DecoderCost: Sendable {
    public var configuration: DecoderConfiguration
    public var technologyName: String
    public var layers: [LayerCycles]
    public var totals: LayerCycles
    public var symbols: Int
    /// Payload bits Σ b.
    public var codedBits: Int
    /// Weight-memory bits with headers and word padding.
    public var storedBits: Int
    /// The fixed-width baseline, Σ n·⌈log₂ N⌉.
    public var fixedWidthBits: Int
    public var area: AreaBreakdown?
    public var energy: EnergyBreakdown?
    public var resources: FPGAResources?
    public var memoryAreaSavedUm2: Double?
    public var netAreaSavedUm2: Double?
    public var memoryBram18Saved: Int?
    public var netBram18Saved: Int?

    init(configuration: DecoderConfiguration, technologyName: String, layers: [LayerCycles],
         totals: LayerCycles, symbols: Int, codedBits: Int, storedBits: Int, fixedWidthBits: Int) {
        self.configuration = configuration
        self.technologyName = technologyName
        self.layers = layers
        self.totals = totals
        self.symbols = symbols
        self.codedBits = codedBits
        self.storedBits = storedBits
        self.fixedWidthBits = fixedWidthBits
    }

    public var totalCycles: Int { totals.total }
    /// Weight memory saved against fixed-width storage, bits (negative if coding costs more).
    public var memorySavedBits: Int { fixedWidthBits - storedBits }
    /// Decoded weights per second over the whole model, table loads included.
    public var throughputWeightsPerSecond: Double {
        totalCycles == 0 ? 0 : Double(symbols) / Double(totalCycles) * configuration.clockHz
    }
    /// Decoded weights per cycle in the decode phases (table loads excluded).
    public var decodeRateWeightsPerCycle: Double {
        totals.decodePhase == 0 ? 0 : Double(symbols) / Double(totals.decodePhase)
    }

    /// Whether the decoder keeps up with a compute array taking `consumerWeightsPerCycle` weights
    /// per cycle: over the model, its decode phases take no longer than the array's
    /// Σ ⌈n_l / C⌉ cycles (table loads are counted separately, as added latency).
    public func keepsUp(consumerWeightsPerCycle c: Int) -> Bool {
        precondition(c > 0, "a compute array consumes at least one weight per cycle")
        return totals.decodePhase <= layers.reduce(0) { $0 + ($1.symbols + c - 1) / c }
    }

    /// Cycles the decoder adds to one inference feeding an array that takes C weights per cycle:
    /// `Σ_l setup_l + max(0, decodePhase_l − ⌈n_l/C⌉)` (decoding streams into the array, so only
    /// the table load and any shortfall of the decode rate are added).
    public func addedLatencyCycles(consumerWeightsPerCycle c: Int) -> Int {
        precondition(c > 0, "a compute array consumes at least one weight per cycle")
        return layers.reduce(0) { $0 + $1.setup + max(0, $1.decodePhase - ($1.symbols + c - 1) / c) }
    }

    /// ``addedLatencyCycles(consumerWeightsPerCycle:)`` in seconds.
    public func addedLatencySeconds(consumerWeightsPerCycle c: Int) -> Double {
        Double(addedLatencyCycles(consumerWeightsPerCycle: c)) / configuration.clockHz
    }
}
