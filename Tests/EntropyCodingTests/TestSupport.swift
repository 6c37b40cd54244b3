import Foundation
@testable import EntropyCoding

/// SplitMix64: a small, seeded, deterministic generator for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// A length in 0…max, skewed towards small values (log-uniform-ish), with occasional large.
    mutating func skewedLength(max: Int) -> Int {
        let r = Double.random(in: 0..<1, using: &self)
        return min(max, Int(pow(Double(max + 1), r * r)) - 1 + (r > 0.98 ? Int.random(in: 0...max / 2, using: &self) : 0))
    }
}
