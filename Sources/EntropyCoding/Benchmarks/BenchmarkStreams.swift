#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SeededRandom

extension SplitMix64 {
    /// Uniform in (0, 1], never 0 (safe for `log`).
    mutating func unitOpen() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }
}

/// The symbol streams of the codec benchmark (ISSUE must-show 2 and 4), one byte per symbol.
public enum BenchmarkStreams {
    /// Laplace scale `b` for which a Laplace(0, b) variable rounds to 0 with probability `p0`:
    /// `P(|X| < ½) = 1 − e^{−1/(2b)} = p0` ⇒ `b = −1 / (2·ln(1 − p0))`.
    public static func laplaceScale(zeroProbability p0: Double) -> Double { -0.5 / log(1 - p0) }

    /// Discretized Laplace around the zero bin: `q = clamp(round(X), −K, K)`, `X ~ Laplace(0, b)`
    /// with `b` set so that `P(q = 0) = p0`; symbol `q + K` of `bins = 2K + 1`.
    public static func laplace(count: Int, bins: Int, zeroProbability p0: Double, seed: UInt64) -> [UInt8] {
        precondition(BinCount.isValid(bins) && p0 > 0 && p0 < 1)
        var rng = SplitMix64(seed: seed)
        let k = bins / 2
        let b = laplaceScale(zeroProbability: p0)
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let r = rng.next()
            let magnitude = -b * log((Double(r >> 11) + 1) * 0x1p-53)
            var q = Int(magnitude.rounded())
            if q > k { q = k }
            if r & 1 == 1 { q = -q }
            out[i] = UInt8(q + k)
        }
        return out
    }

    /// Spike and slab: symbol `K` (zero) with probability `p0`; otherwise a non-zero level drawn
    /// from a discretized Laplace of scale `(N − 1)/8` over the whole range `−K…K` (by rejection).
    public static func spikeAndSlab(count: Int, bins: Int, zeroProbability p0: Double, seed: UInt64) -> [UInt8] {
        precondition(bins >= 3 && BinCount.isValid(bins) && p0 > 0 && p0 < 1)
        var rng = SplitMix64(seed: seed)
        let k = bins / 2
        let b = Double(bins - 1) / 8
        var out = [UInt8](repeating: UInt8(k), count: count)
        for i in 0..<count where rng.unitOpen() > p0 {
            while true {
                let r = rng.next()
                let q = Int((-b * log((Double(r >> 11) + 1) * 0x1p-53)).rounded())
                if q == 0 || q > k { continue }
                out[i] = UInt8(k + (r & 1 == 1 ? -q : q))
                break
            }
        }
        return out
    }
}
