import CCodecKernels

// Hot loops of the tANS codec. They run on unsafe buffer pointers with wrapping arithmetic;
// memory safety comes from the sizes established before the loop (documented at each kernel).

@inline(__always)
func loadBigEndian64(_ p: UnsafePointer<UInt8>) -> UInt64 {
    UInt64(bigEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
}

@inline(__always)
func storeBigEndian64(_ value: UInt64, _ p: UnsafeMutablePointer<UInt8>) {
    UnsafeMutableRawPointer(p).storeBytes(of: value.bigEndian, as: UInt64.self)
}

/// Writes a bit stream backwards (each new chunk goes *before* everything written so far), so a
/// decoder reading forward, most significant bit first, meets the chunks in reverse order of
/// writing — the order a tANS decoder needs, since the encoder runs over the symbols backwards.
///
/// Pending bits sit in `acc`, the chunk written last in the highest bits. Each flush stores the
/// 8 bytes ending at `position` (big-endian, so the low byte of `acc` lands at `position − 1`)
/// and moves `position` back by the whole bytes pending; bytes below the new position hold
/// garbage that the next flush overwrites. The buffer therefore needs 8 bytes of slack before
/// the stream's first byte.
struct BackwardBitWriter {
    var acc: UInt64 = 0
    var accBits: UInt64 = 0
    var position: Int

    init(end: Int) { position = end }

    /// Prepends the low `count` bits of `value` (`value < 2^count`, `count + accBits ≤ 64`).
    @inline(__always)
    mutating func prepend(_ value: UInt64, _ count: UInt64) {
        acc |= value &<< accBits
        accBits &+= count
    }

    @inline(__always)
    mutating func flush(_ buffer: UnsafeMutablePointer<UInt8>) {
        storeBigEndian64(acc, buffer + (position &- 8))
        let whole = accBits &>> 3
        position &-= Int(whole)
        acc = acc &>> (whole &<< 3)
        accBits &= 7
    }

    /// Writes the last partial byte (its high bits are the zero padding) and returns the stream's
    /// first byte index and exact bit count.
    mutating func finish(_ buffer: UnsafeMutablePointer<UInt8>, end: Int) -> (start: Int, bits: Int) {
        flush(buffer)
        let bits = (end - position) * 8 + Int(accBits)
        if accBits > 0 {
            position -= 1
            buffer[position] = UInt8(truncatingIfNeeded: acc)
        }
        return (position, bits)
    }
}

/// One tANS encoding step on encoder state `x ∈ [L, 2L)`: prepends the low `nb` bits of `x`
/// and moves to the state that encodes the symbol whose transform is `t`.
@inline(__always)
func tansEncodeStep(_ x: inout UInt64, _ t: UInt64, _ writer: inout BackwardBitWriter, _ stateTable: UnsafePointer<UInt16>) {
    let nb = (x &+ (t & 0xFFFF_FFFF)) &>> 16
    let high = x &>> nb
    writer.prepend(x &- (high &<< nb), nb)   // the low nb bits of x
    x = UInt64(truncatingIfNeeded: stateTable[Int(truncatingIfNeeded: high) &+ Int(truncatingIfNeeded: Int32(truncatingIfNeeded: t &>> 32))])
}

/// Receives every symbol an encoder visits, in *decreasing* index order, so that the escape
/// path's rare symbols are gathered inside the encoding loop instead of by a separate pass.
protocol EscapeSink {
    mutating func record(_ symbol: UInt8)
}

/// The sink of a stream without escapes (specializes the record calls away).
struct NoEscapes: EscapeSink {
    @inline(__always) mutating func record(_ symbol: UInt8) {}
}

/// Branchless backward compaction of the rare symbols: each visited symbol is stored at
/// `out[cursor]`, and `cursor` moves down only when the symbol is rare, so after the last visit
/// the rare symbols sit in increasing index order in `out[1...count]`.
///
/// Memory safety by construction: `out` holds `count + 1` bytes, `cursor` starts at `count`
/// (the exact number of rare symbols in the stream, from its histogram) and drops once per rare
/// symbol, so every store lands in `out[0...count]`.
struct EscapeCollector: EscapeSink {
    let rare: UnsafePointer<UInt8>
    let out: UnsafeMutablePointer<UInt8>
    var cursor: Int

    @inline(__always) mutating func record(_ symbol: UInt8) {
        out[cursor] = symbol
        cursor &-= Int(truncatingIfNeeded: rare[Int(truncatingIfNeeded: symbol)])
    }
}

extension TANSCodec {
    /// Encodes lane by lane into one payload (split layout).
    static func encodeSplit(_ src: UnsafeBufferPointer<UInt8>, lanes: Int, table: TANSEncodeTable,
                            into result: inout TANSEncoded, scratch: inout [UInt8]) {
        var none = NoEscapes()
        encodeSplit(src, lanes: lanes, table: table, escapes: &none, into: &result, scratch: &scratch)
    }

    /// Encodes lane by lane into one payload (split layout), feeding `sink` every symbol in
    /// decreasing index order — which only one lane visits in that order, so a sink that
    /// records anything needs `lanes == 1` (callers with several lanes gather escapes apart).
    static func encodeSplit<E: EscapeSink>(_ src: UnsafeBufferPointer<UInt8>, lanes: Int, table: TANSEncodeTable,
                                           escapes sink: inout E, into result: inout TANSEncoded, scratch: inout [UInt8]) {
        precondition(lanes == 1 || E.self == NoEscapes.self, "escape gathering in the encode loop needs one lane")
        let n = src.count
        if lanes == 4 && n >= 8 {
            encodeSplit4(src, table: table, into: &result, scratch: &scratch)
            return
        }
        let tableLog = table.tableLog
        let maxLaneCount = (n + lanes - 1) / lanes
        let capacity = 16 + (maxLaneCount * tableLog + 7) / 8
        TANSEncodeWorkspace.reserve(&scratch, capacity)   // written before read
        var payload = result.payload
        result.payload = []
        payload.removeAll(keepingCapacity: true)
        var states = result.initialStates
        var streams = result.laneStreams
        result.initialStates = []
        result.laneStreams = []
        states.removeAll(keepingCapacity: true)
        streams.removeAll(keepingCapacity: true)
        table.stateTable.withUnsafeBufferPointer { stateTable in
            table.symbolTransform.withUnsafeBufferPointer { transform in
                table.firstState.withUnsafeBufferPointer { firstState in
                    scratch.withUnsafeMutableBufferPointer { buffer in
                        for lane in 0..<lanes {
                            let count = lane < n ? (n - lane + lanes - 1) / lanes : 0
                            guard count > 0 else {
                                streams.append(TANSLaneStream(byteOffset: payload.count, bitCount: 0))
                                continue
                            }
                            let (start, bits, state) = encodeLane(
                                src.baseAddress! + lane, stride: lanes, count: count, tableLog: tableLog,
                                stateTable: stateTable.baseAddress!, transform: transform.baseAddress!,
                                firstState: firstState.baseAddress!, buffer: buffer.baseAddress!, end: capacity,
                                escapes: &sink)
                            streams.append(TANSLaneStream(byteOffset: payload.count, bitCount: bits))
                            payload.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<capacity]))
                            states.append(state)
                        }
                    }
                }
            }
        }
        result.initialStates = states
        result.laneStreams = streams
        result.payload = payload
    }

    /// Encodes one lane: symbols `src[j·stride]`, `j < count`, processed backwards. Returns the
    /// stream's first byte in `buffer`, its bit count, and the decoder's initial state.
    /// `buffer` has room for `count·R` bits plus 16 bytes, so the backward writer's 8-byte
    /// stores never leave it.
    @inline(never)
    static func encodeLane<E: EscapeSink>(_ src: UnsafePointer<UInt8>, stride: Int, count: Int, tableLog: Int,
                                          stateTable: UnsafePointer<UInt16>, transform: UnsafePointer<UInt64>,
                                          firstState: UnsafePointer<UInt16>, buffer: UnsafeMutablePointer<UInt8>,
                                          end: Int, escapes: inout E) -> (start: Int, bits: Int, state: Int) {
        let size = 1 << tableLog
        var sink = escapes   // a local copy stays in registers
        let last = src[(count - 1) * stride]
        sink.record(last)
        var x = UInt64(size) &+ UInt64(firstState[Int(last)])
        var writer = BackwardBitWriter(end: end)
        var j = count - 2
        var p = src + max(j, 0) * stride
        // Two symbols (≤ 30 bits) between flushes keep `accBits ≤ 37`.
        while j >= 1 {
            let a = p.pointee, b = (p - stride).pointee
            sink.record(a)
            sink.record(b)
            tansEncodeStep(&x, transform[Int(a)], &writer, stateTable)
            tansEncodeStep(&x, transform[Int(b)], &writer, stateTable)
            writer.flush(buffer)
            p -= 2 &* stride
            j &-= 2
        }
        if j == 0 {
            sink.record(p.pointee)
            tansEncodeStep(&x, transform[Int(p.pointee)], &writer, stateTable)
        }
        escapes = sink
        let (start, bits) = writer.finish(buffer, end: end)
        return (start, bits, Int(x) - size)
    }

    /// Split layout with four lanes: the lanes' independent state chains advance together in
    /// one loop (instruction-level parallelism), each writing backwards into its own region.
    static func encodeSplit4(_ src: UnsafeBufferPointer<UInt8>, table: TANSEncodeTable, into result: inout TANSEncoded,
                             scratch: inout [UInt8]) {
        let n = src.count
        let size = 1 << table.tableLog
        let counts = (0..<4).map { (n - $0 + 3) / 4 }
        let region = 16 + (counts[0] * table.tableLog + 7) / 8
        TANSEncodeWorkspace.reserve(&scratch, 4 * region)   // written before read
        var starts = [Int](repeating: 0, count: 4), bitCounts = [Int](repeating: 0, count: 4)
        var finalStates = [Int](repeating: 0, count: 4)
        table.stateTable.withUnsafeBufferPointer { stateTable in
            table.symbolTransform.withUnsafeBufferPointer { transform in
                scratch.withUnsafeMutableBufferPointer { buffer in
                    let st = stateTable.baseAddress!, tt = transform.baseAddress!, p = src.baseAddress!
                    var x = [UInt64](repeating: 0, count: 4)
                    var w = (0..<4).map { BackwardBitWriter(end: ($0 + 1) * region) }
                    let shared = n / 4 - 1   // joint steps j = shared − 1 … 0 (lane 3's last symbol is at j = n/4 − 1)
                    for lane in 0..<4 {
                        x[lane] = UInt64(size) + UInt64(table.firstState[Int(p[4 * (counts[lane] - 1) + lane])])
                        if counts[lane] - 1 > shared {
                            tansEncodeStep(&x[lane], tt[Int(p[4 * shared + lane])], &w[lane], st)
                            w[lane].flush(buffer.baseAddress!)
                        }
                    }
                    let out = buffer.baseAddress!
                    if shared > 0 {
                        x.withUnsafeMutableBufferPointer { x in
                            w.withUnsafeMutableBufferPointer { w in
                                encodeSplit4Groups(p, groups: shared, states: x.baseAddress!, writers: w.baseAddress!,
                                                   stateTable: st, transform: tt, buffer: out)
                            }
                        }
                    }
                    for lane in 0..<4 {
                        (starts[lane], bitCounts[lane]) = w[lane].finish(out, end: (lane + 1) * region)
                        finalStates[lane] = Int(x[lane]) - size
                    }
                }
            }
        }
        result.payload.removeAll(keepingCapacity: true)
        result.payload.reserveCapacity((0..<4).reduce(0) { $0 + (lane: $1, bytes: (bitCounts[$1] + 7) / 8).bytes })
        result.laneStreams.removeAll(keepingCapacity: true)
        for lane in 0..<4 {
            result.laneStreams.append(TANSLaneStream(byteOffset: result.payload.count, bitCount: bitCounts[lane]))
            result.payload.append(contentsOf: scratch[starts[lane]..<((lane + 1) * region)])
        }
        result.initialStates.removeAll(keepingCapacity: true)
        result.initialStates.append(contentsOf: finalStates)
    }

    /// The joint part of the four-lane split encoder: groups `groups − 1` down to 0, lane `l`
    /// encoding symbol `4g + l` with its own writer. Two passes per block of 1024 groups, as in
    /// ``encodeInterleaved4Groups``: the four state chains, then each lane's writer in turn.
    @inline(never)
    static func encodeSplit4Groups(_ src: UnsafePointer<UInt8>, groups: Int, states: UnsafeMutablePointer<UInt64>,
                                   writers: UnsafeMutablePointer<BackwardBitWriter>, stateTable: UnsafePointer<UInt16>,
                                   transform: UnsafePointer<UInt64>, buffer: UnsafeMutablePointer<UInt8>) {
        let blockGroups = 1024
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * blockGroups) { codes in
            let c = codes.baseAddress!
            var x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3]
            @inline(__always) func step(_ x: inout UInt64, _ symbol: UInt8) -> UInt32 {
                let t = transform[Int(symbol)]
                let nb = (x &+ (t & 0xFFFF_FFFF)) &>> 16
                let high = x &>> nb
                let code = UInt32(truncatingIfNeeded: x &- (high &<< nb)) | UInt32(truncatingIfNeeded: nb) &<< 16
                x = UInt64(truncatingIfNeeded: stateTable[Int(truncatingIfNeeded: high) &+ Int(truncatingIfNeeded: Int32(truncatingIfNeeded: t &>> 32))])
                return code
            }
            var g = groups
            while g > 0 {
                let block = min(blockGroups, g)
                var q = src + 4 * (g - 1)
                var k = 0
                for _ in 0..<block {
                    c[k] = step(&x0, q[0])
                    c[k &+ 1] = step(&x1, q[1])
                    c[k &+ 2] = step(&x2, q[2])
                    c[k &+ 3] = step(&x3, q[3])
                    k &+= 4
                    q -= 4
                }
                for lane in 0..<4 {
                    var writer = writers[lane]
                    var j = lane
                    while j < k {
                        let a = c[j]
                        writer.prepend(UInt64(a & 0xFFFF), UInt64(a &>> 16))
                        if j &+ 4 < k {
                            let b = c[j &+ 4]
                            writer.prepend(UInt64(b & 0xFFFF), UInt64(b &>> 16))
                        }
                        writer.flush(buffer)
                        j &+= 8
                    }
                    writers[lane] = writer
                }
                g -= block
            }
            states[0] = x0; states[1] = x1; states[2] = x2; states[3] = x3
        }
    }

    /// Whole groups of four interleaved symbols, `groups − 1` down to 0 (group `g` holds symbols
    /// `4g…4g+3`, prepended lane 3 first). Works in blocks of 1024 groups and two passes per
    /// block, so each loop keeps its few values in registers: pass 1 advances the four state
    /// chains and records each step's `(bits, count)`; pass 2 prepends them to the stream, four
    /// codes per flush when they fit (R ≤ 14: 4·14 + 7 ≤ 63 pending bits), else two.
    @inline(never)
    static func encodeInterleaved4Groups(_ src: UnsafePointer<UInt8>, groups: Int, states: UnsafeMutablePointer<UInt64>,
                                         writer: inout BackwardBitWriter, stateTable: UnsafePointer<UInt16>,
                                         transform: UnsafePointer<UInt64>, buffer: UnsafeMutablePointer<UInt8>, tableLog: Int) {
        let blockGroups = 1024
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * blockGroups) { codes in
            let c = codes.baseAddress!
            var x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3]
            // Local copies: the stores into `buffer` could alias an inout parameter's memory, which
            // would force the writer back to memory on every flush.
            var w = writer
            @inline(__always) func step(_ x: inout UInt64, _ symbol: UInt8) -> UInt32 {
                let t = transform[Int(symbol)]
                let nb = (x &+ (t & 0xFFFF_FFFF)) &>> 16
                let high = x &>> nb
                let code = UInt32(truncatingIfNeeded: x &- (high &<< nb)) | UInt32(truncatingIfNeeded: nb) &<< 16
                x = UInt64(truncatingIfNeeded: stateTable[Int(truncatingIfNeeded: high) &+ Int(truncatingIfNeeded: Int32(truncatingIfNeeded: t &>> 32))])
                return code
            }
            @inline(__always) func prepend(_ code: UInt32) {
                w.prepend(UInt64(code & 0xFFFF), UInt64(code &>> 16))
            }
            let fourPerFlush = tableLog <= 14
            var g = groups
            while g > 0 {
                let block = min(blockGroups, g)
                var q = src + 4 * (g - 1)
                let qEnd = q - 4 * block
                var out = c
                while q != qEnd {
                    out[0] = step(&x3, q[3])
                    out[1] = step(&x2, q[2])
                    out[2] = step(&x1, q[1])
                    out[3] = step(&x0, q[0])
                    out += 4
                    q -= 4
                }
                let k = 4 * block
                var j = 0
                if fourPerFlush {
                    while j < k {
                        prepend(c[j]); prepend(c[j &+ 1]); prepend(c[j &+ 2]); prepend(c[j &+ 3])
                        w.flush(buffer)
                        j &+= 4
                    }
                } else {
                    while j < k {
                        prepend(c[j]); prepend(c[j &+ 1])
                        w.flush(buffer)
                        j &+= 2
                    }
                }
                g -= block
            }
            states[0] = x0; states[1] = x1; states[2] = x2; states[3] = x3
            writer = w
        }
    }

    /// Encodes all lanes into one shared stream (interleaved layout), symbols backwards.
    static func encodeInterleaved(_ src: UnsafeBufferPointer<UInt8>, lanes: Int, table: TANSEncodeTable, into result: inout TANSEncoded,
                                  scratch: inout [UInt8]) {
        let n = src.count
        let tableLog = table.tableLog
        let size = 1 << tableLog
        let capacity = 16 + (n * tableLog + 7) / 8
        TANSEncodeWorkspace.reserve(&scratch, capacity)   // written before read
        let active = min(n, lanes)
        var states = [UInt64](repeating: 0, count: lanes)
        var start = 0
        var bits = 0
        table.stateTable.withUnsafeBufferPointer { stateTable in
            table.symbolTransform.withUnsafeBufferPointer { transform in
                scratch.withUnsafeMutableBufferPointer { buffer in
                    states.withUnsafeMutableBufferPointer { x in
                        // The last symbol of each lane only selects its starting state.
                        for i in (n - active)..<n {
                            x[i % lanes] = UInt64(size) + UInt64(table.firstState[Int(src[i])])
                        }
                        var writer = BackwardBitWriter(end: capacity)
                        var lane = (n - active) % lanes
                        var i = n - active - 1
                        if lanes == 4 {
                            // Top partial group one by one, then whole groups (lanes 3, 2, 1, 0).
                            let st = stateTable.baseAddress!, tt = transform.baseAddress!, out = buffer.baseAddress!
                            while i >= 0 && i % 4 != 3 {
                                tansEncodeStep(&x[i % 4], tt[Int(src[i])], &writer, st)
                                writer.flush(out)
                                i -= 1
                            }
                            if i >= 3 {
                                encodeInterleaved4Groups(src.baseAddress!, groups: (i + 1) / 4, states: x.baseAddress!,
                                                         writer: &writer, stateTable: st, transform: tt, buffer: out,
                                                         tableLog: tableLog)
                                i -= 4 * ((i + 1) / 4)
                            }
                            lane = 0
                        }
                        while i >= 0 {
                            lane = lane == 0 ? lanes - 1 : lane - 1
                            tansEncodeStep(&x[lane], transform[Int(src[i])], &writer, stateTable.baseAddress!)
                            writer.flush(buffer.baseAddress!)
                            i -= 1
                        }
                        (start, bits) = writer.finish(buffer.baseAddress!, end: capacity)
                    }
                }
            }
        }
        result.initialStates.removeAll(keepingCapacity: true)
        for lane in 0..<active { result.initialStates.append(Int(states[lane]) - size) }
        result.laneStreams.removeAll(keepingCapacity: true)
        result.laneStreams.append(TANSLaneStream(byteOffset: 0, bitCount: bits))
        result.payload.removeAll(keepingCapacity: true)
        result.payload.append(contentsOf: scratch[start..<capacity])
    }
}

/// A forward, most-significant-bit-first bit container over a stream (FSE's / Giesen's "variant 4"
/// reader): `buf` holds the next `count` unread bits at its top (zeros below), `ptr` is the first
/// byte not yet in `buf`, so the next unread bit is `8·ptr − count`.
///
/// A refill ORs in the 8 bytes at `ptr` and advances `ptr` by the whole bytes that fit, leaving
/// 56…63 bits. Its load address depends only on the previous refill, not on the bits consumed
/// since, so the load issues early and stays off the states' dependency chain. (Bits that enter
/// `buf` beyond `count` are the stream's true next bits, which the next refill ORs in again.)
struct ForwardBitContainer {
    var buf: UInt64 = 0
    var count: UInt64 = 0
    var ptr: Int

    /// A container at bit `bit` of `stream`; loads 8 bytes at `bit >> 3` (the caller checks
    /// that this is ≤ its load limit).
    @inline(__always)
    init(bit: Int, _ stream: UnsafePointer<UInt8>) {
        ptr = bit &>> 3
        refill(stream)
        let skip = UInt64(truncatingIfNeeded: bit & 7)
        buf = buf &<< skip
        count &-= skip
    }

    /// The next unread bit.
    var bitPosition: Int { ptr &* 8 &- Int(truncatingIfNeeded: count) }

    /// Loads 8 bytes at `ptr` (the caller checks `ptr ≤ limit`); afterwards `count ≥ 56`.
    @inline(__always)
    mutating func refill(_ stream: UnsafePointer<UInt8>) {
        buf |= loadBigEndian64(stream + ptr) &>> count
        ptr &+= Int(truncatingIfNeeded: (63 &- count) &>> 3)
        count |= 56
    }

    /// The decode step's state update for packed entry `e` (see ``TANSDecodeTable``): reads
    /// `nbBits` bits (needs `count ≥ nbBits`) and returns `newStateBase + bits`. The peek is
    /// `(buf >> 1) >> (63 − nbBits)`, which is 0 for `nbBits = 0` without a branch.
    @inline(__always)
    mutating func nextState(_ e: UInt32) -> Int {
        let x = Int(truncatingIfNeeded: e &>> 16) &+ Int(truncatingIfNeeded: (buf &>> 1) &>> UInt64(truncatingIfNeeded: e & 63))
        let nb = UInt64(truncatingIfNeeded: ~e & 63)
        buf = buf &<< nb
        count &-= nb
        return x
    }
}

@inline(__always)
func packedSymbol(_ e: UInt32) -> UInt8 { UInt8(truncatingIfNeeded: e &>> 8) }

/// The four symbols of entries `e0…e3` as one little-endian word (e0 in the lowest byte).
@inline(__always)
func packedSymbols(_ e0: UInt32, _ e1: UInt32, _ e2: UInt32, _ e3: UInt32) -> UInt32 {
    ((e0 &>> 8) & 0xFF) | (e1 & 0xFF00) | ((e2 &<< 8) & 0xFF_0000) | ((e3 &<< 16) & 0xFF00_0000)
}

/// Decoding kernels, on the packed 32-bit entries of ``TANSDecodeTable``. Each reads its stream
/// through 8-byte big-endian loads; the stream buffer carries 8 zero bytes after the payload,
/// and every load position is checked against `limit = stream.count − 8` before the load
/// (once per refill in the fast paths: a cheap, predictable branch), so a corrupt stream can
/// never read out of bounds. Exact consumption of each lane's bit count is verified at the end.
///
/// Fast paths (R ≤ 14) use a ``ForwardBitContainer`` refilled once per four symbols of a lane
/// (four steps read ≤ 56 bits); the checked per-step loop finishes what they leave (the
/// stream's last bytes, R = 15, odd remainders).
enum TANSDecoderKernels {
    /// Decodes every lane of a split stream; returns the steps per lane the AVX2 quad kernel did
    /// (0 when the portable kernels ran alone). With `escapes`, which only the quad kernel takes,
    /// the escapes among the first `returned · lanes` symbols are already patched in. With the
    /// quad kernel, `entries` must hold one entry more than the table (its gathers load 8 bytes).
    @discardableResult
    static func decodeSplit(entries: UnsafePointer<UInt32>, firstStates: UnsafePointer<UInt16>, maxBits: Int,
                            stream: UnsafeBufferPointer<UInt8>, lanes: Int,
                            streams: [TANSLaneStream], states: [Int], output: UnsafeMutableBufferPointer<UInt8>,
                            kernels: TANSKernelSet = .best,
                            escapes: UnsafeMutablePointer<subbit_tans_escapes>? = nil) throws -> Int {
        let n = output.count
        let limit = stream.count - 8
        let base = stream.baseAddress!
        let active = min(n, lanes)
        precondition(escapes == nil || kernels.decodesSplitInQuads(lanes: lanes, tableLog: maxBits))
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * lanes) { scratch in
            let bits = scratch.baseAddress!, x = bits + lanes
            for lane in 0..<active {
                bits[lane] = streams[lane].byteOffset * 8 + streams[lane].padBits
                x[lane] = states[lane]
            }
            var done = 0
            if kernels.decodesSplitInQuads(lanes: lanes, tableLog: maxBits) && n / lanes >= 5 {
                // Every lane steps together while each has a next state to read (lane P − 1 has
                // the fewest symbols, ⌊n/P⌋).
                done = subbit_tans_decode_split_avx2(entries, base, limit, lanes, bits, x, output.baseAddress!,
                                                     n / lanes - 1, escapes)
                guard done >= 0 else {
                    throw EntropyCodingError.corrupt("main stream holds more escapes than the escape stream announces")
                }
            } else if lanes == 4 && n >= 8 && maxBits <= 14 {
                // All four lanes step together while each has a full group left (lane 3 has the fewest).
                done = split4(entries: entries, stream: base, limit: limit, bits: bits, states: x,
                              output: output.baseAddress!, groups: (n / 4 - 1) / 4)
            }
            for lane in 0..<active {
                let count = (n - lane + lanes - 1) / lanes - done
                let startBit = streams[lane].byteOffset * 8 + streams[lane].padBits
                let (endBit, finalState) = try decodeLane(entries: entries, stream: base, limit: limit, bitPosition: bits[lane],
                                                          state: x[lane], output: output.baseAddress! + lane + done * lanes,
                                                          stride: lanes, count: count, maxBits: maxBits)
                guard endBit == startBit + streams[lane].bitCount else {
                    throw EntropyCodingError.corrupt("tANS lane \(lane) used \(endBit - startBit) bits but its stream has \(streams[lane].bitCount)")
                }
                try checkFinalState(finalState, lane: lane, entries: entries, firstStates: firstStates)
            }
            for lane in active..<lanes where streams[lane].bitCount != 0 {
                throw EntropyCodingError.corrupt("empty tANS lane \(lane) has a non-empty stream")
            }
            return done
        }
    }

    /// Four split lanes in one loop (independent dependency chains, for instruction-level
    /// parallelism), a group of four steps per lane per iteration (R ≤ 14). Runs at most
    /// `groups` groups and stops early where a lane's next refill could pass `limit`; returns
    /// the steps done per lane (the caller finishes with `decodeLane`).
    @inline(never)
    static func split4(entries: UnsafePointer<UInt32>, stream: UnsafePointer<UInt8>, limit: Int,
                       bits: UnsafeMutablePointer<Int>, states: UnsafeMutablePointer<Int>,
                       output: UnsafeMutablePointer<UInt8>, groups: Int) -> Int {
        guard groups > 0, max(max(bits[0], bits[1]), max(bits[2], bits[3])) &>> 3 <= limit else { return 0 }
        var r0 = ForwardBitContainer(bit: bits[0], stream), r1 = ForwardBitContainer(bit: bits[1], stream)
        var r2 = ForwardBitContainer(bit: bits[2], stream), r3 = ForwardBitContainer(bit: bits[3], stream)
        var x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3]
        var out = output
        var g = 0
        while g < groups && max(max(r0.ptr, r1.ptr), max(r2.ptr, r3.ptr)) <= limit {
            r0.refill(stream); r1.refill(stream); r2.refill(stream); r3.refill(stream)
            for k in 0..<4 {
                let e0 = entries[x0], e1 = entries[x1], e2 = entries[x2], e3 = entries[x3]
                UnsafeMutableRawPointer(out + 4 &* k).storeBytes(of: packedSymbols(e0, e1, e2, e3).littleEndian, as: UInt32.self)
                x0 = r0.nextState(e0)
                x1 = r1.nextState(e1)
                x2 = r2.nextState(e2)
                x3 = r3.nextState(e3)
            }
            out += 16
            g &+= 1
        }
        bits[0] = r0.bitPosition; bits[1] = r1.bitPosition; bits[2] = r2.bitPosition; bits[3] = r3.bitPosition
        states[0] = x0; states[1] = x1; states[2] = x2; states[3] = x3
        return 4 * g
    }

    /// Checks that a lane ended where every encoder starts it: in the smallest state of its
    /// last symbol (the state that codes that symbol in zero bits, see ``TANSEncoded``). With the
    /// exact bit count, this is the stream's end-of-data check — R bits of redundancy per lane
    /// that catch a corruption the bit count alone misses.
    @inline(__always)
    static func checkFinalState(_ state: Int, lane: Int, entries: UnsafePointer<UInt32>,
                                firstStates: UnsafePointer<UInt16>) throws {
        let symbol = Int(packedSymbol(entries[state]))
        guard Int(firstStates[symbol]) == state else {
            throw EntropyCodingError.corrupt(
                "tANS lane \(lane) ended in state \(state), but a lane ends in the first state of its last symbol (\(firstStates[symbol]))")
        }
    }

    /// One lane, `count ≥ 1` symbols written to `output[j·stride]`. Returns the end bit position
    /// and the state of the last symbol.
    ///
    /// The checked loop runs in chunks without per-step checks: a step reads at most `maxBits`
    /// bits, so the `j`-th step of a chunk starting at bit `b` loads at byte
    /// `≤ (b + j·maxBits) / 8`, which the chunk length keeps `≤ limit`.
    @inline(never)
    static func decodeLane(entries: UnsafePointer<UInt32>, stream: UnsafePointer<UInt8>, limit: Int, bitPosition: Int,
                           state: Int, output: UnsafeMutablePointer<UInt8>, stride: Int, count: Int,
                           maxBits: Int = 15) throws -> (bit: Int, state: Int) {
        var x = state
        var bit = bitPosition
        var out = output
        var remaining = count - 1
        if maxBits <= 14 && remaining >= 4 && bit &>> 3 <= limit {
            // The state chain waits on the table load only: the stream load of each refill
            // was addressed one group earlier.
            var r = ForwardBitContainer(bit: bit, stream)
            while remaining >= 4 && r.ptr <= limit {
                r.refill(stream)
                for _ in 0..<4 {
                    let e = entries[x]
                    out.pointee = packedSymbol(e)
                    x = r.nextState(e)
                    out += stride
                }
                remaining &-= 4
            }
            bit = r.bitPosition
        }
        let lastSafeBit = limit &* 8 &+ 7
        while remaining > 0 {
            guard bit <= lastSafeBit else { throw EntropyCodingError.corrupt("tANS stream read past its end") }
            var chunk = min(remaining, (lastSafeBit &- bit) / maxBits &+ 1)
            remaining &-= chunk
            while chunk > 0 {
                let e = entries[x]
                out.pointee = packedSymbol(e)
                x = checkedStep(e, stream: stream, bit: &bit)
                out += stride
                chunk &-= 1
            }
        }
        out.pointee = packedSymbol(entries[x])
        return (bit, x)
    }

    /// The decode step reading at bit `bit` directly (the caller has checked `bit >> 3 ≤ limit`).
    @inline(__always)
    static func checkedStep(_ e: UInt32, stream: UnsafePointer<UInt8>, bit: inout Int) -> Int {
        let peek = loadBigEndian64(stream + (bit &>> 3)) &<< UInt64(bit & 7)
        bit &+= Int(truncatingIfNeeded: ~e & 63)
        return Int(truncatingIfNeeded: e &>> 16) &+ Int(truncatingIfNeeded: (peek &>> 1) &>> UInt64(truncatingIfNeeded: e & 63))
    }

    static func decodeInterleaved(entries: UnsafePointer<UInt32>, firstStates: UnsafePointer<UInt16>, maxBits: Int,
                                  stream: UnsafeBufferPointer<UInt8>, lanes: Int,
                                  laneStream: TANSLaneStream, states: [Int], output: UnsafeMutableBufferPointer<UInt8>) throws {
        let n = output.count
        let limit = stream.count - 8
        let active = min(n, lanes)
        let full = n - active
        let startBit = laneStream.byteOffset * 8 + laneStream.padBits
        var bit = startBit
        var x = states + [Int](repeating: 0, count: lanes - active)
        try x.withUnsafeMutableBufferPointer { x in
            let base = stream.baseAddress!
            var i = 0
            if lanes == 4 && maxBits <= 14 {
                i = interleaved4(entries: entries, stream: base, limit: limit, bit: &bit, states: x.baseAddress!,
                                 output: output.baseAddress!, full: full)
            }
            var lane = i % lanes
            while i < full {
                let e = entries[x[lane]]
                output[i] = packedSymbol(e)
                guard bit &>> 3 <= limit else { throw EntropyCodingError.corrupt("tANS stream read past its end") }
                x[lane] = checkedStep(e, stream: base, bit: &bit)
                lane &+= 1
                if lane == lanes { lane = 0 }
                i &+= 1
            }
            for i in full..<n {
                output[i] = packedSymbol(entries[x[i % lanes]])
            }
        }
        guard bit == startBit + laneStream.bitCount else {
            throw EntropyCodingError.corrupt("tANS interleaved stream used \(bit - startBit) bits but has \(laneStream.bitCount)")
        }
        for i in full..<n { try checkFinalState(x[i % lanes], lane: i % lanes, entries: entries, firstStates: firstStates) }
    }

    /// Four interleaved lanes (R ≤ 14), a group of four symbols per iteration and one refill
    /// per group (four steps read ≤ 56 bits), for the first `full` symbols; stops early where a
    /// refill could pass `limit`. Returns the symbols done.
    @inline(never)
    static func interleaved4(entries: UnsafePointer<UInt32>, stream: UnsafePointer<UInt8>, limit: Int, bit: inout Int,
                             states: UnsafeMutablePointer<Int>, output: UnsafeMutablePointer<UInt8>, full: Int) -> Int {
        guard full >= 4, bit &>> 3 <= limit else { return 0 }
        var x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3]
        var r = ForwardBitContainer(bit: bit, stream)
        var i = 0
        while i &+ 4 <= full && r.ptr <= limit {
            r.refill(stream)
            let e0 = entries[x0], e1 = entries[x1], e2 = entries[x2], e3 = entries[x3]
            UnsafeMutableRawPointer(output + i).storeBytes(of: packedSymbols(e0, e1, e2, e3).littleEndian, as: UInt32.self)
            x0 = r.nextState(e0)
            x1 = r.nextState(e1)
            x2 = r.nextState(e2)
            x3 = r.nextState(e3)
            i &+= 4
        }
        bit = r.bitPosition
        states[0] = x0; states[1] = x1; states[2] = x2; states[3] = x3
        return i
    }
}
