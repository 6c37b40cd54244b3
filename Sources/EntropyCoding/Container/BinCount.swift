/// The bin counts a zero-point quantized tensor may have: odd — a zero bin and `K` bins on each
/// side, `N = 2K + 1` — and at most ``maximum``, because a symbol is stored and coded as one byte
/// (the `.sbw` record's bins field, the codecs' alphabet-size field). The one place the limit is
/// written: `ZeroPointQuantizer.maxBins`, the spec's ranges and every check read it from here.
///
/// ```swift
/// BinCount.isValid(15)    // true
/// BinCount.isValid(16)    // false: even
/// BinCount.isValid(257)   // false: over BinCount.maximum
/// ```
public enum BinCount {
    /// The largest bin count (255: symbols 0…254 fit a byte).
    public static let maximum = 255

    /// Whether `bins` is odd and in `1 … maximum`.
    @inlinable
    public static func isValid(_ bins: Int) -> Bool { bins >= 1 && bins <= maximum && bins % 2 == 1 }
}
