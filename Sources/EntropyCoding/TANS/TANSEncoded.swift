/// How the lanes' bit streams of a ``TANSEncoded`` are laid out.
public enum TANSLayout: String, Sendable, CaseIterable, Hashable, Codable {
    /// One stream per lane, stored back to back (byte-aligned); the header records each lane's
    /// exact bit length, from which its byte offset follows.
    case split
    /// One shared stream: the decoder visits symbols in order `i = 0, 1, …` (lane `i mod P`) and
    /// every lane reads its next-state bits from the shared stream in that order (Giesen's
    /// interleaving; no offsets needed).
    case interleaved
}

/// One lane's bit stream inside a ``TANSEncoded`` payload.
///
/// ## Bit order and reader initialisation
/// The stream occupies `byteCount` bytes at `byteOffset`. Its bits are read most significant bit
/// first: bit 7 of the first byte, bit 6, …, bit 0, then bit 7 of the next byte. The first
/// `padBits` (0…7) bits of the first byte are zero padding: a lane's reader starts at bit
/// position `padBits` and reads exactly `bitCount` bits in total over the lane's life.
/// `readBits(n)` returns the next `n` bits as an unsigned integer, first bit most significant.
public struct TANSLaneStream: Sendable, Equatable, Hashable {
    /// Offset of the stream's first byte in the payload it belongs to.
    public var byteOffset: Int
    /// Exact number of meaningful bits.
    public var bitCount: Int

    public init(byteOffset: Int, bitCount: Int) {
        self.byteOffset = byteOffset
        self.bitCount = bitCount
    }

    /// Whole bytes the stream occupies.
    public var byteCount: Int { (bitCount + 7) >> 3 }
    /// Zero bits at the start of the first byte that the reader skips.
    public var padBits: Int { byteCount * 8 - bitCount }
    /// Byte range in the payload.
    public var byteRange: Range<Int> { byteOffset..<(byteOffset + byteCount) }
}

/// The escape path of a tANS stream: rare symbols share one escape symbol in the main table and
/// their values follow, in order, in a second single-lane tANS stream.
///
/// ## Why, and what it costs in hardware
/// Every symbol in a tANS table takes at least one of the `L` slots, i.e. probability ≥ 1/L. A
/// 255-bin layer with P(zero) = 0.98 has ~250 symbols of probability ~10⁻⁴ each: giving each
/// a slot at `L = 4096` steals ~6% of the table from the zero symbol and costs ~9% over the
/// entropy. With an escape, the rare symbols share one slot budget sized by their total
/// probability, and their values are coded in a second table of their own (`counts.tableLog`),
/// losing almost nothing. ``TANSCodec`` picks the rare set (the k least frequent symbols, any
/// k, or none) that minimises the estimated total size including both headers, plus a charge
/// of 0.01 bit per escaped symbol, so escapes that save less than that (and would only cost
/// decode time) are not used. At P(zero) = 0.98 the best split is often a binary main table
/// {zero, escape} with every other level in the escape table.
///
/// Decoder hardware: one extra table of `2^escapeTableLog` entries and one extra decode unit
/// (state register, bit extraction) shared by all lanes, fed from its own stream. When a lane
/// outputs `symbol`, the symbol is replaced by the next output of the escape unit (in symbol
/// order). Escapes are rare by construction (their total probability is small), so a single
/// shared unit that stalls the lanes when more than one escapes in a cycle costs little
/// throughput; the area is one more table and lane.
public struct TANSEscape: Sendable, Equatable, Hashable {
    /// The main-table symbol that means "take the value from the escape stream". It is one of
    /// the rare symbols' values (so the main table still has at most 256 symbols).
    public var symbol: UInt8
    /// Number of escaped symbols (= number of `symbol` outputs of the main stream).
    public var symbolCount: Int
    /// Normalized counts of the escape table (non-zero only for rare symbols).
    public var counts: NormalizedCounts
    /// The escape decoder's initial state (in `[0, 2^counts.tableLog)`).
    public var initialState: Int
    /// The escape stream, within ``payload``.
    public var stream: TANSLaneStream
    /// The escape stream's bytes.
    public var payload: [UInt8]
}

/// A tANS-coded symbol sequence: everything needed to decode it, and nothing else.
///
/// ## Decoding (what ``TANSCodec/decode(_:)`` and a hardware decoder do)
/// Symbol `i` belongs to lane `i mod lanes`. Lane `l` (for `l < min(symbolCount, lanes)`) starts
/// in state `initialStates[l]`, then for each of its symbols in order performs the decode step
/// of ``TANSDecodeTable`` — output `entries[x].symbol`; unless this is the lane's last symbol,
/// `x = entries[x].newStateBase + readBits(entries[x].nbBits)`. The lane's last symbol reads no
/// bits: the encoder starts each lane in the *smallest* state holding that symbol, so every
/// lane's decoding ends in the first state of its last symbol (the escape lane too). Decoders
/// check this end state as well as the bit counts below: an end-of-data check that refuses a
/// corrupted stream whose bit count happens to come out right, unless its end state is by chance
/// one of the table's ≤ alphabet-size first states.
/// - `.split`: lane `l` reads from its own stream `laneStreams[l]`.
/// - `.interleaved`: there is one stream, `laneStreams[0]`, and the decoder visits symbols in
///   order `i = 0, 1, 2, …`, each reading from the shared stream.
/// At the end every stream must have been read to exactly its `bitCount`.
/// With an ``escape``, each decoded `escape.symbol` is replaced by the next symbol of the
/// escape stream (a single lane decoded the same way with its own table).
///
/// An empty sequence or a one-symbol alphabet (an all-zero layer) has no table and no payload:
/// the header alone says "n copies of symbol s".
public struct TANSEncoded: SymbolStreamEncoding, Equatable, Hashable {
    public var symbolCount: Int
    /// Number of symbols of the alphabet (symbols are `0..<alphabetSize`), 1…256.
    public var alphabetSize: Int
    /// The main table log R (5…15).
    public var tableLog: Int
    /// Number of lanes P (1…64).
    public var lanes: Int
    public var layout: TANSLayout
    /// Set when every symbol is the same (or the sequence is empty): then there is no table,
    /// and `tableLog`, `lanes`, `layout` take the canonical values 5, 1, `.split`.
    public var constantSymbol: UInt8?
    /// Main table counts; nil for constant/empty sequences.
    public var counts: NormalizedCounts?
    /// Initial decoder state of each non-empty lane (`min(symbolCount, lanes)` values).
    public var initialStates: [Int]
    /// `.split`: one stream per lane (`lanes` of them, empty lanes have 0 bits);
    /// `.interleaved`: a single stream. Empty for constant sequences.
    public var laneStreams: [TANSLaneStream]
    /// The main payload: the lane streams' bytes.
    public var payload: [UInt8]
    /// The escape path, if the encoder chose one.
    public var escape: TANSEscape?

    /// Bits of the main and escape bit streams (exact, without byte padding).
    public var payloadBits: Int {
        laneStreams.reduce(0) { $0 + $1.bitCount } + (escape?.stream.bitCount ?? 0)
    }

    /// Bytes of one lane's stream (`.interleaved`: lane 0 is the shared stream).
    public func laneBytes(_ lane: Int) -> ArraySlice<UInt8> { payload[laneStreams[lane].byteRange] }

    /// The decode table of the main stream (nil for constant sequences).
    public var decodeTable: TANSDecodeTable? { counts.map(TANSDecodeTable.init(counts:)) }

    /// Decodes back to the symbols.
    public func decode() throws -> [UInt8] { try TANSCodec.decode(self) }
}

// MARK: - Serialization

extension TANSEncoded {
    /// Header bits (see ``serialized()``).
    public func writeHeader(to writer: inout BitWriter) {
        let mode: UInt64 = counts == nil ? (symbolCount == 0 ? 0 : 1) : (escape == nil ? 2 : 3)
        writer.write(mode, bitCount: 2)
        writer.write(UInt64(alphabetSize - 1), bitCount: 8)
        writer.writeLengthPrefixed(symbolCount)
        if mode == 1 { writer.write(UInt64(constantSymbol ?? 0), bitCount: 8) }
        guard let counts else { return }
        writer.write(UInt64(tableLog), bitCount: 4)
        writer.write(UInt64(lanes - 1), bitCount: 6)
        writer.write(bit: layout == .interleaved)
        NormalizedCountsCoding.write(counts, to: &writer)
        for state in initialStates { writer.write(UInt64(state), bitCount: tableLog) }
        for stream in laneStreams { writer.writeLengthPrefixed(stream.bitCount) }
        if let escape {
            writer.write(UInt64(escape.symbol), bitCount: 8)
            writer.writeLengthPrefixed(escape.symbolCount)
            writer.write(UInt64(escape.counts.tableLog), bitCount: 4)
            NormalizedCountsCoding.write(escape.counts, to: &writer)
            writer.write(UInt64(escape.initialState), bitCount: escape.counts.tableLog)
            writer.writeLengthPrefixed(escape.stream.bitCount)
        }
    }

    /// Byte serialization: the header (bit fields, most significant bit first, padded to a byte),
    /// then the main payload, then the escape payload.
    ///
    /// Header fields in order: mode (2 bits: 0 empty, 1 constant, 2 tANS, 3 tANS + escape);
    /// alphabet size − 1 (8); symbol count (6-bit width w, then w bits); constant: symbol (8).
    /// tANS: table log (4), lanes − 1 (6), layout (1: interleaved), normalized counts
    /// (``NormalizedCountsCoding``), `min(n, P)` initial states (R bits each), each lane stream's
    /// bit count (6-bit width + value). Escape: symbol (8), escaped count, escape table log (4),
    /// its counts, its initial state, its stream's bit count.
    public func serialized() -> [UInt8] {
        var writer = BitWriter()
        writeHeader(to: &writer)
        writer.padToByte()
        writer.append(bytes: payload)
        if let escape { writer.append(bytes: escape.payload) }
        return writer.bytes
    }

    /// Parses ``serialized()`` output, validating every field against its range and the bytes
    /// available; `maxSymbolCount` bounds the symbol count before anything is sized by it.
    public init(serialized bytes: [UInt8], maxSymbolCount: Int = 1 << 32) throws {
        var reader = BitReader(bytes: bytes)
        let mode = try reader.read(bitCount: 2, "tANS mode")
        (alphabetSize, symbolCount) = try reader.readStreamSizes(maxSymbolCount: maxSymbolCount, codec: "tANS ")
        tableLog = TANSCodec.tableLogs.lowerBound
        lanes = 1
        layout = .split
        constantSymbol = nil
        counts = nil
        initialStates = []
        laneStreams = []
        payload = []
        escape = nil
        switch mode {
        case 0:
            guard symbolCount == 0 else { throw EntropyCodingError.corrupt("empty tANS stream with \(symbolCount) symbols") }
            constantSymbol = 0
        case 1:
            let symbol = try reader.readInt(bitCount: 8, "constant symbol")
            guard symbol < alphabetSize else {
                throw EntropyCodingError.corrupt("constant symbol \(symbol) outside the \(alphabetSize)-symbol alphabet")
            }
            constantSymbol = UInt8(symbol)
        default:
            guard symbolCount > 0 else { throw EntropyCodingError.corrupt("coded tANS stream with no symbols") }
            tableLog = try reader.readInt(bitCount: 4, "table log")
            guard TANSCodec.tableLogs.contains(tableLog) else {
                throw EntropyCodingError.corrupt("tANS table log \(tableLog) is outside \(TANSCodec.tableLogs)")
            }
            lanes = try reader.readInt(bitCount: 6, "lanes") + 1
            layout = try reader.readBit("layout") ? .interleaved : .split
            let counts = try NormalizedCountsCoding.read(from: &reader, alphabetSize: alphabetSize, tableLog: tableLog)
            guard counts.presentSymbolCount >= 2 else {
                throw EntropyCodingError.corrupt("tANS table has fewer than two symbols")
            }
            self.counts = counts
            for _ in 0..<min(symbolCount, lanes) {
                initialStates.append(try reader.readInt(bitCount: tableLog, "initial state"))
            }
            var offset = 0
            for _ in 0..<(layout == .split ? lanes : 1) {
                let bits = try reader.readLengthPrefixed("lane bit count")
                guard bits <= 8 * bytes.count else { throw EntropyCodingError.truncated("lane stream of \(bits) bits exceeds the input") }
                let stream = TANSLaneStream(byteOffset: offset, bitCount: bits)
                offset += stream.byteCount
                laneStreams.append(stream)
            }
            try Self.checkBitBudget(symbols: symbolCount, lanes: lanes, layout: layout, streams: laneStreams, counts: counts)
            var escapeHeader: (UInt8, Int, NormalizedCounts, Int, Int)?
            if mode == 3 {
                let symbol = try reader.readInt(bitCount: 8, "escape symbol")
                guard symbol < alphabetSize, counts.counts[symbol] > 0 else {
                    throw EntropyCodingError.corrupt("escape symbol \(symbol) is not in the main table")
                }
                let count = try reader.readLengthPrefixed("escape count")
                guard count >= 1, count <= symbolCount else {
                    throw EntropyCodingError.corrupt("escape count \(count) is outside 1…\(symbolCount)")
                }
                let escapeLog = try reader.readInt(bitCount: 4, "escape table log")
                guard TANSCodec.tableLogs.contains(escapeLog) else {
                    throw EntropyCodingError.corrupt("escape table log \(escapeLog) is outside \(TANSCodec.tableLogs)")
                }
                let escapeCounts = try NormalizedCountsCoding.read(from: &reader, alphabetSize: alphabetSize, tableLog: escapeLog)
                let state = try reader.readInt(bitCount: escapeLog, "escape initial state")
                let bits = try reader.readLengthPrefixed("escape bit count")
                guard bits <= 8 * bytes.count else { throw EntropyCodingError.truncated("escape stream of \(bits) bits exceeds the input") }
                try Self.checkBitBudget(symbols: count, lanes: 1, layout: .split,
                                        streams: [TANSLaneStream(byteOffset: 0, bitCount: bits)], counts: escapeCounts, what: "escape ")
                escapeHeader = (UInt8(symbol), count, escapeCounts, state, bits)
            }
            reader.alignToByte()
            let start = reader.bytePosition
            guard bytes.count - start >= offset else {
                throw EntropyCodingError.truncated("tANS payload needs \(offset) bytes but \(bytes.count - start) remain")
            }
            payload = Array(bytes[start..<(start + offset)])
            if let (symbol, count, escapeCounts, state, bits) = escapeHeader {
                let stream = TANSLaneStream(byteOffset: 0, bitCount: bits)
                let escapeStart = start + offset
                guard bytes.count - escapeStart >= stream.byteCount else {
                    throw EntropyCodingError.truncated("escape payload needs \(stream.byteCount) bytes but \(bytes.count - escapeStart) remain")
                }
                escape = TANSEscape(symbol: symbol, symbolCount: count, counts: escapeCounts, initialState: state,
                                    stream: stream, payload: Array(bytes[escapeStart..<(escapeStart + stream.byteCount)]))
            }
            guard start + offset + (escape?.stream.byteCount ?? 0) == bytes.count else {
                throw EntropyCodingError.corrupt("tANS stream has \(bytes.count - start - offset) trailing bytes")
            }
            return
        }
        reader.alignToByte()
        guard reader.bytePosition == bytes.count else {
            throw EntropyCodingError.corrupt("constant tANS stream has trailing bytes")
        }
    }
}

// MARK: - Resource limits that follow from the header

extension TANSEncoded {
    /// The fewest bits any decode step of a table can read: a state of symbol `s` (count `c`)
    /// reads `R − ⌊log₂ x⌋` bits for some `x` in `c…2c − 1`, so the minimum over the table is
    /// `min_s (R − ⌊log₂(2c_s − 1)⌋)`; it is 0 exactly when some symbol holds more than half
    /// the table (then a run of that symbol may cost nothing, and only an explicit decoded-size
    /// limit bounds it).
    ///
    /// ```swift
    /// let counts = try NormalizedCounts(validatingCounts: [16, 16], tableLog: 5)
    /// TANSEncoded.minimumStepBits(counts)   // 1
    /// ```
    /// - Complexity: O(alphabet size).
    static func minimumStepBits(_ counts: NormalizedCounts) -> Int {
        var fewest = counts.tableLog
        for c in counts.counts where c > 0 {
            let top = Int.bitWidth - 1 - (2 * c - 1).leadingZeroBitCount   // ⌊log₂(2c − 1)⌋
            fewest = min(fewest, max(0, counts.tableLog - top))
        }
        return fewest
    }

    /// Refuses a header whose symbol count its streams cannot hold: every symbol of a lane but
    /// its last reads at least ``minimumStepBits(_:)`` bits, so a lane of `k` symbols needs
    /// `(k − 1) · minimum` bits of its stream (`.interleaved`: all lanes together, of the shared
    /// stream). Checked before anything is sized by the count.
    /// - Complexity: O(lanes).
    static func checkBitBudget(symbols n: Int, lanes: Int, layout: TANSLayout, streams: [TANSLaneStream],
                               counts: NormalizedCounts, what: String = "") throws {
        let minimum = minimumStepBits(counts)
        guard minimum > 0, n > 0 else { return }
        let active = min(n, lanes)
        switch layout {
        case .split:
            for lane in 0..<min(active, streams.count) {
                let steps = (n - lane + lanes - 1) / lanes - 1
                guard steps <= streams[lane].bitCount / minimum else {
                    throw EntropyCodingError.corrupt("tANS \(what)lane \(lane) claims \(steps + 1) symbols of at least \(minimum) bit\(minimum == 1 ? "" : "s") each "
                        + "but its stream has \(streams[lane].bitCount) bits")
                }
            }
        case .interleaved:
            guard let stream = streams.first, n - active <= stream.bitCount / minimum else {
                throw EntropyCodingError.corrupt("tANS \(what)stream claims \(n) symbols of at least \(minimum) bit\(minimum == 1 ? "" : "s") each "
                    + "but has \(streams.first?.bitCount ?? 0) bits")
            }
        }
    }
}
