import SeededRandom

/// The fuzzer's seeded generator (SplitMix64): the same seed gives the same cases on every
/// machine, so a finding is reproduced with `--seed S --first N`.
///
/// ```swift
/// var random = FuzzRandom(seed: 1)
/// let byte = random.byte()
/// ```
/// - Complexity: O(1) per draw.
public struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var generator: SplitMix64

    /// The SplitMix64 stream of `seed + γ` (γ its increment): the cases every finding was
    /// reported with since the fuzzer's first version.
    public init(seed: UInt64) { generator = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15) }

    public mutating func next() -> UInt64 { generator.next() }

    /// A value in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
