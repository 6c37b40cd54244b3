/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA
/// 2014): a tiny seeded generator. Every module that needs reproducible randomness without global
/// state — benchmark streams, synthetic layers and results, the fuzzer, seeding xoshiro256** —
/// draws from this one type, so the same seed gives the same values everywhere.
///
/// ```swift
/// var rng = SplitMix64(seed: 42)
/// let word = rng.next()        // a UInt64
/// let u = rng.nextUnit()       // a Double in [0, 1)
/// let pick = Int.random(in: 0..<10, using: &rng)
/// ```
///
/// Not cryptographic; not for anything an adversary may predict.
/// - Complexity: O(1) per draw, 8 bytes of state.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// A generator whose first output is determined by `seed` alone.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// A uniform `Double` in [0, 1) from the next draw's top 53 bits.
    @inlinable public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
