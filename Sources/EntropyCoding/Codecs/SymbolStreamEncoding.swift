/// What every codec's encoded form shares: the counts, a header written bit by bit, a payload,
/// and the size accounting and byte serialization derived from those — written once here, so the
/// four codecs (and ``CodedSymbols``, which wraps any of them) cannot drift apart.
///
/// ```swift
/// let e = try HuffmanCodec.encode(symbols, alphabetSize: 7)
/// e.totalBits == e.headerBits + e.payloadBits   // true for every codec
/// ```
public protocol SymbolStreamEncoding: Sendable {
    var symbolCount: Int { get }
    var alphabetSize: Int { get }
    /// The payload bytes (after the header, which is padded to a byte).
    var payload: [UInt8] { get }
    /// Exact payload bits (without byte padding).
    var payloadBits: Int { get }
    /// Writes the header: everything the decoder needs besides the payload.
    func writeHeader(to writer: inout BitWriter)
    /// Decodes back to the symbols.
    func decode() throws -> [UInt8]
    /// The header padded to a byte, then the payload.
    func serialized() -> [UInt8]
}

extension SymbolStreamEncoding {
    /// Exact header bits.
    public var headerBits: Int {
        var writer = BitWriter()
        writeHeader(to: &writer)
        return writer.bitCount
    }

    /// `headerBits + payloadBits`.
    public var totalBits: Int { headerBits + payloadBits }

    public func serialized() -> [UInt8] {
        var writer = BitWriter()
        writeHeader(to: &writer)
        writer.padToByte()
        writer.append(bytes: payload)
        return writer.bytes
    }
}

extension BitReader {
    /// Reads the size fields every codec header starts with — alphabet size − 1 (8 bits) and
    /// the length-prefixed symbol count — refusing a count above `maxSymbolCount` before
    /// anything is sized by it. `codec` prefixes the limit message (e.g. `"tANS "`).
    mutating func readStreamSizes(maxSymbolCount: Int, codec: String = "") throws -> (alphabetSize: Int, symbolCount: Int) {
        let alphabetSize = try readInt(bitCount: 8, "alphabet size") + 1
        let symbolCount = try readLengthPrefixed("symbol count")
        guard symbolCount <= maxSymbolCount else {
            throw EntropyCodingError.corrupt("\(codec)symbol count \(symbolCount) exceeds the limit \(maxSymbolCount)")
        }
        return (alphabetSize, symbolCount)
    }
}
