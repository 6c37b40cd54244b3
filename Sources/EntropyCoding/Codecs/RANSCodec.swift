/// Range ANS with a 32-bit state and byte-wise renormalisation (after F. Giesen's `rans_byte`),
/// a comparison baseline. It uses the same optimal ``NormalizedCounts`` at `precisionBits`.
///
/// The encoder runs over the symbols backwards, from state `2^23`, and writes renormalisation
/// bytes backwards; the decoder starts from the final encoder state (stored in the header),
/// reads bytes forward, and must end exactly in state `2^23` with every byte consumed.
///
/// ```swift
/// let coded = try RANSCodec.encode([0, 1, 0, 0, 2], alphabetSize: 3)
/// try RANSCodec.decode(coded) == [0, 1, 0, 0, 2]
/// ```
public enum RANSCodec {
    static let lowerBound: UInt32 = 1 << 23
    public static let precisionRange = 1...16

    public static func encode(_ symbols: [UInt8], alphabetSize: Int, precisionBits: Int = 15) throws -> RANSEncoded {
        guard TANSCodec.alphabetSizes.contains(alphabetSize) else {
            throw EntropyCodingError.invalidParameter("alphabet size \(alphabetSize) is outside 1…256")
        }
        guard precisionRange.contains(precisionBits) else {
            throw EntropyCodingError.invalidParameter("rANS precision \(precisionBits) is outside 1…16")
        }
        let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: alphabetSize)
        let present = histogram.filter { $0 > 0 }.count
        guard present >= 2 else {
            return RANSEncoded(symbolCount: symbols.count, alphabetSize: alphabetSize,
                               constantSymbol: UInt8(histogram.firstIndex { $0 > 0 } ?? 0), counts: nil, finalState: 0, payload: [])
        }
        let counts = try NormalizedCounts(histogram: histogram, tableLog: precisionBits)
        var cumulative = [UInt32](repeating: 0, count: alphabetSize + 1)
        for s in 0..<alphabetSize { cumulative[s + 1] = cumulative[s] + UInt32(counts.counts[s]) }
        let capacity = symbols.count * 4 + 16
        var buffer = [UInt8](repeating: 0, count: capacity)
        var position = capacity
        var x = lowerBound
        let scale = UInt32(precisionBits)
        for s in symbols.reversed() {
            let f = UInt32(counts.counts[Int(s)])
            let xMax = ((lowerBound >> scale) << 8) * f
            while x >= xMax {
                position -= 1
                buffer[position] = UInt8(truncatingIfNeeded: x)
                x >>= 8
            }
            x = ((x / f) << scale) + (x % f) + cumulative[Int(s)]
        }
        return RANSEncoded(symbolCount: symbols.count, alphabetSize: alphabetSize, constantSymbol: nil,
                           counts: counts, finalState: x, payload: Array(buffer[position...]))
    }

    public static func decode(_ encoded: RANSEncoded) throws -> [UInt8] {
        let n = encoded.symbolCount
        guard let counts = encoded.counts else { return [UInt8](repeating: encoded.constantSymbol ?? 0, count: n) }
        let scale = UInt32(counts.tableLog)
        let mask = (UInt32(1) << scale) - 1
        var slotSymbol = [UInt8](repeating: 0, count: counts.tableSize)
        var cumulative = [UInt32](repeating: 0, count: counts.alphabetSize + 1)
        for s in 0..<counts.alphabetSize {
            cumulative[s + 1] = cumulative[s] + UInt32(counts.counts[s])
            for slot in Int(cumulative[s])..<Int(cumulative[s + 1]) { slotSymbol[slot] = UInt8(s) }
        }
        var x = encoded.finalState
        guard x >= lowerBound else { throw EntropyCodingError.corrupt("rANS final state is below 2^23") }
        var output = [UInt8](repeating: 0, count: n)
        var position = 0
        let payload = encoded.payload
        for i in 0..<n {
            let slot = x & mask
            let s = Int(slotSymbol[Int(slot)])
            output[i] = UInt8(s)
            x = UInt32(counts.counts[s]) &* (x >> scale) &+ slot &- cumulative[s]
            while x < lowerBound {
                guard position < payload.count else { throw EntropyCodingError.corrupt("rANS stream read past its end") }
                x = (x << 8) | UInt32(payload[position])
                position += 1
            }
        }
        guard position == payload.count, x == lowerBound else {
            throw EntropyCodingError.corrupt("rANS stream did not end in its initial state with every byte consumed")
        }
        return output
    }
}

/// An rANS-coded sequence. Header: mode (1 bit: constant), alphabet size − 1 (8), symbol count
/// (6-bit width + value); constant: symbol (8); else precision (5 bits), the normalized counts
/// (``NormalizedCountsCoding``), the final state (32) and the payload byte count.
public struct RANSEncoded: SymbolStreamEncoding, Equatable, Hashable {
    public var symbolCount: Int
    public var alphabetSize: Int
    public var constantSymbol: UInt8?
    public var counts: NormalizedCounts?
    public var finalState: UInt32
    public var payload: [UInt8]

    public var payloadBits: Int { payload.count * 8 }

    public func decode() throws -> [UInt8] { try RANSCodec.decode(self) }

    public func writeHeader(to writer: inout BitWriter) {
        writer.write(bit: counts == nil)
        writer.write(UInt64(alphabetSize - 1), bitCount: 8)
        writer.writeLengthPrefixed(symbolCount)
        guard let counts else {
            writer.write(UInt64(constantSymbol ?? 0), bitCount: 8)
            return
        }
        writer.write(UInt64(counts.tableLog), bitCount: 5)
        NormalizedCountsCoding.write(counts, to: &writer)
        writer.write(UInt64(finalState), bitCount: 32)
        writer.writeLengthPrefixed(payload.count)
    }


    public init(symbolCount: Int, alphabetSize: Int, constantSymbol: UInt8?, counts: NormalizedCounts?, finalState: UInt32, payload: [UInt8]) {
        self.symbolCount = symbolCount
        self.alphabetSize = alphabetSize
        self.constantSymbol = constantSymbol
        self.counts = counts
        self.finalState = finalState
        self.payload = payload
    }

    public init(serialized bytes: [UInt8], maxSymbolCount: Int = 1 << 32) throws {
        var reader = BitReader(bytes: bytes)
        let constant = try reader.readBit("rANS mode")
        (alphabetSize, symbolCount) = try reader.readStreamSizes(maxSymbolCount: maxSymbolCount)
        finalState = 0
        payload = []
        var payloadCount = 0
        if constant {
            let s = try reader.readInt(bitCount: 8, "constant symbol")
            guard s < alphabetSize else { throw EntropyCodingError.corrupt("constant symbol \(s) outside the alphabet") }
            constantSymbol = UInt8(s)
            counts = nil
        } else {
            constantSymbol = nil
            let precision = try reader.readInt(bitCount: 5, "rANS precision")
            guard RANSCodec.precisionRange.contains(precision) else {
                throw EntropyCodingError.corrupt("rANS precision \(precision) is outside 1…16")
            }
            let counts = try NormalizedCountsCoding.read(from: &reader, alphabetSize: alphabetSize, tableLog: precision)
            self.counts = counts
            finalState = UInt32(try reader.read(bitCount: 32, "rANS final state"))
            payloadCount = try reader.readLengthPrefixed("rANS payload bytes")
        }
        reader.alignToByte()
        guard bytes.count - reader.bytePosition == payloadCount else {
            throw EntropyCodingError.corrupt("rANS payload has \(bytes.count - reader.bytePosition) bytes, expected \(payloadCount)")
        }
        payload = Array(bytes[reader.bytePosition...])
    }
}
