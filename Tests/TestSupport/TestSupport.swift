import Foundation
@_exported import SeededRandom
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// What every test target shares: the seeded generator (the library's own `SplitMix64`,
// re-exported) with the draws property tests need, and a temporary folder per test.

extension XCTestCase {
    /// A fresh empty folder under the system's temporary directory, removed when the test ends
    /// (pass or fail), named after the test class so a leftover is easy to place.
    ///
    /// ```swift
    /// let folder = try temporaryFolder()
    /// try Data().write(to: folder.appendingPathComponent("empty.bin"))
    /// ```
    public func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("subbit-\(type(of: self))-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

extension SplitMix64 {
    /// A standard normal sample (Box–Muller).
    public mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// A size in 0…max skewed small (≤ 40 seven times in eight), with an occasional large one.
    public mutating func size(max: Int) -> Int {
        Int.random(in: 0..<8, using: &self) == 0 ? Int.random(in: 0...max, using: &self)
            : Int.random(in: 0...Swift.min(max, 40), using: &self)
    }

    /// A length in 0…max, skewed towards small values (log-uniform-ish), with occasional large.
    public mutating func skewedLength(max: Int) -> Int {
        let r = Double.random(in: 0..<1, using: &self)
        return Swift.min(max, Int(pow(Double(max + 1), r * r)) - 1
            + (r > 0.98 ? Int.random(in: 0...max / 2, using: &self) : 0))
    }

    /// Weights shaped like a trained layer: Gaussian or Laplacian, random scale, some exact zeros.
    public mutating func weights(count: Int) -> [Float] {
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
