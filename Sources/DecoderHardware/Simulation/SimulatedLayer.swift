import EntropyCoding

/// A decode table as the hardware holds it: one entry per state, as three parallel arrays.
public struct HardwareDecodeTable: Sendable, Equatable {
    /// Table log R_l (L_l = 2^R_l entries).
    public var tableLog: Int
    public var symbol: [UInt16]
    public var nbBits: [UInt8]
    public var newStateBase: [UInt32]

    public init(tableLog: Int, symbol: [UInt16], nbBits: [UInt8], newStateBase: [UInt32]) {
        precondition(symbol.count == 1 << tableLog && nbBits.count == symbol.count
                     && newStateBase.count == symbol.count, "a decode table has 2^R entries per field")
        self.tableLog = tableLog
        self.symbol = symbol
        self.nbBits = nbBits
        self.newStateBase = newStateBase
    }

    public var entries: Int { symbol.count }
}

/// A bit stream inside a packed payload: `bitCount` bits starting at bit `startBit`.
public struct StreamExtent: Sendable, Equatable {
    public var startBit: Int
    public var bitCount: Int

    public init(startBit: Int, bitCount: Int) {
        self.startBit = startBit
        self.bitCount = bitCount
    }
}

/// The escape path of a layer: rare symbols come out of the lanes as `symbol` and are replaced,
/// in symbol order, by the outputs of one shared escape decode unit with its own table and stream.
public struct SimulatedEscape: Sendable, Equatable {
    public var symbol: UInt16
    public var symbolCount: Int
    public var table: HardwareDecodeTable
    public var initialState: UInt32
    public var payload: [UInt64]
    public var stream: StreamExtent

    public init(symbol: UInt16, symbolCount: Int, table: HardwareDecodeTable, initialState: UInt32,
                payload: [UInt64], stream: StreamExtent) {
        self.symbol = symbol
        self.symbolCount = symbolCount
        self.table = table
        self.initialState = initialState
        self.payload = payload
        self.stream = stream
    }
}

/// The fine-bit stream of a layer of split levels (``LayerProfile/fineBits``, `.sbw` record kind 6):
/// `fineBits` raw bits per symbol, in symbol order, one more stream in weight memory that the
/// decoder's shared fine-bit extractor reads `(lanes in the group)·s` bits per group. The decoded
/// level is the coarse symbol joined with its fine bits as the container joins them
/// (``SplitLevels/indices(coarse:)``); `bins` is the quantizer's bin count N, which a level must
/// stay below (``SplitLevels/firstIndexOutOfRange(coarse:bins:)``).
public struct SimulatedFineStream: Sendable, Equatable {
    /// Fine bits s per symbol, 1…8.
    public var fineBits: Int
    /// The quantizer's bins N (the layer's alphabet is the coarse one).
    public var bins: Int
    /// The packed fine bits, 64-bit words MSB first, with two trailing zero words.
    public var payload: [UInt64]
    public var stream: StreamExtent

    public init(fineBits: Int, bins: Int, payload: [UInt64], stream: StreamExtent) {
        self.fineBits = fineBits
        self.bins = bins
        self.payload = payload
        self.stream = stream
    }

    /// The stream of a record's split levels (``SplitLevels/packed()``), n·s bits.
    public init(_ splitLevels: SplitLevels, bins: Int) {
        self.init(fineBits: splitLevels.fineBits, bins: bins,
                  payload: SimulatedLayer.pack(bytes: splitLevels.packed()),
                  stream: StreamExtent(startBit: 0, bitCount: splitLevels.bitCount))
    }
}

/// One layer as the decoder hardware sees it: decode table, the lanes' initial states, the coded
/// bits in weight memory, the optional escape path and, for split levels, the fine-bit stream.
/// ``init(name:encoded:)`` (in
/// `CodecAdapters.swift`) builds it from a codec layer.
///
/// Payload bits are in decode order, most significant first: a read of k bits returns the next
/// k bits with the first one as the value's top bit (the codec's convention). Decode semantics
/// are the codec's: symbol i belongs to lane i mod P; a lane outputs `symbol[x]` and, unless this
/// is its last symbol, moves to `newStateBase[x] + readBits(nbBits[x])`.
public struct SimulatedLayer: Sendable {
    public var name: String
    /// Quantizer bins N.
    public var alphabetSize: Int
    /// Distinct symbols present in the layer (escaped ones included).
    public var usedSymbols: Int
    /// Symbols n.
    public var symbolCount: Int
    /// Nil for a constant layer (every symbol equal): the header alone decodes it.
    public var table: HardwareDecodeTable?
    /// The symbol of a constant layer.
    public var constantSymbol: UInt16
    /// Initial state of each non-empty lane (`min(n, P)` values).
    public var initialStates: [UInt32]
    /// Lanes P the layer was coded for.
    public var lanes: Int
    public var layout: StreamLayout
    /// The main payload, packed into 64-bit words MSB first, with two trailing zero words.
    public var payload: [UInt64]
    /// `.split`: one extent per lane; `.interleaved`: one shared extent.
    public var streams: [StreamExtent]
    public var escape: SimulatedEscape?
    /// Bits per symbol of a fixed-width (bypass) layer, 0 otherwise: then `table` is the identity
    /// on b bits and the layout is interleaved (``init(name:fixedWidth:lanes:usedSymbols:)``).
    public var bypassBits = 0
    /// The fine-bit stream of split levels (nil: none): the decoded symbols are then the levels
    /// `(coarse << s) | fine`, `alphabetSize` the coarse alphabet.
    public var fine: SimulatedFineStream? = nil

    public init(name: String, alphabetSize: Int, usedSymbols: Int, symbolCount: Int,
                table: HardwareDecodeTable?, constantSymbol: UInt16, initialStates: [UInt32],
                lanes: Int, layout: StreamLayout, payload: [UInt64], streams: [StreamExtent],
                escape: SimulatedEscape?) {
        self.name = name
        self.alphabetSize = alphabetSize
        self.usedSymbols = usedSymbols
        self.symbolCount = symbolCount
        self.table = table
        self.constantSymbol = constantSymbol
        self.initialStates = initialStates
        self.lanes = lanes
        self.layout = layout
        self.payload = payload
        self.streams = streams
        self.escape = escape
    }

    /// Table log the layer was coded with (0 for a constant layer).
    public var tableLog: Int { bypassBits > 0 ? 0 : table?.tableLog ?? 0 }

    /// Packs bytes into big-endian 64-bit words (bit 7 of byte 0 is the top bit of word 0),
    /// adding two zero words so a 32-bit read never runs off the end.
    public static func pack(bytes: some Collection<UInt8>) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: (bytes.count + 7) / 8 + 2)
        for (i, byte) in bytes.enumerated() {
            words[i >> 3] |= UInt64(byte) << UInt64(56 - 8 * (i & 7))
        }
        return words
    }

    /// The analytic model's view of this layer.
    public var profile: LayerProfile {
        if bypassBits > 0 {
            var profile = LayerProfile(name: name, symbolCount: symbolCount, alphabetSize: alphabetSize,
                                       usedSymbols: usedSymbols, tableLog: 0, laneBits: [streams.first?.bitCount ?? 0])
            profile.bypassBits = bypassBits
            profile.fineBits = fine?.fineBits ?? 0
            return profile
        }
        var laneBits = [Int](repeating: 0, count: table == nil ? 0 : lanes)
        switch layout {
        case .split:
            for (j, s) in streams.enumerated() where j < lanes { laneBits[j] = s.bitCount }
        case .interleaved:
            // The interleaved stream is one sequence; the model only needs its total.
            if let s = streams.first { laneBits[0] = s.bitCount }
        }
        var profile = LayerProfile(name: name, symbolCount: symbolCount, alphabetSize: alphabetSize,
                                   usedSymbols: usedSymbols, tableLog: tableLog, laneBits: laneBits,
                                   escapeSymbols: escape?.symbolCount ?? 0,
                                   escapeBits: escape?.stream.bitCount ?? 0,
                                   escapeTableLog: escape?.table.tableLog ?? 0)
        profile.fineBits = fine?.fineBits ?? 0
        return profile
    }
}
