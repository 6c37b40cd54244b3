/// SplitMix64: a small seeded generator, so every property test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal sample (Box–Muller).
    mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// A size skewed small, with an occasional large one.
    mutating func size(max: Int) -> Int {
        Int.random(in: 0..<8, using: &self) == 0 ? Int.random(in: 0...max, using: &self)
            : Int.random(in: 0...min(max, 40), using: &self)
    }

    /// Weights shaped like a trained layer: Gaussian or Laplacian, random scale, some exact zeros.
    mutating func weights(count: Int) -> [Float] {
        let scale = Double.random(in: 0.001...3, using: &self)
        let laplace = Bool.random(using: &self)
        return (0..<count).map { _ in
            if Int.random(in: 0..<10, using: &self) == 0 { return 0 }
            if laplace {
                let u = Double.random(in: -0.5..<0.5, using: &self)
                return Float(-scale * (u < 0 ? -1 : 1) * log(1 - 2 * abs(u)))
            }
            return Float(scale * normal())
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
