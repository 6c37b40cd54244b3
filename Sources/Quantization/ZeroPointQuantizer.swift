import EntropyCoding

/// A symmetric uniform quantizer with an odd number of bins, so that zero is always a level.
///
/// `N = 2K + 1` bins with step `Δ`: a weight `w` maps to the level
/// `q = clamp(round(w / Δ), −K, K)` and is stored as the symbol `q + K ∈ [0, N)`; it
/// dequantizes to `q · Δ`. `N = 1` (`K = 0`) prunes the tensor: every weight becomes `0`.
///
/// **Rounding rule:** round half away from zero (`Float.rounded()`, i.e.
/// `.toNearestOrAwayFromZero`), used everywhere in SubBit. It is symmetric
/// (`q(−w) = −q(w)`), which keeps the zero bin centred. The division `w / Δ` is done in
/// `Float`, so quantization is bit-reproducible on every IEEE-754 platform.
/// A NaN weight maps to the zero level; `±∞` clamp to `±K`.
///
/// ```swift
/// let q = try ZeroPointQuantizer(bins: 7, step: 0.1)   // levels −0.3 … 0.3
/// q.symbol(for: 0.26)        // 6   (level +3)
/// q.level(for: -0.04)        // 0
/// q.dequantize(symbol: 6)    // 0.3 (as Float: 3 * 0.1)
/// ```
public struct ZeroPointQuantizer: Hashable, Sendable, CustomStringConvertible {
    /// The largest bin count coded whole (``BinCount/maximum``: a symbol is one byte; the count
    /// is odd). Every calibration, RDOQ, dependent quantization, per-channel steps and training
    /// stay within it.
    public static let maxBins = BinCount.maximum
    /// The largest bin count at all (``SplitLevels/maximumBins``, 4095): fixed-bin quantization
    /// above ``maxBins`` stores each level split into a coded coarse symbol and raw fine bits
    /// (``indices(_:)``, `.sbw` record kind 6).
    public static let maxSplitBins = SplitLevels.maximumBins

    /// Number of bins `N = 2K + 1`, odd, in `1 … 4095` (above 255: ``isSplit``).
    public let bins: Int
    /// Quantization step `Δ > 0` (finite).
    public let step: Float

    /// Creates a quantizer, or throws if `bins` is not an odd number in `1 … 4095` or `step`
    /// is not a positive finite number.
    public init(bins: Int, step: Float) throws {
        guard BinCount.isValid(bins) || Self.isValidSplit(bins) else {
            throw QuantizationError.invalidBinCount(bins)
        }
        guard step.isFinite, step > 0 else { throw QuantizationError.invalidStep(step) }
        self.bins = bins
        self.step = step
    }

    /// Whether `bins` is an odd count above 255 and at most ``maxSplitBins``.
    public static func isValidSplit(_ bins: Int) -> Bool { bins > maxBins && bins <= maxSplitBins && bins % 2 == 1 }

    /// Whether the levels exceed a byte (N > 255): they are stored as ``indices(_:)`` split by
    /// ``SplitLevels``; ``symbol(for:)``, ``quantize(_:)`` and byte symbols do not apply.
    @inlinable public var isSplit: Bool { bins > Self.maxBins }

    /// `K = (N − 1) / 2`: the largest level magnitude.
    @inlinable public var maxLevel: Int { (bins - 1) / 2 }

    /// The largest reconstructed magnitude, `K · Δ`.
    @inlinable public var range: Float { Float(maxLevel) * step }

    /// The signed level `q ∈ [−K, K]` of a weight.
    ///
    /// Clamping before rounding gives the same level (rounding is monotone and `±K` are
    /// integers) and bounds `|t| ≤ 2047`, so `t ± 0.5` is exact in `Double` and truncation
    /// finishes round-half-away-from-zero without a `roundf` call in the hot loop.
    @inlinable @inline(__always)
    public func level(for weight: Float) -> Int {
        let k = Float(maxLevel)
        var t = weight / step
        // Written so that NaN fails both comparisons and lands on zero.
        if t > k { t = k } else if t < -k { t = -k } else if t.isNaN { return 0 }
        let d = Double(t)
        return Int(d < 0 ? d - 0.5 : d + 0.5)
    }

    /// The stored symbol `q + K ∈ [0, N)` of a weight.
    @inlinable @inline(__always)
    public func symbol(for weight: Float) -> UInt8 {
        UInt8(truncatingIfNeeded: level(for: weight) &+ maxLevel)
    }

    /// The reconstructed weight of a symbol, `(s − K) · Δ`, computed as one `Float`
    /// multiplication so that every decoder reproduces it bit for bit.
    @inlinable @inline(__always)
    public func dequantize(symbol: UInt8) -> Float {
        Float(Int(symbol) &- maxLevel) * step
    }

    /// The reconstructed weight `q(w) · Δ`.
    @inlinable @inline(__always)
    public func fakeQuantize(_ weight: Float) -> Float {
        Float(level(for: weight)) * step
    }

    /// Straight-through gradient of the fake-quantized weight with respect to the weight:
    /// 1 inside the range (`|w/Δ| ≤ K`), 0 where the weight is clipped.
    @inlinable @inline(__always)
    public func straightThroughGradient(_ weight: Float) -> Float {
        abs(weight / step) <= Float(maxLevel) ? 1 : 0
    }

    /// LSQ gradient (Esser et al., arXiv 1902.08153) of the fake-quantized weight `ŵ = q·Δ`
    /// with respect to the step: `q − w/Δ` inside the range (rounding passed straight
    /// through), `±K` where the weight is clipped. Training multiplies it by `∂L/∂ŵ` (and, as
    /// LSQ recommends, a scale `1/√(n·K)`).
    @inlinable @inline(__always)
    public func stepGradient(_ weight: Float) -> Float {
        let t = weight / step
        let k = Float(maxLevel)
        if t > k { return k }
        if t < -k { return -k }
        return Float(level(for: weight)) - t
    }

    /// Bin indices `q + K ∈ [0, N)` of every weight, in order — for any bin count (the only form
    /// for ``isSplit`` quantizers).
    @inlinable
    public func indices(_ weights: [Float]) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: weights.count) { out, initialized in
            weights.withUnsafeBufferPointer { w in
                for i in w.indices { out[i] = UInt16(truncatingIfNeeded: level(for: w[i]) &+ maxLevel) }
            }
            initialized = weights.count
        }
    }

    /// The reconstructed weight of a bin index, `(u − K) · Δ` (indices `≥ N` clamp to the top).
    @inlinable
    public func dequantize(index: UInt16) -> Float {
        Float(min(Int(index), bins - 1) &- maxLevel) * step
    }

    /// Symbols of every weight, in order.
    /// - Precondition: not ``isSplit`` (a symbol is one byte; use ``indices(_:)``).
    @inlinable
    public func quantize(_ weights: [Float]) -> [UInt8] {
        precondition(!isSplit, "\(bins) bins do not fit byte symbols: use indices(_:)")
        return [UInt8](unsafeUninitializedCapacity: weights.count) { out, initialized in
            weights.withUnsafeBufferPointer { w in
                for i in w.indices { out[i] = symbol(for: w[i]) }
            }
            initialized = weights.count
        }
    }

    /// Reconstructed weights of every symbol, in order. Symbols `≥ N` (which a valid
    /// stream never holds) clamp to the top level.
    @inlinable
    public func dequantize(_ symbols: [UInt8]) -> [Float] {
        let top = UInt8(min(bins - 1, 255))
        return [Float](unsafeUninitializedCapacity: symbols.count) { out, initialized in
            symbols.withUnsafeBufferPointer { s in
                for i in s.indices { out[i] = dequantize(symbol: min(s[i], top)) }
            }
            initialized = symbols.count
        }
    }

    /// Symbol counts, indexed by symbol (`bins` entries).
    @inlinable
    public func histogram(_ weights: [Float]) -> [Int] {
        var counts = [Int](repeating: 0, count: bins)
        counts.withUnsafeMutableBufferPointer { c in
            weights.withUnsafeBufferPointer { w in
                for x in w { c[level(for: x) &+ maxLevel] &+= 1 }
            }
        }
        return counts
    }

    public var description: String { "ZeroPointQuantizer(bins: \(bins), step: \(step))" }
}
