import EntropyCoding

/// The coded size, in bits, of one quantized layer — what the rate–distortion calibration
/// trades against squared error.
///
/// It receives the candidate's symbols and their histogram (`counts.count` = bins).
/// `RateModel.entropy` is the ideal order-0 size `n·H` (counts only); `RateModel.coded(…)` is
/// the codec's exact size: it encodes the symbols and returns the coded bits, header
/// (normalized counts, lane states and stream lengths) included.
///
/// ```swift
/// RateModel.entropy.bits([0, 0, 1], [2, 1])    // 3 · H(2/3, 1/3) ≈ 2.75
/// let tans = RateModel.coded(.tans(tableLog: 11, lanes: 4))
/// ```
public struct RateModel: Sendable {
    /// A short name for reports ("entropy", "tans").
    public let name: String
    /// Bits to code `symbols`, whose histogram is `counts`.
    public let bits: @Sendable (_ symbols: [UInt8], _ counts: [Int]) -> Double
    /// Whether `bits` reads the symbols (otherwise callers may pass an empty array).
    let needsSymbols: Bool

    public init(name: String, needsSymbols: Bool,
                bits: @escaping @Sendable (_ symbols: [UInt8], _ counts: [Int]) -> Double) {
        self.name = name
        self.needsSymbols = needsSymbols
        self.bits = bits
    }

    /// `n · H(counts)`: the order-0 information content, with no header.
    public static let entropy = RateModel(name: "entropy", needsSymbols: false) { _, counts in
        EmpiricalEntropy.totalBits(counts: counts)
    }

    /// The exact coded size with `configuration` (header and payload bits). A configuration
    /// that cannot code the symbols (it never happens for the codecs' supported parameters)
    /// counts as infinitely expensive, so the calibration avoids it.
    public static func coded(_ configuration: CodecConfiguration) -> RateModel {
        RateModel(name: configuration.kind.rawValue, needsSymbols: true) { symbols, counts in
            guard let coded = try? configuration.encode(symbols, alphabetSize: counts.count) else { return .infinity }
            return Double(coded.totalBits)
        }
    }
}
