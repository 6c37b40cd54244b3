/// The codecs a quantized tensor can be stored with.
public enum CodecKind: String, Sendable, CaseIterable, Hashable {
    case tans
    case huffman
    case fixedWidth = "fixed"
    case rans

    /// One-byte tag in `.sbw` files.
    var tag: UInt8 {
        switch self {
        case .tans: return 0
        case .huffman: return 1
        case .fixedWidth: return 2
        case .rans: return 3
        }
    }

    init?(tag: UInt8) {
        switch tag {
        case 0: self = .tans
        case 1: self = .huffman
        case 2: self = .fixedWidth
        case 3: self = .rans
        default: return nil
        }
    }
}

/// A codec with its parameters: what to encode a symbol sequence with.
///
/// ```swift
/// let config = CodecConfiguration.tans(tableLog: 12, lanes: 4, layout: .interleaved)
/// let coded = try config.encode(symbols, alphabetSize: 15)
/// ```
public enum CodecConfiguration: Sendable, Equatable, Hashable {
    case tans(tableLog: Int, lanes: Int = 1, layout: TANSLayout = .split, escape: TANSEscapePolicy = .automatic)
    case huffman(maxCodeLength: Int = HuffmanCodec.maxCodeLengthLimit)
    case fixedWidth
    case rans(precisionBits: Int = 15)

    public var kind: CodecKind {
        switch self {
        case .tans: return .tans
        case .huffman: return .huffman
        case .fixedWidth: return .fixedWidth
        case .rans: return .rans
        }
    }

    public func encode(_ symbols: [UInt8], alphabetSize: Int) throws -> CodedSymbols {
        switch self {
        case let .tans(tableLog, lanes, layout, escape):
            return .tans(try TANSCodec.encode(symbols, alphabetSize: alphabetSize, tableLog: tableLog,
                                              lanes: lanes, layout: layout, escape: escape))
        case let .huffman(maxCodeLength):
            return .huffman(try HuffmanCodec.encode(symbols, alphabetSize: alphabetSize, maxCodeLength: maxCodeLength))
        case .fixedWidth:
            return .fixedWidth(try FixedWidthCodec.encode(symbols, alphabetSize: alphabetSize))
        case let .rans(precisionBits):
            return .rans(try RANSCodec.encode(symbols, alphabetSize: alphabetSize, precisionBits: precisionBits))
        }
    }
}

/// A coded symbol sequence of any codec, with exact size accounting.
public enum CodedSymbols: Sendable, Equatable, Hashable {
    case tans(TANSEncoded)
    case huffman(HuffmanEncoded)
    case fixedWidth(FixedWidthEncoded)
    case rans(RANSEncoded)

    public var kind: CodecKind {
        switch self {
        case .tans: return .tans
        case .huffman: return .huffman
        case .fixedWidth: return .fixedWidth
        case .rans: return .rans
        }
    }

    /// The wrapped encoding, whatever its codec.
    public var stream: any SymbolStreamEncoding {
        switch self {
        case .tans(let e): return e
        case .huffman(let e): return e
        case .fixedWidth(let e): return e
        case .rans(let e): return e
        }
    }

    public var symbolCount: Int { stream.symbolCount }
    public var alphabetSize: Int { stream.alphabetSize }
    /// Exact header bits (tables, states, lengths — everything but the payload).
    public var headerBits: Int { stream.headerBits }
    /// Exact payload bits.
    public var payloadBits: Int { stream.payloadBits }
    public var totalBits: Int { headerBits + payloadBits }

    public func decode() throws -> [UInt8] { try stream.decode() }

    /// The codec's byte serialization (header padded to a byte, then payload).
    public func serialized() -> [UInt8] { stream.serialized() }

    public init(kind: CodecKind, serialized bytes: [UInt8], maxSymbolCount: Int = 1 << 32) throws {
        switch kind {
        case .tans: self = .tans(try TANSEncoded(serialized: bytes, maxSymbolCount: maxSymbolCount))
        case .huffman: self = .huffman(try HuffmanEncoded(serialized: bytes, maxSymbolCount: maxSymbolCount))
        case .fixedWidth: self = .fixedWidth(try FixedWidthEncoded(serialized: bytes, maxSymbolCount: maxSymbolCount))
        case .rans: self = .rans(try RANSEncoded(serialized: bytes, maxSymbolCount: maxSymbolCount))
        }
    }
}
