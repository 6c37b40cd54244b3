import EntropyCoding
import Quantization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a layer's alphabet costs beyond its coded symbols, in bits, as a function of its
/// precision `k` (`N = 2K + 1` bins) — the terms that give the learned precision a gradient the
/// order-0 entropy cannot (an unused outer bin costs no entropy).
///
/// **Table description** (`alphabetRate`). The bits ``NormalizedCountsCoding`` writes for the
/// layer's tANS table: the hard histogram of `clamp(round(w/Δ), −K, K)` over the `2K + 1`
/// symbols, normalized with ``NormalizedCounts`` (the codec's own optimal normalization) at the
/// reference table log, then counted exactly with ``NormalizedCountsCoding/bitCount(_:)``. A
/// layer of one symbol (`K = 0`, or every weight in one bin) is stored in constant mode: 0 bits.
/// The other fields of the stored layer do not depend on `N` (the alphabet size is a fixed 8-bit
/// field of the stream header; the `.sbw` bins varint is one byte up to 127 bins), so this is the
/// whole of the file's dependence on the alphabet. The cost is piecewise constant in the weights
/// and the step (it moves only when a weight changes bin), so it gives them no gradient; in `k`
/// it is interpolated between `K₀ = ⌊k⌋` and `K₁ = K₀ + 1` exactly as the entropy and the forward
/// pass are (``FakeQuantizer/interpolation``): `T(k) = (1 − α)·T(K₀) + α·T(K₁)`, so
/// `∂T/∂k = T(K₁) − T(K₀)` — non-zero where clipping the outer levels changes the present symbols
/// (and by the zero-run code of empty outer bins, a few bits, above them).
///
/// **Decoder table** (`tableWeight`). The hardware decoder loads, per layer, `L = 2^R` entries of
/// `⌈log₂N⌉ + ⌈log₂(R+1)⌉ + R` bits (symbol, nbBits, new-state base: the entry of
/// `DecoderCostModel`'s geometry). The symbol field `⌈log₂N⌉` is a staircase in `k` whose
/// derivative is zero almost everywhere, so the precision sees the smooth surrogate
/// `s(k) = log₂(2k + 2) = log₂(N + 1)`: it equals `⌈log₂N⌉` exactly at N = 3, 7, 15, 31, 63, 127,
/// 255 (the bin counts the fixed policies use), lies at most one bit below it in between, is
/// increasing and concave like the staircase, and `∂s/∂k = 1/((k + 1)·ln 2)`. (At N = 1 it reads
/// 1 bit where a pruned layer needs no table; the surrogate does not model pruning.) The cost
/// `D(k) = L·(s(k) + ⌈log₂(R+1)⌉ + R)` is weighted by `tableWeight` — the price of one decoder
/// table bit in units of one stored bit.
///
/// A layer's extra bits `E = [alphabetRate]·T + tableWeight·D` enter the rate as `E/n` per weight
/// of the layer beside its entropy, i.e. `R = Σ_l (n_l·Ĥ_l + E_l) / Σ_l n_l` — total bits per weight.
///
/// ```swift
/// let cost = AlphabetCost(alphabetRate: true, tableWeight: 0.1, tableLog: 10)
/// let e = cost.bits(weights: w, quantizer: q)     // e.value bits, e.precisionGradient bits per unit k
/// ```
/// - Complexity: `O(n + N·m)` per layer (`n` weights, `m` normalization moves, about `N`).
public struct AlphabetCost: Sendable, Hashable {
    /// Whether the tANS table description is charged.
    public var alphabetRate: Bool
    /// Weight of the hardware decoder's table bits (0: not charged).
    public var tableWeight: Double
    /// The table log `R` the costs are computed at (the training does not know which table logs
    /// the sweep will code with).
    public var tableLog: Int

    public init(alphabetRate: Bool, tableWeight: Double, tableLog: Int) {
        self.alphabetRate = alphabetRate
        self.tableWeight = tableWeight
        self.tableLog = tableLog
    }

    /// Whether any term is charged.
    public var isActive: Bool { alphabetRate || tableWeight > 0 }

    /// The layer's extra bits `E(k)` and `∂E/∂k` (zero when the precision is fixed).
    public func bits(weights: UnsafeBufferPointer<Float>, quantizer q: FakeQuantizer) -> (value: Double, precisionGradient: Double) {
        var value = 0.0, gradient = 0.0
        let (k0, k1, alpha) = q.interpolation
        if alphabetRate {
            let levels = Self.levelHistogram(weights, step: q.step)
            let t0 = Double(Self.tableDescriptionBits(levels: levels, halfBins: k0, tableLog: tableLog))
            if q.learnsPrecision {
                let t1 = k1 == k0 ? t0 : Double(Self.tableDescriptionBits(levels: levels, halfBins: k1, tableLog: tableLog))
                value += (1 - Double(alpha)) * t0 + Double(alpha) * t1
                gradient += t1 - t0
            } else {
                value += t0
            }
        }
        if tableWeight > 0 {
            let k = q.learnsPrecision ? Double(min(max(q.precision, 0), FakeQuantizer.maxPrecision)) : Double(k0)
            let entries = Double(1 << tableLog)
            let fixedFields = Double(Self.bitsToRepresent(tableLog) + tableLog)
            value += tableWeight * entries * (Self.symbolWidthSurrogate(k) + fixedFields)
            if q.learnsPrecision { gradient += tableWeight * entries / ((k + 1) * M_LN2) }
        }
        return (value, gradient)
    }

    /// `s(k) = log₂(2k + 2)`, the differentiable stand-in for the symbol width `⌈log₂(2K + 1)⌉`.
    static func symbolWidthSurrogate(_ k: Double) -> Double { log2(2 * k + 2) }

    /// `⌈log₂(v + 1)⌉`: the bits of a field holding 0…v (the decoder's nbBits field for v = R).
    static func bitsToRepresent(_ v: Int) -> Int { v <= 0 ? 0 : Int.bitWidth - v.leadingZeroBitCount }

    /// Counts of `round(w/Δ)` by level `−M…M` (`M` = 127, the largest half-bin count), index
    /// `level + M`; levels beyond `±M` (and NaN, as the quantizer does) are counted at the edge / zero.
    static func levelHistogram(_ w: UnsafeBufferPointer<Float>, step: Float) -> [Int] {
        let m = Int(FakeQuantizer.maxPrecision)
        var counts = [Int](repeating: 0, count: 2 * m + 1)
        let inverse = 1 / step
        let limit = Float(m)
        for v in w {
            let r = (v * inverse).rounded()
            let level = r.isNaN ? 0 : Int(min(max(r, -limit), limit))
            counts[level + m] += 1
        }
        return counts
    }

    /// Exact bits of the normalized-counts description of the histogram clipped to `2K + 1`
    /// symbols at table log `tableLog`; 0 when at most one symbol is present (constant mode).
    static func tableDescriptionBits(levels: [Int], halfBins K: Int, tableLog: Int) -> Int {
        let m = (levels.count - 1) / 2
        guard K > 0 else { return 0 }
        var clipped = [Int](repeating: 0, count: 2 * K + 1)
        for (index, count) in levels.enumerated() where count > 0 {
            let level = min(max(index - m, -K), K)
            clipped[level + K] += count
        }
        guard clipped.reduce(0, { $0 + ($1 > 0 ? 1 : 0) }) > 1,
              let counts = try? NormalizedCounts(histogram: clipped, tableLog: tableLog) else { return 0 }
        return NormalizedCountsCoding.bitCount(counts)
    }
}
