import EntropyCoding

/// How the quantized layers of a model are entropy coded: codec, tANS table log, lanes and
/// stream layout.
///
/// `tableLog` and `lanes` shape the tANS coder (`R ∈ 5…15`, `P ∈ 1…64`); Huffman,
/// fixed-width and rANS (15-bit precision) ignore them. The rate–distortion calibration
/// always measures the tANS size with these parameters (`rateModel`), and reports always
/// compare fixed-width, Huffman and this tANS configuration.
///
/// ```swift
/// let options = try CodecOptions(codec: .tans, tableLog: 11, lanes: 8)
/// options.configuration      // .tans(tableLog: 11, lanes: 8, layout: .split)
/// ```
public struct CodecOptions: Hashable, Sendable {
    public let codec: CodecKind
    public let tableLog: Int
    public let lanes: Int
    public let layout: TANSLayout
    /// How the `.sbw` file stores tensor names (plain, version 1, by default; front coded,
    /// version 2, is smaller — ``SBWFile/NameCoding``). Changes no coded stream.
    public var nameCoding: SBWFile.NameCoding = .plain
    /// How each quantized tensor's stored form is chosen: the configured tANS table log for
    /// every tensor, or per tensor the smallest of tANS at table logs 5…R and fixed-width
    /// (``LayerForm``; tANS only). Changes no symbol, only how each tensor's symbols are coded.
    public var layerForm: LayerForm = .configured

    public init(codec: CodecKind = .tans, tableLog: Int = 11, lanes: Int = 1, layout: TANSLayout = .split) throws {
        guard TANSCodec.tableLogs.contains(tableLog) else {
            throw CodecOptionsError.tableLog(tableLog)
        }
        guard TANSCodec.laneCounts.contains(lanes) else {
            throw CodecOptionsError.lanes(lanes)
        }
        self.codec = codec
        self.tableLog = tableLog
        self.lanes = lanes
        self.layout = layout
    }

    /// The tANS configuration (used for the report and the calibration whatever `codec` is).
    public var tans: CodecConfiguration { .tans(tableLog: tableLog, lanes: lanes, layout: layout) }

    /// The configuration the `.sbw` file is written with.
    public var configuration: CodecConfiguration {
        switch codec {
        case .tans: return tans
        case .huffman: return .huffman()
        case .fixedWidth: return .fixedWidth
        case .rans: return .rans()
        }
    }

    /// The exact tANS coded size, for the rate–distortion calibration.
    public var rateModel: RateModel { .coded(tans) }
}

/// Out-of-range codec parameters.
public enum CodecOptionsError: Error, Equatable, CustomStringConvertible {
    case tableLog(Int)
    case lanes(Int)

    public var description: String {
        switch self {
        case .tableLog(let r):
            return "table log \(r) is out of range: use \(TANSCodec.tableLogs.lowerBound)…\(TANSCodec.tableLogs.upperBound) (table size 2^R)"
        case .lanes(let p):
            return "lane count \(p) is out of range: use \(TANSCodec.laneCounts.lowerBound)…\(TANSCodec.laneCounts.upperBound)"
        }
    }
}

#if canImport(Foundation)
import Foundation
extension CodecOptionsError: LocalizedError {
    public var errorDescription: String? { description }
}
#endif

/// The coded sizes of one layer's symbols with the three coders a report compares, in bytes as
/// serialized (header, byte padding and payload). A layer of split levels (``SplitLevels``) adds
/// its packed fine bits to each coder's size of its coarse symbols (for fixed-width that is
/// ⌈log₂ C⌉ + s = ⌈log₂ N⌉ bits per weight).
public struct LayerCodeSizes: Hashable, Sendable {
    public var fixedWidth: Int
    public var huffman: Int
    public var tans: Int

    public init(symbols: [UInt8], bins: Int, options: CodecOptions) throws {
        fixedWidth = try CodecConfiguration.fixedWidth.encode(symbols, alphabetSize: bins).serialized().count
        huffman = try CodecConfiguration.huffman().encode(symbols, alphabetSize: bins).serialized().count
        tans = try options.tans.encode(symbols, alphabetSize: bins).serialized().count
    }

    /// The sizes of a tensor's coded symbols (and, with split levels, its fine bits).
    public init(_ tensor: QuantizedTensor, options: CodecOptions) throws {
        guard let split = tensor.splitLevels else {
            try self.init(symbols: tensor.symbols, bins: tensor.quantizer.bins, options: options)
            return
        }
        try self.init(symbols: tensor.symbols, bins: tensor.codedAlphabetSize, options: options)
        let fine = SplitLevels.packedByteCount(count: split.values.count, fineBits: split.fineBits)
        fixedWidth += fine
        huffman += fine
        tans += fine
    }
}
