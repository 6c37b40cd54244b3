import Foundation
import SeededRandom

/// xoshiro256**: the seeded generator behind initialization, shuffling and augmentation.
///
/// ```swift
/// var rng = Xoshiro256(seed: 42)
/// let u = rng.nextUniform()   // in [0, 1)
/// ```
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform `Float` in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// A standard normal sample (Box–Muller, computed in `Double`).
    public mutating func nextNormal() -> Float {
        let u1 = (Double(next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A uniform integer in `0..<bound` (bound > 0), without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int { Int(next(upperBound: UInt64(bound))) }
}
