#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether ``TANSCodec`` may route rare symbols through an escape stream (see ``TANSEscape``).
public enum TANSEscapePolicy: String, Sendable, CaseIterable {
    /// Use an escape when it lowers the estimated total size (or when the alphabet has more
    /// present symbols than table slots, where plain tANS is impossible).
    case automatic
    /// Plain tANS only; throws if the present symbols do not fit the table.
    case never
}

/// tANS (FSE-style table ANS) with lanes, two layouts and an automatic escape path.
///
/// ```swift
/// let symbols: [UInt8] = [2, 2, 1, 2, 3, 2, 2, 2]
/// let coded = try TANSCodec.encode(symbols, alphabetSize: 5, tableLog: 6, lanes: 2, layout: .split)
/// coded.totalBits                      // header + payload, exact
/// try TANSCodec.decode(coded) == symbols
/// ```
public enum TANSCodec {
    public static let tableLogs = 5...15
    public static let laneCounts = 1...64
    public static let alphabetSizes = 1...256

    /// Encodes `symbols` (each `< alphabetSize`).
    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` for parameters out of range or a
    ///   symbol outside the alphabet.
    public static func encode(_ symbols: [UInt8], alphabetSize: Int, tableLog: Int, lanes: Int = 1,
                              layout: TANSLayout = .split, escape policy: TANSEscapePolicy = .automatic) throws -> TANSEncoded {
        try validate(alphabetSize: alphabetSize, tableLog: tableLog, lanes: lanes)
        let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: alphabetSize)
        let n = symbols.count
        var result = TANSEncoded(symbolCount: n, alphabetSize: alphabetSize, tableLog: tableLog, lanes: lanes,
                                 layout: layout, constantSymbol: nil, counts: nil, initialStates: [],
                                 laneStreams: [], payload: [], escape: nil)
        let present = histogram.indices.filter { histogram[$0] > 0 }
        guard present.count >= 2 else {
            // No table: lanes and table log play no part, and take canonical values.
            result.constantSymbol = UInt8(present.first ?? 0)
            result.tableLog = tableLogs.lowerBound
            result.lanes = 1
            result.layout = .split
            return result
        }
        let plan = try TANSPlanner.plan(histogram: histogram, tableLog: tableLog, policy: policy)
        var table = TANSEncodeTable(counts: plan.counts)
        if let rare = plan.rare {
            table.alias(rare.isRare, to: Int(rare.symbol))
        }
        result.counts = plan.counts
        guard let rare = plan.rare, let escapeCounts = plan.escapeCounts else {
            encodeMain(symbols, lanes: lanes, layout: layout, table: table, into: &result)
            return result
        }
        let escapedCount = histogram.indices.reduce(0) { $0 + (rare.isRare[$1] ? histogram[$1] : 0) }
        let escaped: [UInt8]
        if lanes == 1 && layout == .split {
            // One state chain is latency-bound: gathering the rare symbols inside its loop is free.
            escaped = encodeCollectingEscapes(symbols, table: table, isRare: rare.isRare, count: escapedCount, into: &result)
        } else {
            encodeMain(symbols, lanes: lanes, layout: layout, table: table, into: &result)
            escaped = gatherEscapes(symbols, isRare: rare.isRare, histogram: histogram, count: escapedCount)
        }
        let escapeTable = TANSEncodeTable(counts: escapeCounts)
        var lane = TANSEncoded(symbolCount: escaped.count, alphabetSize: alphabetSize, tableLog: escapeCounts.tableLog,
                               lanes: 1, layout: .split, constantSymbol: nil, counts: escapeCounts,
                               initialStates: [], laneStreams: [], payload: [], escape: nil)
        escaped.withUnsafeBufferPointer { encodeSplit($0, lanes: 1, table: escapeTable, into: &lane) }
        result.escape = TANSEscape(symbol: rare.symbol, symbolCount: escaped.count, counts: escapeCounts,
                                   initialState: lane.initialStates[0], stream: lane.laneStreams[0],
                                   payload: lane.payload)
        return result
    }

    /// Encodes `symbols` as one split lane (P = 1) and returns its `count` rare symbols in
    /// order, gathered by the encoding loop itself (``EscapeCollector``).
    static func encodeCollectingEscapes(_ symbols: [UInt8], table: TANSEncodeTable, isRare: [Bool], count: Int,
                                        into result: inout TANSEncoded) -> [UInt8] {
        let rareFlags = isRare.map { UInt8($0 ? 1 : 0) }
        let collected = [UInt8](unsafeUninitializedCapacity: count + 1) { out, initialized in
            rareFlags.withUnsafeBufferPointer { flags in
                var collector = EscapeCollector(rare: flags.baseAddress!, out: out.baseAddress!, cursor: count)
                encodeMain(symbols, lanes: 1, layout: .split, table: table, escapes: &collector, into: &result)
                precondition(collector.cursor == 0, "escape count disagrees with the histogram")
            }
            initialized = count + 1
        }
        return Array(collected.dropFirst())   // out[0] is the collector's scratch slot
    }

    /// The rare symbols of `symbols` in order (`count` of them, as the histogram says).
    ///
    /// When the present non-rare symbols form one range `lo…hi` (the usual case: the rare
    /// symbols are a distribution's tails), sixteen bytes are tested at once (`b − lo > hi − lo`,
    /// unsigned, in one vector), and only vectors holding a rare symbol are walked byte by byte;
    /// otherwise a branchless per-byte loop runs.
    static func gatherEscapes(_ symbols: [UInt8], isRare: [Bool], histogram: [Int], count: Int) -> [UInt8] {
        let present = histogram.indices.filter { histogram[$0] > 0 && !isRare[$0] }
        let flags = isRare.map { UInt8($0 ? 1 : 0) }
        // `out` has one byte of slack: every symbol is stored at `out[k]`, then `k` advances only
        // past rare ones, so `k ≤ count` at every store.
        return [UInt8](unsafeUninitializedCapacity: count + 1) { out, initialized in
            symbols.withUnsafeBufferPointer { src in
                flags.withUnsafeBufferPointer { flags in
                    guard let base = src.baseAddress else { return }
                    let o = out.baseAddress!, rare = flags.baseAddress!
                    let n = src.count
                    var k = 0
                    var i = 0
                    if let lo = present.first, let hi = present.last, !(lo...hi).contains(where: { isRare[$0] }) {
                        let low = SIMD16<UInt8>(repeating: UInt8(lo)), span = SIMD16<UInt8>(repeating: UInt8(hi - lo))
                        while i &+ 16 <= n {
                            let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                            if any((v &- low) .> span) {
                                for j in 0..<16 {
                                    let s = base[i &+ j]
                                    o[k] = s
                                    k &+= Int(truncatingIfNeeded: rare[Int(s)])
                                }
                            }
                            i &+= 16
                        }
                    }
                    while i < n {
                        let s = base[i]
                        o[k] = s
                        k &+= Int(truncatingIfNeeded: rare[Int(s)])
                        i &+= 1
                    }
                    precondition(k == count, "escape count disagrees with the histogram")
                }
            }
            initialized = count
        }
    }

    /// The main stream's kernels for `layout`, without escape gathering.
    static func encodeMain(_ symbols: [UInt8], lanes: Int, layout: TANSLayout, table: TANSEncodeTable,
                           into result: inout TANSEncoded) {
        var none = NoEscapes()
        encodeMain(symbols, lanes: lanes, layout: layout, table: table, escapes: &none, into: &result)
    }

    /// The main stream's kernels for `layout`, feeding `escapes` every symbol in decreasing index
    /// order (one split lane only; see ``encodeSplit(_:lanes:table:escapes:into:)``).
    static func encodeMain<E: EscapeSink>(_ symbols: [UInt8], lanes: Int, layout: TANSLayout, table: TANSEncodeTable,
                                          escapes: inout E, into result: inout TANSEncoded) {
        symbols.withUnsafeBufferPointer { src in
            switch layout {
            case .split:
                encodeSplit(src, lanes: lanes, table: table, escapes: &escapes, into: &result)
            case .interleaved:
                encodeInterleaved(src, lanes: lanes, table: table, into: &result)
            }
        }
    }

    /// Decodes `encoded`, validating that every stream is consumed exactly.
    /// - Throws: ``EntropyCodingError/corrupt(_:)`` if the streams are inconsistent with the header.
    public static func decode(_ encoded: TANSEncoded) throws -> [UInt8] {
        let n = encoded.symbolCount
        // Every element is written by `decode(_:into:)` before it is read.
        var output = [UInt8](unsafeUninitializedCapacity: n) { _, count in count = n }
        try output.withUnsafeMutableBufferPointer { try decode(encoded, into: $0) }
        return output
    }

    /// Decodes into caller-provided memory of exactly `symbolCount` bytes (no allocation for the
    /// output — what a benchmark of the codec itself, or a decoder reusing a buffer, wants).
    public static func decode(_ encoded: TANSEncoded, into output: UnsafeMutableBufferPointer<UInt8>) throws {
        let n = encoded.symbolCount
        guard output.count == n else {
            throw EntropyCodingError.invalidParameter("output buffer holds \(output.count) symbols, the stream \(n)")
        }
        guard let counts = encoded.counts else {
            if n > 0 { output.initialize(repeating: encoded.constantSymbol ?? 0) }
            return
        }
        try checkStructure(encoded)
        let table = TANSDecodeTable(counts: counts)
        let padded = encoded.payload + [UInt8](repeating: 0, count: 8)
        try table.packed.withUnsafeBufferPointer { entries in
            try padded.withUnsafeBufferPointer { stream in
                switch encoded.layout {
                case .split:
                    try TANSDecoderKernels.decodeSplit(entries: entries.baseAddress!, maxBits: table.tableLog, stream: stream,
                                                       lanes: encoded.lanes, streams: encoded.laneStreams,
                                                       states: encoded.initialStates, output: output)
                case .interleaved:
                    try TANSDecoderKernels.decodeInterleaved(entries: entries.baseAddress!, maxBits: table.tableLog, stream: stream,
                                                             lanes: encoded.lanes, laneStream: encoded.laneStreams[0],
                                                             states: encoded.initialStates, output: output)
                }
            }
        }
        if let escape = encoded.escape { try resolveEscapes(escape, in: output) }
    }

    // MARK: - Validation

    static func validate(alphabetSize: Int, tableLog: Int, lanes: Int) throws {
        guard alphabetSizes.contains(alphabetSize) else {
            throw EntropyCodingError.invalidParameter("alphabet size \(alphabetSize) is outside 1…256")
        }
        guard tableLogs.contains(tableLog) else {
            throw EntropyCodingError.invalidParameter("tANS table log \(tableLog) is outside 5…15; pick R in 5…15")
        }
        guard laneCounts.contains(lanes) else {
            throw EntropyCodingError.invalidParameter("lane count \(lanes) is outside 1…64")
        }
    }

    /// Checks the header-level consistency a decoder relies on before it touches the payload.
    static func checkStructure(_ encoded: TANSEncoded) throws {
        guard tableLogs.contains(encoded.tableLog), laneCounts.contains(encoded.lanes),
              let counts = encoded.counts, counts.tableLog == encoded.tableLog else {
            throw EntropyCodingError.corrupt("tANS header parameters are inconsistent")
        }
        guard encoded.initialStates.count == min(encoded.symbolCount, encoded.lanes),
              encoded.initialStates.allSatisfy({ $0 >= 0 && $0 < counts.tableSize }) else {
            throw EntropyCodingError.corrupt("tANS initial states are missing or out of range")
        }
        let expectedStreams = encoded.layout == .split ? encoded.lanes : 1
        guard encoded.laneStreams.count == expectedStreams else {
            throw EntropyCodingError.corrupt("tANS stream has \(encoded.laneStreams.count) lane streams, expected \(expectedStreams)")
        }
        for stream in encoded.laneStreams {
            guard stream.bitCount >= 0, stream.byteOffset >= 0,
                  stream.byteOffset + stream.byteCount <= encoded.payload.count else {
                throw EntropyCodingError.corrupt("a tANS lane stream lies outside the payload")
            }
        }
    }

    /// Replaces each escape symbol of `output`, in order, by the next escape-stream value. The
    /// scan uses `memchr`, so the pass costs little more than a memory sweep when escapes are rare.
    /// (An 8-bytes-at-a-time SWAR scan was measured slower even at 2% escapes: its per-word
    /// branches mispredict, where memchr's vector loop does not.)
    static func resolveEscapes(_ escape: TANSEscape, in out: UnsafeMutableBufferPointer<UInt8>) throws {
        let symbol = escape.symbol
        guard escape.symbolCount <= out.count else {
            throw EntropyCodingError.corrupt("escape count \(escape.symbolCount) exceeds the symbol count")
        }
        guard escape.stream.byteCount <= escape.payload.count, escape.stream.byteOffset == 0 else {
            throw EntropyCodingError.corrupt("escape stream lies outside its payload")
        }
        let escapeTable = TANSDecodeTable(counts: escape.counts)
        var values = [UInt8](repeating: 0, count: escape.symbolCount)
        let padded = escape.payload + [UInt8](repeating: 0, count: 8)
        try values.withUnsafeMutableBufferPointer { out in
            try escapeTable.packed.withUnsafeBufferPointer { entries in
                try padded.withUnsafeBufferPointer { stream in
                    try TANSDecoderKernels.decodeSplit(entries: entries.baseAddress!, maxBits: escapeTable.tableLog, stream: stream, lanes: 1,
                                                       streams: [escape.stream], states: [escape.initialState], output: out)
                }
            }
        }
        let replaced = values.withUnsafeBufferPointer { values -> Int in
            guard let base = out.baseAddress else { return 0 }
            let end = base + out.count
            var p = base
            var next = 0
            while p < end, let hit = memchr(p, Int32(symbol), end - p) {
                let q = hit.assumingMemoryBound(to: UInt8.self)
                guard next < values.count else { return next + 1 }
                q.pointee = values[next]
                next &+= 1
                p = q + 1
            }
            return next
        }
        guard replaced == escape.symbolCount else {
            throw EntropyCodingError.corrupt("main stream holds \(replaced > escape.symbolCount ? "more" : "fewer") escapes than the \(escape.symbolCount) announced")
        }
    }
}
