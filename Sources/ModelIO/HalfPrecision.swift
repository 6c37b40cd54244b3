/// Bit-level conversions between `Float` and the two 16-bit float formats.
///
/// Written out by hand (rather than using `Float16`) because `Float16` does not exist on
/// macOS on Intel, and because BF16 has no standard-library type at all. Both narrowing
/// conversions round to nearest, ties to even, like IEEE 754 and PyTorch.
enum HalfPrecision {
    /// IEEE 754 binary16 bits → Float (exact).
    @inline(__always)
    static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// Float → IEEE 754 binary16 bits, round to nearest even; overflow gives ±infinity.
    @inline(__always)
    static func halfBits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xFF)
        var mantissa = x & 0x7F_FFFF
        if exponent == 0xFF {
            // Infinity stays infinity; NaN keeps its top payload bits and stays quiet.
            return sign | 0x7C00 | (mantissa != 0 ? UInt16(0x200 | (mantissa >> 13)) : 0)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Below 2^-25 everything rounds to zero.
            if halfExponent < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - halfExponent)
            let kept = mantissa >> shift
            let rest = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            let rounded = kept + ((rest > halfway || (rest == halfway && kept & 1 == 1)) ? 1 : 0)
            // A carry out of the subnormal range lands exactly on the smallest normal.
            return sign | UInt16(rounded)
        }
        var bits = (UInt32(halfExponent) << 10) | (mantissa >> 13)
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && bits & 1 == 1) {
            bits += 1  // a carry into the exponent is correct, up to infinity (0x7C00)
        }
        return sign | UInt16(bits)
    }

    /// bfloat16 bits → Float (exact: the top half of a Float).
    @inline(__always)
    static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Float → bfloat16 bits, round to nearest even; NaN stays a quiet NaN.
    @inline(__always)
    static func bfloat16Bits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: x >> 16) | 0x40 }
        let rounding = UInt32(0x7FFF) + ((x >> 16) & 1)
        return UInt16(truncatingIfNeeded: (x &+ rounding) >> 16)
    }
}
