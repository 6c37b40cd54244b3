import EntropyCoding

/// How many bins each quantized tensor gets, for the fixed-bin post-training calibrations.
/// (Quantization-aware training's choice — learned, or one fixed count — is Training's
/// `BinPolicy`, which is also a sweep's `bin_policy` axis.)
///
/// A default bin count for every layer plus per-layer overrides (glob patterns over tensor
/// names, the first matching override wins). The rate–distortion calibration ignores it: it
/// chooses the bins of every layer itself.
///
/// ```swift
/// let policy = try LayerBins(bins: 7, overrides: [("features.0.*", 255)])
/// policy.bins(for: "features.0.0.weight")    // 255
/// policy.bins(for: "features.5.conv.1.weight") // 7
/// ```
public struct LayerBins: Hashable, Sendable, CustomStringConvertible {
    /// One per-layer override.
    public struct Override: Hashable, Sendable {
        public var pattern: String
        public var bins: Int
    }

    /// Whether some layer gets more than 255 bins (split levels).
    public var hasSplit: Bool { ([defaultBins] + overrides.map(\.bins)).contains { $0 > ZeroPointQuantizer.maxBins } }

    /// Bins of every layer that no override matches.
    public let defaultBins: Int
    /// Overrides, tried in order.
    public let overrides: [Override]

    /// Throws `QuantizationError.invalidBinCount` for a count that is not odd in `1 … 4095`
    /// (above 255 the levels are stored split, ``ZeroPointQuantizer/isSplit``).
    public init(bins: Int, overrides: [(pattern: String, bins: Int)] = []) throws {
        for n in [bins] + overrides.map(\.bins) {
            guard BinCount.isValid(n) || ZeroPointQuantizer.isValidSplit(n) else {
                throw QuantizationError.invalidBinCount(n)
            }
        }
        defaultBins = bins
        self.overrides = overrides.map { Override(pattern: $0.pattern, bins: $0.bins) }
    }

    /// The bin count for a tensor.
    public func bins(for name: String) -> Int {
        overrides.first { Glob.matches(pattern: $0.pattern, name) }?.bins ?? defaultBins
    }

    public var description: String {
        overrides.isEmpty ? "\(defaultBins) bins"
            : "\(defaultBins) bins, " + overrides.map { "\($0.pattern)=\($0.bins)" }.joined(separator: ", ")
    }
}
