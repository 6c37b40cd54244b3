/// The mixed-precision baseline: every symbol in `⌈log₂ N⌉` bits (0 bits when `N = 1`),
/// packed most significant bit first.
///
/// ```swift
/// let coded = try FixedWidthCodec.encode([0, 3, 1], alphabetSize: 5)   // 3 bits each
/// try FixedWidthCodec.decode(coded) == [0, 3, 1]
/// ```
public enum FixedWidthCodec {
    /// Bits per symbol for an alphabet of `alphabetSize` symbols.
    public static func bitsPerSymbol(alphabetSize: Int) -> Int {
        alphabetSize <= 1 ? 0 : Int.bitWidth - (alphabetSize - 1).leadingZeroBitCount
    }

    public static func encode(_ symbols: [UInt8], alphabetSize: Int) throws -> FixedWidthEncoded {
        guard TANSCodec.alphabetSizes.contains(alphabetSize) else {
            throw EntropyCodingError.invalidParameter("alphabet size \(alphabetSize) is outside 1…256")
        }
        _ = try SymbolStatistics.histogram(symbols, alphabetSize: alphabetSize)
        let width = bitsPerSymbol(alphabetSize: alphabetSize)
        var writer = BitWriter()
        writer.reserveCapacity(bits: symbols.count * width)
        if width > 0 {
            for s in symbols { writer.appendBits(UInt64(s), width) }
        }
        return FixedWidthEncoded(symbolCount: symbols.count, alphabetSize: alphabetSize, payload: writer.bytes)
    }

    public static func decode(_ encoded: FixedWidthEncoded) throws -> [UInt8] {
        let width = bitsPerSymbol(alphabetSize: encoded.alphabetSize)
        guard encoded.payload.count * 8 >= encoded.symbolCount * width else {
            throw EntropyCodingError.truncated("fixed-width payload holds fewer than \(encoded.symbolCount) symbols")
        }
        guard width > 0 else { return [UInt8](repeating: 0, count: encoded.symbolCount) }
        var output = [UInt8](repeating: 0, count: encoded.symbolCount)
        var reader = BitReader(bytes: encoded.payload)
        var bad = false
        for i in 0..<encoded.symbolCount {
            let v = try reader.read(bitCount: width)
            if v >= UInt64(encoded.alphabetSize) { bad = true }
            output[i] = UInt8(truncatingIfNeeded: v)
        }
        if bad { throw EntropyCodingError.corrupt("fixed-width payload holds a symbol outside the alphabet") }
        return output
    }
}

/// A fixed-width coded sequence. Header: alphabet size − 1 (8 bits), symbol count (6-bit width
/// + value); payload: `n·⌈log₂N⌉` bits.
public struct FixedWidthEncoded: SymbolStreamEncoding, Equatable, Hashable {
    public var symbolCount: Int
    public var alphabetSize: Int
    public var payload: [UInt8]

    public var payloadBits: Int { symbolCount * FixedWidthCodec.bitsPerSymbol(alphabetSize: alphabetSize) }

    public func decode() throws -> [UInt8] { try FixedWidthCodec.decode(self) }

    public func writeHeader(to writer: inout BitWriter) {
        writer.write(UInt64(alphabetSize - 1), bitCount: 8)
        writer.writeLengthPrefixed(symbolCount)
    }

    public init(symbolCount: Int, alphabetSize: Int, payload: [UInt8]) {
        self.symbolCount = symbolCount
        self.alphabetSize = alphabetSize
        self.payload = payload
    }

    public init(serialized bytes: [UInt8], maxSymbolCount: Int = 1 << 32) throws {
        var reader = BitReader(bytes: bytes)
        (alphabetSize, symbolCount) = try reader.readStreamSizes(maxSymbolCount: maxSymbolCount)
        reader.alignToByte()
        let bytesNeeded = (symbolCount * FixedWidthCodec.bitsPerSymbol(alphabetSize: alphabetSize) + 7) / 8
        guard bytes.count - reader.bytePosition == bytesNeeded else {
            throw EntropyCodingError.corrupt("fixed-width payload has \(bytes.count - reader.bytePosition) bytes, expected \(bytesNeeded)")
        }
        payload = Array(bytes[reader.bytePosition...])
    }
}
