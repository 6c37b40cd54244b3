/// Bin counts beyond 255: each level's bin index `u ∈ [0, N)` is split into a *coarse* symbol
/// `u >> s`, which the entropy coder codes (an alphabet of at most 255, as for every other
/// layer), and its `s` low *fine bits*, stored raw (`.sbw` record kind 6):
///
///     u = (coarse << s) | fine,    coarse < C = ((N − 1) >> s) + 1 ≤ 255
///
/// Why a split and not an escape: bin counts above 255 are wanted at high fidelity (≥ 39 dB on
/// MobileNetV2), where the levels' distribution is wide and smooth on the scale of a few steps,
/// so the low bits of a level are nearly uniform given its high bits and coding them raw costs
/// almost nothing (`subbit bench rd` reports the gap to the levels' order-0 entropy); an escape
/// beyond ±126 levels would fire on a large share of the weights there and cost a second
/// variable-length stream. In hardware the fine bits are a second, shared stream read `P·s`
/// bits per group — the fixed-width bypass path — beside the tANS lanes.
///
/// The writer uses the fewest fine bits that fit (``fineBits(forBins:)``); a reader accepts any
/// `s` in `1…8` whose coarse alphabet fits.
///
/// ```swift
/// SplitLevels.fineBits(forBins: 509)           // 1: (508 >> 1) + 1 = 255 coarse symbols
/// SplitLevels.fineBits(forBins: 511)           // 2: at 1 bit, (510 >> 1) + 1 = 256 would not fit
/// let (coarse, fine) = try SplitLevels.split([0, 511, 1022], bins: 1023)
/// fine.indices(coarse: coarse)                 // [0, 511, 1022]
/// ```
public struct SplitLevels: Sendable, Equatable, Hashable {
    /// The largest bin count a split tensor may have: 4095, 12-bit levels — beyond the 11
    /// significant bits a float16 weight holds.
    public static let maximumBins = 4095
    /// The most fine bits a record may carry (one byte per weight in memory).
    public static let maximumFineBits = 8

    /// Fine bits `s` per weight, `1…8`.
    public let fineBits: Int
    /// Each weight's fine bits (`< 2^s`), in tensor order.
    public let values: [UInt8]

    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` for `s` outside `1…8` or a value
    ///   that does not fit in `s` bits.
    public init(fineBits: Int, values: [UInt8]) throws {
        guard (1...Self.maximumFineBits).contains(fineBits) else {
            throw EntropyCodingError.invalidParameter("fine bits \(fineBits) must be in 1…\(Self.maximumFineBits)")
        }
        let limit = 1 << fineBits
        if let bad = values.first(where: { Int($0) >= limit }) {
            throw EntropyCodingError.invalidParameter("fine value \(bad) does not fit in \(fineBits) bits")
        }
        self.fineBits = fineBits
        self.values = values
    }

    /// The coarse alphabet `C = ((N − 1) >> s) + 1` of `bins` split at `fineBits`.
    @inlinable
    public static func coarseBins(bins: Int, fineBits: Int) -> Int { ((bins - 1) >> fineBits) + 1 }

    /// The fewest fine bits whose coarse alphabet fits a byte's 255 symbols (0 for `bins ≤ 255`).
    public static func fineBits(forBins bins: Int) -> Int {
        var s = 0
        while coarseBins(bins: bins, fineBits: s) > BinCount.maximum { s += 1 }
        return s
    }

    /// Why `bins` split at `fineBits` cannot be a record, or nil: `bins` odd in `3…4095`,
    /// `fineBits` in `1…8`, the coarse alphabet at most 255.
    public static func check(bins: Int, fineBits: Int) -> String? {
        guard bins >= 3, bins <= maximumBins, bins % 2 == 1 else {
            return "split levels need an odd bin count in 3…\(maximumBins), the record has \(bins)"
        }
        guard (1...maximumFineBits).contains(fineBits) else {
            return "split levels need 1…\(maximumFineBits) fine bits, the record has \(fineBits)"
        }
        let coarse = coarseBins(bins: bins, fineBits: fineBits)
        guard coarse <= BinCount.maximum else {
            return "\(bins) bins split at \(fineBits) fine bits leave \(coarse) coarse symbols (at most \(BinCount.maximum))"
        }
        return nil
    }

    /// Splits bin indices (each `< bins`) at ``fineBits(forBins:)``.
    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` when `bins` cannot be split
    ///   (``check(bins:fineBits:)``) or an index is not below it.
    /// - Complexity: O(n).
    public static func split(_ indices: [UInt16], bins: Int) throws -> (coarse: [UInt8], fine: SplitLevels) {
        let s = max(1, fineBits(forBins: bins))
        if let problem = check(bins: bins, fineBits: s) { throw EntropyCodingError.invalidParameter(problem) }
        if let bad = indices.first(where: { Int($0) >= bins }) {
            throw EntropyCodingError.invalidParameter("bin index \(bad) is not below \(bins) bins")
        }
        let mask = UInt16((1 << s) - 1)
        let coarse = indices.map { UInt8(truncatingIfNeeded: $0 >> UInt16(s)) }
        let fine = indices.map { UInt8(truncatingIfNeeded: $0 & mask) }
        return (coarse, try SplitLevels(fineBits: s, values: fine))
    }

    /// The first bin index `(coarse << s) | fine` that is not below `bins`, or nil. The last
    /// coarse symbol covers up to `2^s` indices, of which only `((bins − 1) & (2^s − 1)) + 1`
    /// exist: a stream can name one past the alphabet, which a reader must refuse.
    /// - Complexity: O(n).
    public func firstIndexOutOfRange(coarse: [UInt8], bins: Int) -> Int? {
        let s = fineBits
        for i in values.indices where (Int(coarse[i]) << s | Int(values[i])) >= bins {
            return Int(coarse[i]) << s | Int(values[i])
        }
        return nil
    }

    /// The bin indices `(coarse << s) | fine`.
    /// - Precondition: `coarse.count == values.count`.
    public func indices(coarse: [UInt8]) -> [UInt16] {
        precondition(coarse.count == values.count, "one coarse symbol per fine value")
        let s = UInt16(fineBits)
        return zip(coarse, values).map { UInt16($0) << s | UInt16($1) }
    }

    /// The reconstructed weights `(u − K)·step`, `K = (bins − 1) / 2`, each one `Float`
    /// multiplication as for every other layer.
    public func dequantize(coarse: [UInt8], bins: Int, step: Float) -> [Float] {
        let k = (bins - 1) / 2
        let s = fineBits
        precondition(coarse.count == values.count, "one coarse symbol per fine value")
        return [Float](unsafeUninitializedCapacity: values.count) { out, initialized in
            for i in values.indices {
                let u = Int(coarse[i]) << s | Int(values[i])
                out[i] = Float(min(u, bins - 1) &- k) * step
            }
            initialized = values.count
        }
    }

    /// Raw bits stored: `n · s`.
    public var bitCount: Int { values.count * fineBits }

    /// Bytes of the packed fine bits, `⌈n·s / 8⌉`.
    public static func packedByteCount(count: Int, fineBits: Int) -> Int { (count * fineBits + 7) / 8 }

    /// The fine bits packed with the module's ``BitWriter`` (most significant bit first, weight
    /// after weight), the last byte's unused low bits zero.
    /// - Complexity: O(n).
    public func packed() -> [UInt8] {
        var writer = BitWriter()
        writer.reserveCapacity(bits: bitCount)
        for v in values { writer.write(UInt64(v), bitCount: fineBits) }
        return writer.bytes
    }

    /// Reads `count` values of `fineBits` from ``packed()`` bytes.
    /// - Throws: ``EntropyCodingError/corrupt(_:)`` when the byte count is not
    ///   ``packedByteCount(count:fineBits:)`` or the unused low bits of the last byte are not zero.
    public init(packed bytes: ArraySlice<UInt8>, count: Int, fineBits: Int) throws {
        guard (1...Self.maximumFineBits).contains(fineBits) else {
            throw EntropyCodingError.corrupt("fine bits \(fineBits) must be in 1…\(Self.maximumFineBits)")
        }
        let expected = Self.packedByteCount(count: count, fineBits: fineBits)
        guard bytes.count == expected else {
            throw EntropyCodingError.corrupt("\(bytes.count) bytes of fine bits for \(count) weights of \(fineBits) bits (expected \(expected))")
        }
        var reader = BitReader(bytes: Array(bytes))
        var values = [UInt8](repeating: 0, count: count)
        for i in 0..<count { values[i] = UInt8(truncatingIfNeeded: try reader.read(bitCount: fineBits, "fine bits")) }
        guard try reader.read(bitCount: reader.bitsRemaining, "padding") == 0 else {
            throw EntropyCodingError.corrupt("the fine bits' padding is not zero")
        }
        self.fineBits = fineBits
        self.values = values
    }
}
