/// Per-output-channel quantization steps, stored compactly: one float32 base step and one byte
/// per output channel (dimension 0 of the tensor), the channel's *log-step code*:
///
///     Δ_c = base · 2^(code_c / 32)
///
/// 32 codes per octave (a step is off its target by at most a factor 2^(1/64) ≈ 1.011, which
/// costs under 0.001 dB of SQNR at the MSE-optimal step, where the error is flat to first
/// order), so one byte spans a ratio of 2^(255/32) ≈ 250 between the finest and the coarsest
/// channel; the base is the finest channel's step. The bin count N (one alphabet, one entropy
/// table per layer) is shared by every channel.
///
/// **Bit-exact reconstruction.** `2^(code/32)` is `2^(code >> 5)` times a 32-entry table of
/// `Float` constants (``fractions``, fixed bit patterns, not computed by `exp2`), so
/// ``step(code:)`` is one `Float` multiplication (`base · table`) and an exact power-of-two
/// scaling: every platform (and a hardware decoder: a 32-entry ROM and a shifter) gets the same
/// steps, and a weight dequantizes to `(s − K) · Δ_c`, one more multiplication.
///
/// ```swift
/// let steps = try ChannelSteps(base: 0.01, codes: [0, 32, 64])   // Δ = 0.01, 0.02, 0.04
/// steps.step(channel: 1)   // 0.02
/// ```
public struct ChannelSteps: Sendable, Equatable, Hashable {
    /// Codes per octave of step.
    public static let codesPerOctave = 32
    /// Bits of one channel's code.
    public static let codeBits = 8
    /// The largest code (one byte).
    public static let maxCode = 255

    /// `2^(i/32)` for `i` in `0..<32`, as fixed `Float` bit patterns (rounded to nearest from
    /// the exact value).
    static let fractions: [Float] = [
        0x3F80_0000, 0x3F82_CD87, 0x3F85_AAC3, 0x3F88_980F, 0x3F8B_95C2, 0x3F8E_A43A, 0x3F91_C3D3, 0x3F94_F4F0,
        0x3F98_37F0, 0x3F9B_8D3A, 0x3F9E_F532, 0x3FA2_7043, 0x3FA5_FED7, 0x3FA9_A15B, 0x3FAD_583F, 0x3FB1_23F6,
        0x3FB5_04F3, 0x3FB8_FBAF, 0x3FBD_08A4, 0x3FC1_2C4D, 0x3FC5_672A, 0x3FC9_B9BE, 0x3FCE_248C, 0x3FD2_A81E,
        0x3FD7_44FD, 0x3FDB_FBB8, 0x3FE0_CCDF, 0x3FE5_B907, 0x3FEA_C0C7, 0x3FEF_E4BA, 0x3FF5_257D, 0x3FFA_83B3,
    ].map { Float(bitPattern: $0) }

    /// The finest channel's step (positive, finite).
    public let base: Float
    /// One code per output channel.
    public let codes: [UInt8]

    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` when the steps cannot reconstruct
    ///   (see ``check(base:codes:bins:)`` with 1 bin).
    public init(base: Float, codes: [UInt8]) throws {
        if let problem = Self.check(base: base, codes: codes, bins: 1) { throw EntropyCodingError.invalidParameter(problem) }
        self.base = base
        self.codes = codes
    }

    /// The channel count.
    public var channelCount: Int { codes.count }

    /// Bits the steps add to a record beyond one step: the channel count (a varint) and one code
    /// byte per channel (the base takes the place of the tensor's step).
    public var storedBits: Int {
        var count = [UInt8]()
        SBWFile.appendVarint(codes.count, to: &count)
        return (count.count + codes.count) * 8
    }

    /// `base · 2^(code/32)`, bit-exact (see the type's documentation).
    public static func step(base: Float, code: UInt8) -> Float {
        let c = Int(code)
        return (base * fractions[c & 31]) * Float(sign: .plus, exponent: c >> 5, significand: 1)
    }

    /// The step of channel `c`.
    public func step(channel c: Int) -> Float { Self.step(base: base, code: codes[c]) }

    /// Every channel's step.
    public var steps: [Float] { codes.map { Self.step(base: base, code: $0) } }

    /// Why a record with this base, codes and bins cannot reconstruct, or nil: the base must be a
    /// positive finite number, at least one channel, and the largest reconstruction
    /// `K · Δ_max` finite.
    public static func check(base: Float, codes: [UInt8], bins: Int) -> String? {
        guard !codes.isEmpty else { return "per-channel steps need at least one channel" }
        guard base.isFinite, base > 0 else { return "per-channel steps need a positive finite base step, the record has \(base)" }
        let top = step(base: base, code: codes.max()!)
        guard top.isFinite, (Float(max(1, (bins - 1) / 2)) * top).isFinite else {
            return "per-channel steps overflow: base \(base) with code \(codes.max()!) and \(bins) bins has no finite largest level"
        }
        return nil
    }

    /// The code whose step is nearest `target` in log scale, clamped to `0…255`:
    /// `round(32 · log₂(target / base))`.
    public static func code(for target: Float, base: Float) -> UInt8 {
        guard target.isFinite, target > base else { return 0 }
        let c = (Double(codesPerOctave) * (log2Double(Double(target) / Double(base)))).rounded()
        return UInt8(min(Double(maxCode), max(0, c)))
    }

    /// The reconstructed weights `(s − K) · Δ_c` of symbols in C order, channel `c` owning the
    /// `symbols.count / channelCount` consecutive symbols from `c · that`.
    /// - Precondition: `symbols.count` is a multiple of the channel count.
    public func dequantize(_ symbols: [UInt8], maxLevel: Int) -> [Float] {
        let perChannel = symbols.isEmpty ? 0 : symbols.count / codes.count
        precondition(perChannel * codes.count == symbols.count, "symbols are whole channels")
        var out = [Float](repeating: 0, count: symbols.count)
        for c in 0..<codes.count {
            let step = self.step(channel: c)
            for i in (c * perChannel)..<((c + 1) * perChannel) { out[i] = Float(Int(symbols[i]) &- maxLevel) * step }
        }
        return out
    }

    static func log2Double(_ x: Double) -> Double {
        // x = m · 2^e with m in [1, 2); the fraction bits of log₂ m by 30 repeated squarings
        // (no libm in this module; 30 bits are far finer than a code, 1/32 octave).
        var e = Double(x.exponent)
        var m = x.significand
        var bit = 0.5
        for _ in 0..<30 {
            m *= m
            if m >= 2 { m /= 2; e += bit }
            bit /= 2
        }
        return e
    }
}
