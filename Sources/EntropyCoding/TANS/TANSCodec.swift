import CCodecKernels
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
        var result = TANSEncoded.empty
        var workspace = TANSEncodeWorkspace()
        try encode(symbols, alphabetSize: alphabetSize, tableLog: tableLog, lanes: lanes, layout: layout, escape: policy,
                   into: &result, workspace: &workspace, kernels: .best)
        return result
    }

    /// Encodes `symbols` into `result` (overwritten; its arrays' capacity reused) with reusable
    /// `workspace` memory: the same encoding as ``encode(_:alphabetSize:tableLog:lanes:layout:escape:)``
    /// without allocating stream-sized memory once `result` and `workspace` have grown.
    public static func encode(_ symbols: [UInt8], alphabetSize: Int, tableLog: Int, lanes: Int = 1,
                              layout: TANSLayout = .split, escape policy: TANSEscapePolicy = .automatic,
                              into result: inout TANSEncoded, workspace: inout TANSEncodeWorkspace) throws {
        try encode(symbols, alphabetSize: alphabetSize, tableLog: tableLog, lanes: lanes, layout: layout, escape: policy,
                   into: &result, workspace: &workspace, kernels: .best)
    }

    /// Encodes with the chosen kernels (the same bytes whichever runs; tests compare them).
    ///
    /// Escapes are gathered inside the encoding loop where the loop visits the symbols in
    /// decreasing index order — one split lane, or the split quad kernels (every lane count
    /// P ≥ 8 that is a multiple of 4) — and by a separate vectorized pass otherwise.
    static func encode(_ symbols: [UInt8], alphabetSize: Int, tableLog: Int, lanes: Int, layout: TANSLayout,
                       escape policy: TANSEscapePolicy, into result: inout TANSEncoded,
                       workspace: inout TANSEncodeWorkspace, kernels: TANSKernelSet) throws {
        try validate(alphabetSize: alphabetSize, tableLog: tableLog, lanes: lanes)
        let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: alphabetSize)
        let n = symbols.count
        result.reset(symbolCount: n, alphabetSize: alphabetSize, tableLog: tableLog, lanes: lanes, layout: layout)
        let present = histogram.indices.filter { histogram[$0] > 0 }
        guard present.count >= 2 else {
            // No table: lanes and table log play no part, and take canonical values.
            result.constantSymbol = UInt8(present.first ?? 0)
            result.tableLog = tableLogs.lowerBound
            result.lanes = 1
            result.layout = .split
            return
        }
        let plan = try TANSPlanner.plan(histogram: histogram, tableLog: tableLog, policy: policy)
        var table = TANSEncodeTable(counts: plan.counts)
        if let rare = plan.rare {
            table.alias(rare.isRare, to: Int(rare.symbol))
        }
        result.counts = plan.counts
        let quads = layout == .split && usesSplitQuads(lanes: lanes, symbolCount: n)
        guard let rare = plan.rare, let escapeCounts = plan.escapeCounts else {
            if quads {
                encodeSplitQuads(symbols, lanes: lanes, table: table, escapes: nil, into: &result, workspace: &workspace,
                                 kernels: kernels)
            } else {
                encodeMain(symbols, lanes: lanes, layout: layout, table: table, into: &result, scratch: &workspace.scratch)
            }
            return
        }
        let escapedCount = histogram.indices.reduce(0) { $0 + (rare.isRare[$1] ? histogram[$1] : 0) }
        // The escaped symbols go to workspace.escaped[start...start + escapedCount − 1].
        let start = quads ? EscapeGathering.slack + 1 : 1
        TANSEncodeWorkspace.reserve(&workspace.escaped, escapedCount + start + 1)
        if quads {
            let gathering = EscapeGathering(isRare: rare.isRare, histogram: histogram, dense: escapedCount * 64 > n)
            encodeSplitQuads(symbols, lanes: lanes, table: table, escapes: (gathering, escapedCount), into: &result,
                             workspace: &workspace, kernels: kernels)
        } else if lanes == 1 && layout == .split {
            // One state chain is latency-bound: gathering the rare symbols inside its loop is free.
            encodeCollectingEscapes(symbols, table: table, isRare: rare.isRare, count: escapedCount, into: &result,
                                    workspace: &workspace)
        } else {
            encodeMain(symbols, lanes: lanes, layout: layout, table: table, into: &result, scratch: &workspace.scratch)
            gatherEscapes(symbols, isRare: rare.isRare, histogram: histogram, count: escapedCount, into: &workspace.escaped)
        }
        let escapeTable = TANSEncodeTable(counts: escapeCounts)
        var lane = workspace.escapeLane
        workspace.escapeLane = .empty
        lane.reset(symbolCount: escapedCount, alphabetSize: alphabetSize, tableLog: escapeCounts.tableLog,
                   lanes: 1, layout: .split)
        lane.counts = escapeCounts
        workspace.escaped.withUnsafeBufferPointer { escaped in
            encodeSplit(UnsafeBufferPointer(rebasing: escaped[start..<(start + escapedCount)]), lanes: 1, table: escapeTable,
                        into: &lane, scratch: &workspace.scratch)
        }
        result.escape = TANSEscape(symbol: rare.symbol, symbolCount: escapedCount, counts: escapeCounts,
                                   initialState: lane.initialStates[0], stream: lane.laneStreams[0],
                                   payload: lane.payload)
        lane.payload = []   // the result owns the escape payload now
        workspace.escapeLane = lane
    }

    /// Whether a split encoding of `symbolCount` symbols over `lanes` lanes runs the quad
    /// encoder (the lanes' state chains advanced together, P a multiple of 4 from 8 on, at
    /// least two steps per lane). Its bytes are those of the lane-by-lane encoder.
    static func usesSplitQuads(lanes: Int, symbolCount: Int) -> Bool {
        lanes % 4 == 0 && lanes >= 8 && symbolCount >= 2 * lanes
    }

    /// Encodes `symbols` as one split lane (P = 1), gathering its `count` rare symbols in order
    /// into `workspace.escaped[1...count]` inside the encoding loop (``EscapeCollector``).
    static func encodeCollectingEscapes(_ symbols: [UInt8], table: TANSEncodeTable, isRare: [Bool], count: Int,
                                        into result: inout TANSEncoded, workspace: inout TANSEncodeWorkspace) {
        let rareFlags = isRare.map { UInt8($0 ? 1 : 0) }
        var escaped = workspace.escaped
        workspace.escaped = []
        escaped.withUnsafeMutableBufferPointer { out in
            rareFlags.withUnsafeBufferPointer { flags in
                var collector = EscapeCollector(rare: flags.baseAddress!, out: out.baseAddress!, cursor: count)
                symbols.withUnsafeBufferPointer { src in
                    encodeSplit(src, lanes: 1, table: table, escapes: &collector, into: &result, scratch: &workspace.scratch)
                }
                precondition(collector.cursor == 0, "escape count disagrees with the histogram")
            }
        }
        workspace.escaped = escaped
    }

    /// Writes the rare symbols of `symbols` in order (`count` of them, as the histogram says)
    /// to `out[1...count]` (`out` holds at least `count + 2` bytes: one of slack after them).
    ///
    /// When the present non-rare symbols form one range `lo…hi` (the usual case: the rare
    /// symbols are a distribution's tails), sixteen bytes are tested at once (`b − lo > hi − lo`,
    /// unsigned, in one vector), and only vectors holding a rare symbol are walked byte by byte;
    /// otherwise a branchless per-byte loop runs.
    static func gatherEscapes(_ symbols: [UInt8], isRare: [Bool], histogram: [Int], count: Int, into out: inout [UInt8]) {
        let present = histogram.indices.filter { histogram[$0] > 0 && !isRare[$0] }
        let flags = isRare.map { UInt8($0 ? 1 : 0) }
        precondition(out.count >= count + 2)
        // Every symbol is stored at `o[k]` (o = out + 1), then `k` advances only past rare ones,
        // so `k ≤ count` at every store and the stores stay in `out[1...count + 1]`.
        out.withUnsafeMutableBufferPointer { out in
            symbols.withUnsafeBufferPointer { src in
                flags.withUnsafeBufferPointer { flags in
                    guard let base = src.baseAddress else { return }
                    let o = out.baseAddress! + 1, rare = flags.baseAddress!
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
        }
    }

    /// The rare symbols of `symbols` in order, as a new array (see ``gatherEscapes(_:isRare:histogram:count:into:)``).
    static func gatherEscapes(_ symbols: [UInt8], isRare: [Bool], histogram: [Int], count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count + 2)
        gatherEscapes(symbols, isRare: isRare, histogram: histogram, count: count, into: &out)
        return Array(out[1..<(count + 1)])
    }

    /// The main stream's kernels for `layout`, without escape gathering.
    static func encodeMain(_ symbols: [UInt8], lanes: Int, layout: TANSLayout, table: TANSEncodeTable,
                           into result: inout TANSEncoded, scratch: inout [UInt8]) {
        symbols.withUnsafeBufferPointer { src in
            switch layout {
            case .split:
                encodeSplit(src, lanes: lanes, table: table, into: &result, scratch: &scratch)
            case .interleaved:
                encodeInterleaved(src, lanes: lanes, table: table, into: &result, scratch: &scratch)
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
        var workspace = TANSDecodeWorkspace()
        try decode(encoded, into: output, workspace: &workspace)
    }

    /// Decodes into caller-provided memory with reusable tables and stream buffers: once
    /// `workspace` has grown to the stream, the call allocates nothing.
    public static func decode(_ encoded: TANSEncoded, into output: UnsafeMutableBufferPointer<UInt8>,
                              workspace: inout TANSDecodeWorkspace) throws {
        try decode(encoded, into: output, workspace: &workspace, kernels: .best)
    }

    /// Decodes with the chosen kernels (the same symbols whichever runs; tests compare them).
    ///
    /// With an escape path and the AVX2 split kernel, the escape lane is decoded first (one
    /// lane, a few percent of the symbols at most) and its values are patched in by the main
    /// decode loop as it meets the escape symbols — without branches when escapes are dense —
    /// so no pass over the output follows, except over the few symbols the vector loop leaves
    /// to the per-lane tail loop. Otherwise the whole escape stream is decoded and patched in
    /// after the main stream (``resolveEscapes``).
    /// `fuseEscapes: false` forces the separate escape pass (the tests' twin of the fused kernel).
    static func decode(_ encoded: TANSEncoded, into output: UnsafeMutableBufferPointer<UInt8>,
                       workspace: inout TANSDecodeWorkspace, kernels: TANSKernelSet, fuseEscapes: Bool = true) throws {
        let n = encoded.symbolCount
        guard output.count == n else {
            throw EntropyCodingError.invalidParameter("output buffer holds \(output.count) symbols, the stream \(n)")
        }
        guard let counts = encoded.counts else {
            if n > 0 { output.initialize(repeating: encoded.constantSymbol ?? 0) }
            return
        }
        try checkStructure(encoded)
        TANSDecodeWorkspace.build(counts, into: &workspace.entries, firstStates: &workspace.firstStates,
                                  spread: &workspace.spread)
        let streamLength = TANSDecodeWorkspace.pad(encoded.payload, into: &workspace.stream)
        let fused = fuseEscapes && encoded.escape != nil && encoded.layout == .split
            && kernels.decodesSplitInQuads(lanes: encoded.lanes, tableLog: counts.tableLog)
        if fused, let escape = encoded.escape {
            try decodeEscapeValues(escape, symbolCount: n, lanes: encoded.lanes, workspace: &workspace)
        }
        let entries = workspace.entries, stream = workspace.stream, values = workspace.escapeValues
        let firstStates = workspace.firstStates
        try entries.withUnsafeBufferPointer { entries in
            try firstStates.withUnsafeBufferPointer { firstStates in
            try stream.withUnsafeBufferPointer { padded in
                let stream = UnsafeBufferPointer(rebasing: padded[0..<streamLength])
                switch encoded.layout {
                case .split:
                    guard fused, let escape = encoded.escape else {
                        try TANSDecoderKernels.decodeSplit(entries: entries.baseAddress!, firstStates: firstStates.baseAddress!,
                                                           maxBits: counts.tableLog, stream: stream,
                                                           lanes: encoded.lanes, streams: encoded.laneStreams,
                                                           states: encoded.initialStates, output: output, kernels: kernels)
                        break
                    }
                    try values.withUnsafeBufferPointer { values in
                        // Dense: more than one escape per 1024 symbols. A branch per 4-symbol hit
                        // then mispredicts often enough to cost more than the branchless patch
                        // (measured: p0 = 0.98 Laplace streams, ~0.2 % escapes, 990 → 1040 M/s;
                        // spike-and-slab, 2 %, 810 → 1030).
                        var patch = subbit_tans_escapes(values: values.baseAddress, count: escape.symbolCount, cursor: 0,
                                                        symbol: Int(escape.symbol), dense: escape.symbolCount * 1024 > n ? 1 : 0)
                        let done = try TANSDecoderKernels.decodeSplit(
                            entries: entries.baseAddress!, firstStates: firstStates.baseAddress!, maxBits: counts.tableLog,
                            stream: stream, lanes: encoded.lanes,
                            streams: encoded.laneStreams, states: encoded.initialStates, output: output,
                            kernels: kernels, escapes: &patch)
                        try patchEscapes(from: done * encoded.lanes, in: output, patch: &patch)
                        guard patch.cursor == escape.symbolCount else {
                            throw EntropyCodingError.corrupt("main stream holds fewer escapes than the \(escape.symbolCount) announced")
                        }
                    }
                case .interleaved:
                    try TANSDecoderKernels.decodeInterleaved(entries: entries.baseAddress!, firstStates: firstStates.baseAddress!,
                                                             maxBits: counts.tableLog, stream: stream,
                                                             lanes: encoded.lanes, laneStream: encoded.laneStreams[0],
                                                             states: encoded.initialStates, output: output)
                }
            }
            }
        }
        if let escape = encoded.escape, !fused { try resolveEscapes(escape, in: output) }
    }

    /// Decodes the escape lane into `workspace.escapeValues[0..<symbolCount]`, followed by the
    /// `4·lanes + 8` bytes of slack the fused kernel's loads may touch.
    static func decodeEscapeValues(_ escape: TANSEscape, symbolCount n: Int, lanes: Int,
                                   workspace: inout TANSDecodeWorkspace) throws {
        try checkEscape(escape, symbolCount: n)
        TANSDecodeWorkspace.build(escape.counts, into: &workspace.escapeEntries, firstStates: &workspace.escapeFirstStates,
                                  spread: &workspace.spread)
        let length = TANSDecodeWorkspace.pad(escape.payload, into: &workspace.escapeStream)
        let needed = escape.symbolCount + 4 * lanes + 8
        if workspace.escapeValues.count < needed {
            workspace.escapeValues = [UInt8](repeating: 0, count: max(needed, workspace.escapeValues.count * 2))
        }
        let entries = workspace.escapeEntries, stream = workspace.escapeStream, firstStates = workspace.escapeFirstStates
        _ = try workspace.escapeValues.withUnsafeMutableBufferPointer { values in
            try entries.withUnsafeBufferPointer { entries in
                try stream.withUnsafeBufferPointer { padded in
                    try TANSDecoderKernels.decodeSplit(
                        entries: entries.baseAddress!, firstStates: firstStates, maxBits: escape.counts.tableLog,
                        stream: UnsafeBufferPointer(rebasing: padded[0..<length]), lanes: 1, streams: [escape.stream],
                        states: [escape.initialState],
                        output: UnsafeMutableBufferPointer(rebasing: values[0..<escape.symbolCount]), kernels: .portable)
                }
            }
        }
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

    /// The escape path's consistency with a stream of `symbolCount` symbols.
    static func checkEscape(_ escape: TANSEscape, symbolCount: Int) throws {
        guard escape.symbolCount <= symbolCount else {
            throw EntropyCodingError.corrupt("escape count \(escape.symbolCount) exceeds the symbol count")
        }
        guard escape.stream.byteCount <= escape.payload.count, escape.stream.byteOffset == 0 else {
            throw EntropyCodingError.corrupt("escape stream lies outside its payload")
        }
        guard escape.initialState >= 0, escape.initialState < escape.counts.tableSize else {
            throw EntropyCodingError.corrupt("escape initial state \(escape.initialState) is outside the escape table")
        }
    }

    /// Replaces each escape symbol of `out[start...]`, in order, by the next escape value of
    /// `patch` (whose cursor the fused decode kernel has advanced over `out[..<start]`).
    static func patchEscapes(from start: Int, in out: UnsafeMutableBufferPointer<UInt8>,
                             patch: inout subbit_tans_escapes) throws {
        guard let base = out.baseAddress, start < out.count else { return }
        let end = base + out.count
        var p = base + start
        let symbol = Int32(patch.symbol)
        while p < end, let hit = memchr(p, symbol, end - p) {
            let q = hit.assumingMemoryBound(to: UInt8.self)
            guard patch.cursor < patch.count else {
                throw EntropyCodingError.corrupt("main stream holds more escapes than the \(patch.count) announced")
            }
            q.pointee = patch.values[patch.cursor]
            patch.cursor += 1
            p = q + 1
        }
    }

    /// Replaces each escape symbol of `output`, in order, by the next escape-stream value. The
    /// scan uses `memchr`, so the pass costs little more than a memory sweep when escapes are rare.
    /// (An 8-bytes-at-a-time SWAR scan was measured slower even at 2% escapes: its per-word
    /// branches mispredict, where memchr's vector loop does not.)
    static func resolveEscapes(_ escape: TANSEscape, in out: UnsafeMutableBufferPointer<UInt8>) throws {
        let symbol = escape.symbol
        try checkEscape(escape, symbolCount: out.count)
        let escapeTable = TANSDecodeTable(counts: escape.counts)
        var values = [UInt8](repeating: 0, count: escape.symbolCount)
        let padded = escape.payload + [UInt8](repeating: 0, count: 8)
        _ = try values.withUnsafeMutableBufferPointer { out in
            try escapeTable.packed.withUnsafeBufferPointer { entries in
                try padded.withUnsafeBufferPointer { stream in
                    try TANSDecoderKernels.decodeSplit(entries: entries.baseAddress!, firstStates: escapeTable.firstStates,
                                                       maxBits: escapeTable.tableLog, stream: stream, lanes: 1,
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
