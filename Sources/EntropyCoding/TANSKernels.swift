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

extension TANSCodec {
    /// Encodes lane by lane into one payload (split layout).
    static func encodeSplit(_ src: UnsafeBufferPointer<UInt8>, lanes: Int, table: TANSEncodeTable, into result: inout TANSEncoded) {
        let n = src.count
        let tableLog = table.tableLog
        let maxLaneCount = (n + lanes - 1) / lanes
        let capacity = 16 + (maxLaneCount * tableLog + 7) / 8
        var scratch = [UInt8](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }  // written before read
        if lanes == 4 && n >= 8 {
            encodeSplit4(src, table: table, into: &result)
            return
        }
        var payload = [UInt8]()
        payload.reserveCapacity(n * tableLog / 8 / 4 + 64)
        var states = [Int]()
        var streams = [TANSLaneStream]()
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
                                firstState: firstState.baseAddress!, buffer: buffer.baseAddress!, end: capacity)
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
    static func encodeLane(_ src: UnsafePointer<UInt8>, stride: Int, count: Int, tableLog: Int,
                           stateTable: UnsafePointer<UInt16>, transform: UnsafePointer<UInt64>,
                           firstState: UnsafePointer<UInt16>, buffer: UnsafeMutablePointer<UInt8>,
                           end: Int) -> (start: Int, bits: Int, state: Int) {
        let size = 1 << tableLog
        var x = UInt64(size) &+ UInt64(firstState[Int(src[(count - 1) * stride])])
        var writer = BackwardBitWriter(end: end)
        var j = count - 2
        var p = src + max(j, 0) * stride
        // Two symbols (≤ 30 bits) between flushes keep `accBits ≤ 37`.
        while j >= 1 {
            tansEncodeStep(&x, transform[Int(p.pointee)], &writer, stateTable)
            tansEncodeStep(&x, transform[Int((p - stride).pointee)], &writer, stateTable)
            writer.flush(buffer)
            p -= 2 &* stride
            j &-= 2
        }
        if j == 0 { tansEncodeStep(&x, transform[Int(p.pointee)], &writer, stateTable) }
        let (start, bits) = writer.finish(buffer, end: end)
        return (start, bits, Int(x) - size)
    }

    /// Split layout with four lanes: the lanes' independent state chains advance together in
    /// one loop (instruction-level parallelism), each writing backwards into its own region.
    static func encodeSplit4(_ src: UnsafeBufferPointer<UInt8>, table: TANSEncodeTable, into result: inout TANSEncoded) {
        let n = src.count
        let size = 1 << table.tableLog
        let counts = (0..<4).map { (n - $0 + 3) / 4 }
        let region = 16 + (counts[0] * table.tableLog + 7) / 8
        var scratch = [UInt8](unsafeUninitializedCapacity: 4 * region) { _, count in count = 4 * region }  // written before read
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
        var payload = [UInt8]()
        payload.reserveCapacity((0..<4).reduce(0) { $0 + (lane: $1, bytes: (bitCounts[$1] + 7) / 8).bytes })
        var streams = [TANSLaneStream]()
        for lane in 0..<4 {
            streams.append(TANSLaneStream(byteOffset: payload.count, bitCount: bitCounts[lane]))
            payload.append(contentsOf: scratch[starts[lane]..<((lane + 1) * region)])
        }
        result.initialStates = finalStates
        result.laneStreams = streams
        result.payload = payload
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
    /// chains and records each step's `(bits, count)`; pass 2 prepends them to the stream.
    @inline(never)
    static func encodeInterleaved4Groups(_ src: UnsafePointer<UInt8>, groups: Int, states: UnsafeMutablePointer<UInt64>,
                                         writer: inout BackwardBitWriter, stateTable: UnsafePointer<UInt16>,
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
                    c[k] = step(&x3, q[3])
                    c[k &+ 1] = step(&x2, q[2])
                    c[k &+ 2] = step(&x1, q[1])
                    c[k &+ 3] = step(&x0, q[0])
                    k &+= 4
                    q -= 4
                }
                var j = 0
                while j < k {
                    let a = c[j], b = c[j &+ 1]
                    writer.prepend(UInt64(a & 0xFFFF), UInt64(a &>> 16))
                    writer.prepend(UInt64(b & 0xFFFF), UInt64(b &>> 16))
                    writer.flush(buffer)
                    j &+= 2
                }
                g -= block
            }
            states[0] = x0; states[1] = x1; states[2] = x2; states[3] = x3
        }
    }

    /// Encodes all lanes into one shared stream (interleaved layout), symbols backwards.
    static func encodeInterleaved(_ src: UnsafeBufferPointer<UInt8>, lanes: Int, table: TANSEncodeTable, into result: inout TANSEncoded) {
        let n = src.count
        let tableLog = table.tableLog
        let size = 1 << tableLog
        let capacity = 16 + (n * tableLog + 7) / 8
        var scratch = [UInt8](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }  // written before read
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
                                                         writer: &writer, stateTable: st, transform: tt, buffer: out)
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
        result.initialStates = (0..<active).map { Int(states[$0]) - size }
        result.laneStreams = [TANSLaneStream(byteOffset: 0, bitCount: bits)]
        result.payload = Array(scratch[start..<capacity])
    }
}

/// Decoding kernels. Each reads its stream through 8-byte big-endian loads at the current byte
/// position; the stream buffer carries 8 zero bytes after the payload, and every load position
/// is checked against `stream.count − 8` (cheap and predictable), so a corrupt stream can never
/// read out of bounds. Exact consumption of each lane's bit count is verified at the end.
enum TANSDecoderKernels {
    static func decodeSplit(entries: UnsafePointer<UInt64>, maxBits: Int, stream: UnsafeBufferPointer<UInt8>, lanes: Int,
                            streams: [TANSLaneStream], states: [Int], output: UnsafeMutableBufferPointer<UInt8>) throws {
        let n = output.count
        let limit = stream.count - 8
        let base = stream.baseAddress!
        let active = min(n, lanes)
        var bits = (0..<active).map { streams[$0].byteOffset * 8 + streams[$0].padBits }
        var x = Array(states.prefix(active))
        var done = 0
        if lanes == 4 && n >= 8 {
            // All four lanes step together while each has a full step left (lane 3 has the fewest).
            done = bits.withUnsafeMutableBufferPointer { b in
                x.withUnsafeMutableBufferPointer { x in
                    split4(entries: entries, stream: base, limit: limit, bits: b.baseAddress!, states: x.baseAddress!,
                           output: output.baseAddress!, steps: n / 4 - 1)
                }
            }
        }
        for lane in 0..<active {
            let count = (n - lane + lanes - 1) / lanes - done
            let startBit = streams[lane].byteOffset * 8 + streams[lane].padBits
            let endBit = try decodeLane(entries: entries, stream: base, limit: limit, bitPosition: bits[lane],
                                        state: x[lane], output: output.baseAddress! + lane + done * lanes, stride: lanes, count: count,
                                        maxBits: maxBits)
            guard endBit == startBit + streams[lane].bitCount else {
                throw EntropyCodingError.corrupt("tANS lane \(lane) used \(endBit - startBit) bits but its stream has \(streams[lane].bitCount)")
            }
        }
        for lane in active..<lanes where streams[lane].bitCount != 0 {
            throw EntropyCodingError.corrupt("empty tANS lane \(lane) has a non-empty stream")
        }
    }

    /// Four split lanes in one loop (independent dependency chains, for instruction-level
    /// parallelism). Runs at most `steps` full steps per lane and stops early where a lane's next
    /// load could pass `limit`; returns the steps done (the caller finishes with `decodeLane`).
    @inline(never)
    static func split4(entries: UnsafePointer<UInt64>, stream: UnsafePointer<UInt8>, limit: Int,
                       bits: UnsafeMutablePointer<Int>, states: UnsafeMutablePointer<Int>,
                       output: UnsafeMutablePointer<UInt8>, steps: Int) -> Int {
        var b0 = bits[0], b1 = bits[1], b2 = bits[2], b3 = bits[3]
        var x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3]
        var out = output
        var j = 0
        while j < steps && max(max(b0, b1), max(b2, b3)) &>> 3 <= limit {
            let e0 = entries[x0], e1 = entries[x1], e2 = entries[x2], e3 = entries[x3]
            let symbols = UInt32(truncatingIfNeeded: (e0 &>> 16) & 0xFF) | UInt32(truncatingIfNeeded: (e1 &>> 8) & 0xFF00)
                | UInt32(truncatingIfNeeded: e2 & 0xFF_0000) | UInt32(truncatingIfNeeded: (e3 &<< 8) & 0xFF00_0000)
            UnsafeMutableRawPointer(out).storeBytes(of: symbols.littleEndian, as: UInt32.self)
            let p0 = loadBigEndian64(stream + (b0 &>> 3)) &<< UInt64(b0 & 7)
            let p1 = loadBigEndian64(stream + (b1 &>> 3)) &<< UInt64(b1 & 7)
            let p2 = loadBigEndian64(stream + (b2 &>> 3)) &<< UInt64(b2 & 7)
            let p3 = loadBigEndian64(stream + (b3 &>> 3)) &<< UInt64(b3 & 7)
            x0 = Int(truncatingIfNeeded: e0 &>> 32) &+ Int(truncatingIfNeeded: (p0 &>> 1) &>> e0)
            x1 = Int(truncatingIfNeeded: e1 &>> 32) &+ Int(truncatingIfNeeded: (p1 &>> 1) &>> e1)
            x2 = Int(truncatingIfNeeded: e2 &>> 32) &+ Int(truncatingIfNeeded: (p2 &>> 1) &>> e2)
            x3 = Int(truncatingIfNeeded: e3 &>> 32) &+ Int(truncatingIfNeeded: (p3 &>> 1) &>> e3)
            b0 &+= Int(truncatingIfNeeded: (e0 &>> 8) & 0xFF)
            b1 &+= Int(truncatingIfNeeded: (e1 &>> 8) & 0xFF)
            b2 &+= Int(truncatingIfNeeded: (e2 &>> 8) & 0xFF)
            b3 &+= Int(truncatingIfNeeded: (e3 &>> 8) & 0xFF)
            out += 4
            j &+= 1
        }
        bits[0] = b0; bits[1] = b1; bits[2] = b2; bits[3] = b3
        states[0] = x0; states[1] = x1; states[2] = x2; states[3] = x3
        return j
    }

    /// One lane, `count ≥ 1` symbols written to `output[j·stride]`. Returns the end bit position.
    ///
    /// Steps run in chunks without per-step checks: a step reads at most `maxBits` bits, so the
    /// `j`-th step of a chunk starting at bit `b` loads at byte `≤ (b + j·maxBits) / 8`, which
    /// the chunk length keeps `≤ limit`.
    @inline(never)
    static func decodeLane(entries: UnsafePointer<UInt64>, stream: UnsafePointer<UInt8>, limit: Int, bitPosition: Int,
                           state: Int, output: UnsafeMutablePointer<UInt8>, stride: Int, count: Int, maxBits: Int = 15) throws -> Int {
        var x = state
        var bit = bitPosition
        var out = output
        var remaining = count - 1
        let lastSafeBit = limit &* 8 &+ 7
        if maxBits <= 14 {
            // A 64-bit container reloaded every four steps (≥ 57 valid bits, four steps read
            // ≤ 56): the state chain then waits on the table load only, not on a stream load.
            // A group is safe when its reload position is ≤ limit.
            while remaining >= 4 && bit <= lastSafeBit {
                var groups = min(remaining / 4, (lastSafeBit &- bit) / (4 &* maxBits) &+ 1)
                remaining &-= 4 &* groups
                while groups > 0 {
                    var w = loadBigEndian64(stream + (bit &>> 3)) &<< UInt64(bit & 7)
                    var used: UInt64 = 0
                    for _ in 0..<4 {
                        let e = entries[x]
                        out.pointee = UInt8(truncatingIfNeeded: e &>> 16)
                        x = Int(truncatingIfNeeded: e &>> 32) &+ Int(truncatingIfNeeded: (w &>> 1) &>> e)
                        let nb = (e &>> 8) & 0xFF
                        w = w &<< nb
                        used &+= nb
                        out += stride
                    }
                    bit &+= Int(truncatingIfNeeded: used)
                    groups &-= 1
                }
            }
        }
        while remaining > 0 {
            guard bit <= lastSafeBit else { throw EntropyCodingError.corrupt("tANS stream read past its end") }
            var chunk = min(remaining, (lastSafeBit &- bit) / maxBits &+ 1)
            remaining &-= chunk
            while chunk > 0 {
                let e = entries[x]
                out.pointee = UInt8(truncatingIfNeeded: e &>> 16)
                let peek = loadBigEndian64(stream + (bit &>> 3)) &<< UInt64(bit & 7)
                x = Int(truncatingIfNeeded: e &>> 32) &+ Int(truncatingIfNeeded: (peek &>> 1) &>> e)
                bit &+= Int(truncatingIfNeeded: (e &>> 8) & 0xFF)
                out += stride
                chunk &-= 1
            }
        }
        out.pointee = UInt8(truncatingIfNeeded: entries[x] &>> 16)
        return bit
    }

    static func decodeInterleaved(entries: UnsafePointer<UInt64>, maxBits: Int, stream: UnsafeBufferPointer<UInt8>, lanes: Int,
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
            if lanes == 4 {
                i = interleaved4(entries: entries, stream: base, limit: limit, bit: &bit, states: x.baseAddress!,
                                 output: output.baseAddress!, full: full, maxBits: maxBits)
            }
            var lane = i % lanes
            while i < full {
                let e = entries[x[lane]]
                output[i] = UInt8(truncatingIfNeeded: e &>> 16)
                let byte = bit &>> 3
                guard byte <= limit else { throw EntropyCodingError.corrupt("tANS stream read past its end") }
                let peek = loadBigEndian64(base + byte) &<< UInt64(bit & 7)
                x[lane] = Int(truncatingIfNeeded: e &>> 32) &+ Int(truncatingIfNeeded: (peek &>> 1) &>> e)
                bit &+= Int(truncatingIfNeeded: (e &>> 8) & 0xFF)
                lane &+= 1
                if lane == lanes { lane = 0 }
                i &+= 1
            }
            for i in full..<n {
                output[i] = UInt8(truncatingIfNeeded: entries[x[i % lanes]] &>> 16)
            }
        }
        guard bit == startBit + laneStream.bitCount else {
            throw EntropyCodingError.corrupt("tANS interleaved stream used \(bit - startBit) bits but has \(laneStream.bitCount)")
        }
    }

    /// Four interleaved lanes, a group of four symbols per iteration, for the first `full`
    /// symbols; stops early where a group's loads could pass `limit` (four steps read at most
    /// 60 bits, i.e. from at most 7 bytes past the group's first byte). Returns the symbols done.
    @inline(never)
    static func interleaved4(entries: UnsafePointer<UInt64>, stream: UnsafePointer<UInt8>, limit: Int, bit: inout Int,
                             states: UnsafeMutablePointer<Int>, output: UnsafeMutablePointer<UInt8>, full: Int, maxBits: Int) -> Int {
        var x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3]
        var b = bit
        var i = 0
        if maxBits <= 14 {
            // One 64-bit load per group: after the `b & 7` shift it holds ≥ 57 valid bits, and a
            // group reads at most 4·14 = 56; each lane's field is exposed by shifting the word.
            while i &+ 4 <= full && (b &>> 3) &+ 8 <= limit {
                let e0 = entries[x0], e1 = entries[x1], e2 = entries[x2], e3 = entries[x3]
                let symbols = UInt32(truncatingIfNeeded: (e0 &>> 16) & 0xFF) | UInt32(truncatingIfNeeded: (e1 &>> 8) & 0xFF00)
                    | UInt32(truncatingIfNeeded: e2 & 0xFF_0000) | UInt32(truncatingIfNeeded: (e3 &<< 8) & 0xFF00_0000)
                UnsafeMutableRawPointer(output + i).storeBytes(of: symbols.littleEndian, as: UInt32.self)
                let w0 = loadBigEndian64(stream + (b &>> 3)) &<< UInt64(b & 7)
                let n0 = (e0 &>> 8) & 0xFF, n1 = (e1 &>> 8) & 0xFF, n2 = (e2 &>> 8) & 0xFF, n3 = (e3 &>> 8) & 0xFF
                let w1 = w0 &<< n0
                let w2 = w1 &<< n1
                let w3 = w2 &<< n2
                x0 = Int(truncatingIfNeeded: e0 &>> 32) &+ Int(truncatingIfNeeded: (w0 &>> 1) &>> e0)
                x1 = Int(truncatingIfNeeded: e1 &>> 32) &+ Int(truncatingIfNeeded: (w1 &>> 1) &>> e1)
                x2 = Int(truncatingIfNeeded: e2 &>> 32) &+ Int(truncatingIfNeeded: (w2 &>> 1) &>> e2)
                x3 = Int(truncatingIfNeeded: e3 &>> 32) &+ Int(truncatingIfNeeded: (w3 &>> 1) &>> e3)
                b &+= Int(truncatingIfNeeded: n0 &+ n1 &+ n2 &+ n3)
                i &+= 4
            }
        }
        while i &+ 4 <= full && (b &>> 3) &+ 8 <= limit {
            let e0 = entries[x0], e1 = entries[x1], e2 = entries[x2], e3 = entries[x3]
            let symbols = UInt32(truncatingIfNeeded: (e0 &>> 16) & 0xFF) | UInt32(truncatingIfNeeded: (e1 &>> 8) & 0xFF00)
                | UInt32(truncatingIfNeeded: e2 & 0xFF_0000) | UInt32(truncatingIfNeeded: (e3 &<< 8) & 0xFF00_0000)
            UnsafeMutableRawPointer(output + i).storeBytes(of: symbols.littleEndian, as: UInt32.self)
            let p0 = loadBigEndian64(stream + (b &>> 3)) &<< UInt64(b & 7)
            x0 = Int(truncatingIfNeeded: e0 &>> 32) &+ Int(truncatingIfNeeded: (p0 &>> 1) &>> e0)
            b &+= Int(truncatingIfNeeded: (e0 &>> 8) & 0xFF)
            let p1 = loadBigEndian64(stream + (b &>> 3)) &<< UInt64(b & 7)
            x1 = Int(truncatingIfNeeded: e1 &>> 32) &+ Int(truncatingIfNeeded: (p1 &>> 1) &>> e1)
            b &+= Int(truncatingIfNeeded: (e1 &>> 8) & 0xFF)
            let p2 = loadBigEndian64(stream + (b &>> 3)) &<< UInt64(b & 7)
            x2 = Int(truncatingIfNeeded: e2 &>> 32) &+ Int(truncatingIfNeeded: (p2 &>> 1) &>> e2)
            b &+= Int(truncatingIfNeeded: (e2 &>> 8) & 0xFF)
            let p3 = loadBigEndian64(stream + (b &>> 3)) &<< UInt64(b & 7)
            x3 = Int(truncatingIfNeeded: e3 &>> 32) &+ Int(truncatingIfNeeded: (p3 &>> 1) &>> e3)
            b &+= Int(truncatingIfNeeded: (e3 &>> 8) & 0xFF)
            i &+= 4
        }
        bit = b
        states[0] = x0; states[1] = x1; states[2] = x2; states[3] = x3
        return i
    }
}
