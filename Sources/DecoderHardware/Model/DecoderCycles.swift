import EntropyCoding
import Foundation

// Cycles: per-layer setup, decode and stall cycles, table builds hidden by double buffering, and
// header/stored bits (the formulas of ``DecoderCostModel``'s documentation).
extension DecoderCostModel {
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
                    escapeTableLog: layer.escapeTableLog, config: config, primed: primed, channels: layer.channels,
                    bypassBits: layer.bypassBits, fineBits: layer.fineBits)
    }

    /// ``setupCycles(layer:config:primed:)`` on the layer's counts.
    @inlinable
    public static func setupCycles(symbolCount: Int, alphabetSize: Int, tableLog: Int, escapeTableLog: Int,
                                   config: DecoderConfiguration, primed: Int, channels: Int = 0,
                                   bypassBits: Int = 0, fineBits: Int = 0) -> Int {
        let w = config.portBits
        let r = config.tableLog
        let latency = config.memoryReadLatency
        // Per-channel steps: the generator reads the step region (base, C code bytes) and writes
        // the steps while the table is built, or after the header of a layer without a table.
        let generator = stepGeneratorCycles(channels: channels, config: config)
        // A bypass layer (fixed-width) loads its width, step and first group, then primes the
        // shared buffer.
        if bypassBits > 0 {
            return (8 + stepBits + min(symbolCount, config.lanes) * bypassBits + w - 1) / w + latency + primed + 1 + generator
        }
        if tableLog == 0 {
            // A constant layer of split levels (one coarse symbol) still primes its fine stream;
            // one with per-channel steps runs the step generator after its header and pays the
            // header burst's latency.
            return fineBits > 0 ? (8 + stepBits + 8 + w - 1) / w + latency + primed + 1 + generator
                : (8 + stepBits + w - 1) / w + (generator > 0 ? latency + generator : 0)
        }
        // Split levels: the fine-bit count s (8 bits) is read with the states and the step; the
        // fine stream's first word is one of the `primed` words.
        let states = min(symbolCount, config.lanes) * r + (fineBits > 0 ? 8 : 0)
        let countWords = (alphabetSize * (r + 1) + w - 1) / w
        var setup = countWords + latency
            + max(2 * (1 << tableLog) + 2, generator)
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
                   escapeStallsPerGroup: layer.escapeStallsPerGroup, config: config, channels: layer.channels,
                   bypassBits: layer.bypassBits, fineBits: layer.fineBits)
        }
    }

    /// ``cycles(layer:config:)`` on the layer's counts.
    @inlinable
    public static func cycles(symbolCount n: Int, alphabetSize: Int, tableLog: Int,
                              laneBits: UnsafeBufferPointer<Int>, laneTotal: Int, escapeSymbols: Int,
                              escapeBits: Int, escapeTableLog: Int, escapeStallsPerGroup: Double = 0,
                              config: DecoderConfiguration, channels: Int = 0, bypassBits: Int = 0,
                              fineBits: Int = 0) -> LayerCycles {
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
        // A bypass layer reads one shared stream, whatever the layout.
        let shared = config.layout == .interleaved || bypassBits > 0
        switch shared ? StreamLayout.interleaved : .split {
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
        // Split levels: the fine bits are one more stream, P·s bits per group from a shared
        // extractor; its words share the port with the lanes' refills.
        if fineBits > 0 && n > 0 {
            words &+= wordsFor(n &* fineBits)
            primed &+= 1
        }
        let setup = setupCycles(symbolCount: n, alphabetSize: alphabetSize, tableLog: tableLog,
                                escapeTableLog: escapeTableLog, config: config, primed: primed, channels: channels,
                                bypassBits: bypassBits, fineBits: fineBits)
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
        if !shared && laneTotal > 0 && (p > 1 || latency > 0) {
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
    /// symbol. A constant layer stores its symbol and step. Per-channel steps add their step
    /// region (the float32 base and C code bytes), split levels their 8-bit fine-bit count s.
    @inlinable
    public static func headerBits(layer: LayerProfile, config: DecoderConfiguration) -> Int {
        headerBits(symbolCount: layer.symbolCount, alphabetSize: layer.alphabetSize, tableLog: layer.tableLog,
                   escapeTableLog: layer.escapeTableLog, config: config, channels: layer.channels,
                   bypassBits: layer.bypassBits, fineBits: layer.fineBits)
    }

    /// ``headerBits(layer:config:)`` on the layer's counts.
    @inlinable
    public static func headerBits(symbolCount: Int, alphabetSize: Int, tableLog: Int, escapeTableLog: Int,
                                  config: DecoderConfiguration, channels: Int = 0, bypassBits: Int = 0,
                                  fineBits: Int = 0) -> Int {
        let codes = (channels > 0 ? 32 + channels * ChannelSteps.codeBits : 0) + (fineBits > 0 ? 8 : 0)
        if bypassBits > 0 { return 8 + stepBits + min(symbolCount, config.lanes) * bypassBits + codes }
        if tableLog == 0 { return 8 + stepBits + codes }
        var bits = alphabetSize * (tableLog + 1) + min(symbolCount, config.lanes) * tableLog + stepBits + codes
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
}
