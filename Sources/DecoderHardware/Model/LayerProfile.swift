import EntropyCoding

/// What the analytic decoder model needs to know about one compressed layer — counts, not
/// symbols, so a model evaluation costs microseconds.
///
/// Built from a real `.sbw` layer (``LayerProfile/init(name:encoded:)``) or written by hand for
/// what-if studies.
public struct LayerProfile: Sendable, Equatable {
    public var name: String
    /// Weights (symbols) n in the layer.
    public var symbolCount: Int
    /// Quantizer bins N (the alphabet 0…N−1).
    public var alphabetSize: Int
    /// Symbols with a non-zero count (each needs ≥ 1 table entry).
    public var usedSymbols: Int
    /// Table log the layer was coded with (≤ the hardware's R).
    public var tableLog: Int
    /// Coded payload bits of each lane, `laneBits.count` = lanes P the layer was coded for
    /// (empty for a constant layer, `tableLog` 0, which any lane count decodes).
    /// (Interleaved layout: the shared stream's bits may all sit in `laneBits[0]`; only the
    /// total matters there.)
    public var laneBits: [Int]
    /// Symbols routed through the escape path (0: none).
    public var escapeSymbols: Int
    /// Bits of the escape stream.
    public var escapeBits: Int
    /// Table log of the escape table (0: no escape path).
    public var escapeTableLog: Int
    /// Output channels with their own step (`.sbw` record kind 5, ``ChannelSteps``); 0 for a
    /// layer with one step. Their codes are C more header bytes, read in setup; the step
    /// generator and counters are in the dequantizers' area and energy
    /// (``DecoderCostModel/perChannelStepCost(_:maxChannels:maxWeightsPerChannel:weights:channels:)``).
    public var channels = 0
    /// Bits per symbol b of a layer stored fixed-width (``EntropyCoding/LayerForm/smallest``
    /// picks it when it is smaller than every tANS form), 0 for a tANS or constant layer. Such a
    /// layer has no table (`tableLog` 0) and decodes as an interleaved tANS layer whose table is
    /// the identity on b bits: setup reads the first min(n, P) symbols as the lanes' states
    /// (header bits), then each lane outputs its state and reads the next b bits of the one
    /// shared stream (`laneBits` = [(n − min(n, P))·b]) as its next — a group per cycle, no table
    /// build or read; the lanes' output muxes select the state instead of a table entry.
    public var bypassBits = 0
    /// Raw fine bits per symbol s of a layer of split levels (more than 255 bins, `.sbw` record
    /// kind 6, ``EntropyCoding/SplitLevels``), 0 otherwise. The tANS lanes decode the coarse
    /// symbols (`alphabetSize` is the coarse alphabet C); the fine bits are a second stream of
    /// n·s bits (``fineStreamBits``) that one shared extractor reads P·s bits per group, as the
    /// bypass path does, beside the lanes; the dequantizer's level operand is ⌈log₂ C⌉ + s bits.
    public var fineBits = 0

    public init(name: String, symbolCount: Int, alphabetSize: Int, usedSymbols: Int,
                tableLog: Int, laneBits: [Int], escapeSymbols: Int = 0, escapeBits: Int = 0,
                escapeTableLog: Int = 0) {
        self.name = name
        self.symbolCount = symbolCount
        self.alphabetSize = alphabetSize
        self.usedSymbols = usedSymbols
        self.tableLog = tableLog
        self.laneBits = laneBits
        self.escapeSymbols = escapeSymbols
        self.escapeBits = escapeBits
        self.escapeTableLog = escapeTableLog
    }

    /// Expected lane stalls per decoded group waiting for escape values: the shared escape unit
    /// yields one value per cycle into a FIFO as deep as the lane count (``EscapeQueue``).
    public var escapeStallsPerGroup: Double {
        guard escapeSymbols > 0, symbolCount > 0, !laneBits.isEmpty else { return 0 }
        return EscapeQueue.stallsPerGroup(lanes: laneBits.count,
                                          escapeProbability: Double(escapeSymbols) / Double(symbolCount),
                                          depth: laneBits.count)
    }

    /// Whether the layer uses the escape path.
    var hasEscape: Bool { escapeTableLog > 0 }

    /// Bits of the fine-bit stream, n·s (0 without split levels).
    public var fineStreamBits: Int { symbolCount * fineBits }

    /// Total coded payload bits b = Σ_j b_j + escape bits + fine bits.
    public var codedBits: Int { laneBits.reduce(0, +) + escapeBits + fineStreamBits }

    /// Main-stream bits Σ_j b_j.
    public var laneBitsTotal: Int { laneBits.reduce(0, +) }

    /// Width of a level: ⌈log₂ N⌉ bits (0 for a pruned, single-bin layer); with split levels
    /// ⌈log₂ C⌉ + s.
    var symbolBits: Int { ceilLog2(alphabetSize) + fineBits }

    /// The fixed-width baseline's storage: n · ⌈log₂ N⌉ bits.
    public var fixedWidthBits: Int { symbolCount * symbolBits }

    /// Coded bits per weight b / n.
    public var bitsPerWeight: Double { symbolCount == 0 ? 0 : Double(codedBits) / Double(symbolCount) }

}
