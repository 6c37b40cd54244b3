/// The coded size, in bits, of one quantized layer given its symbol histogram.
///
/// The rate–distortion calibration asks it for the cost of every candidate `(Δ, N)`, so it
/// must be fast (`O(N)`-ish, independent of the weight count). `Quantization` ships the
/// ideal order-0 rate; `RateModel.tANS(…)` (in `CodedRate.swift`) is the codec's exact
/// coded size, header included.
///
/// ```swift
/// let rate = RateModel.entropy
/// rate.bits([90, 5, 5])   // 100 · H(0.9, 0.05, 0.05) ≈ 56.9
/// ```
public struct RateModel: Sendable {
    /// A short name for reports ("entropy", "tans").
    public let name: String
    /// Bits to code a layer whose symbol `s` occurs `counts[s]` times (`counts.count` = bins).
    public let bits: @Sendable (_ counts: [Int]) -> Double

    public init(name: String, bits: @escaping @Sendable (_ counts: [Int]) -> Double) {
        self.name = name
        self.bits = bits
    }

    /// `n · H(counts)`: the order-0 information content, with no header.
    public static let entropy = RateModel(name: "entropy") { EmpiricalEntropy.totalBits(counts: $0) }
}
