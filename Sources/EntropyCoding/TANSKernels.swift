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

extension TANSCodec {
    /// Encodes lane by lane into one payload (split layout).
    static func encodeSplit(_ src: UnsafeBufferPointer<UInt8>, lanes: Int, table: TANSEncodeTable, into result: inout TANSEncoded) {
        let n = src.count
        let tableLog = table.tableLog
        let maxLaneCount = (n + lanes - 1) / lanes
        let capacity = 16 + (maxLaneCount * tableLog + 7) / 8
        var scratch = [UInt8](repeating: 0, count: capacity)
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
    @inline(__always)
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
            let t0 = transform[Int(p.pointee)]
            let nb0 = (x &+ (t0 & 0xFFFF_FFFF)) &>> 16
            writer.prepend(x & ((1 &<< nb0) &- 1), nb0)
            x = UInt64(stateTable[Int(truncatingIfNeeded: Int64(x &>> nb0) &+ Int64(Int32(truncatingIfNeeded: t0 &>> 32)))])
            p -= stride
            let t1 = transform[Int(p.pointee)]
            let nb1 = (x &+ (t1 & 0xFFFF_FFFF)) &>> 16
            writer.prepend(x & ((1 &<< nb1) &- 1), nb1)
            x = UInt64(stateTable[Int(truncatingIfNeeded: Int64(x &>> nb1) &+ Int64(Int32(truncatingIfNeeded: t1 &>> 32)))])
            p -= stride
            writer.flush(buffer)
            j -= 2
        }
        if j == 0 {
            let t0 = transform[Int(p.pointee)]
            let nb0 = (x &+ (t0 & 0xFFFF_FFFF)) &>> 16
            writer.prepend(x & ((1 &<< nb0) &- 1), nb0)
            x = UInt64(stateTable[Int(truncatingIfNeeded: Int64(x &>> nb0) &+ Int64(Int32(truncatingIfNeeded: t0 &>> 32)))])
        }
        let (start, bits) = writer.finish(buffer, end: end)
        return (start, bits, Int(x) - size)
    }

    /// Encodes all lanes into one shared stream (interleaved layout), symbols backwards.
    static func encodeInterleaved(_ src: UnsafeBufferPointer<UInt8>, lanes: Int, table: TANSEncodeTable, into result: inout TANSEncoded) {
        let n = src.count
        let tableLog = table.tableLog
        let size = 1 << tableLog
        let capacity = 16 + (n * tableLog + 7) / 8
        var scratch = [UInt8](repeating: 0, count: capacity)
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
                        while i >= 0 {
                            lane = lane == 0 ? lanes - 1 : lane - 1
                            let t = transform[Int(src[i])]
                            let s = x[lane]
                            let nb = (s &+ (t & 0xFFFF_FFFF)) &>> 16
                            writer.prepend(s & ((1 &<< nb) &- 1), nb)
                            x[lane] = UInt64(stateTable[Int(truncatingIfNeeded: Int64(s &>> nb) &+ Int64(Int32(truncatingIfNeeded: t &>> 32)))])
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
    static func decodeSplit(entries: UnsafePointer<UInt64>, stream: UnsafeBufferPointer<UInt8>, lanes: Int,
                            streams: [TANSLaneStream], states: [Int], output: UnsafeMutableBufferPointer<UInt8>) throws {
        let n = output.count
        let limit = stream.count - 8
        for lane in 0..<min(n, lanes) {
            let count = (n - lane + lanes - 1) / lanes
            let s = streams[lane]
            let startBit = s.byteOffset * 8 + s.padBits
            let endBit = try decodeLane(entries: entries, stream: stream.baseAddress!, limit: limit, bitPosition: startBit,
                                        state: states[lane], output: output.baseAddress! + lane, stride: lanes, count: count)
            guard endBit == startBit + s.bitCount else {
                throw EntropyCodingError.corrupt("tANS lane \(lane) used \(endBit - startBit) bits but its stream has \(s.bitCount)")
            }
        }
        for lane in min(n, lanes)..<lanes where streams[lane].bitCount != 0 {
            throw EntropyCodingError.corrupt("empty tANS lane \(lane) has a non-empty stream")
        }
    }

    /// One lane, `count ≥ 1` symbols written to `output[j·stride]`. Returns the end bit position.
    @inline(__always)
    static func decodeLane(entries: UnsafePointer<UInt64>, stream: UnsafePointer<UInt8>, limit: Int, bitPosition: Int,
                           state: Int, output: UnsafeMutablePointer<UInt8>, stride: Int, count: Int) throws -> Int {
        var x = state
        var bit = bitPosition
        var out = output
        var remaining = count - 1
        while remaining > 0 {
            let e = entries[x]
            out.pointee = UInt8(truncatingIfNeeded: e &>> 16)
            let byte = bit &>> 3
            guard byte <= limit else { throw EntropyCodingError.corrupt("tANS stream read past its end") }
            let peek = loadBigEndian64(stream + byte) &<< UInt64(bit & 7)
            x = Int(truncatingIfNeeded: e &>> 32) &+ Int(truncatingIfNeeded: (peek &>> 1) &>> e)
            bit &+= Int(truncatingIfNeeded: (e &>> 8) & 0xFF)
            out += stride
            remaining &-= 1
        }
        out.pointee = UInt8(truncatingIfNeeded: entries[x] &>> 16)
        return bit
    }

    static func decodeInterleaved(entries: UnsafePointer<UInt64>, stream: UnsafeBufferPointer<UInt8>, lanes: Int,
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
            var lane = 0
            for i in 0..<full {
                let e = entries[x[lane]]
                output[i] = UInt8(truncatingIfNeeded: e &>> 16)
                let byte = bit &>> 3
                guard byte <= limit else { throw EntropyCodingError.corrupt("tANS stream read past its end") }
                let peek = loadBigEndian64(base + byte) &<< UInt64(bit & 7)
                x[lane] = Int(truncatingIfNeeded: e &>> 32) &+ Int(truncatingIfNeeded: (peek &>> 1) &>> e)
                bit &+= Int(truncatingIfNeeded: (e &>> 8) & 0xFF)
                lane &+= 1
                if lane == lanes { lane = 0 }
            }
            for i in full..<n {
                output[i] = UInt8(truncatingIfNeeded: entries[x[i % lanes]] &>> 16)
            }
        }
        guard bit == startBit + laneStream.bitCount else {
            throw EntropyCodingError.corrupt("tANS interleaved stream used \(bit - startBit) bits but has \(laneStream.bitCount)")
        }
    }
}
