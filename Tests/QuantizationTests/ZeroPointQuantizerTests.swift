import TestSupport
import XCTest
@testable import Quantization

final class ZeroPointQuantizerTests: XCTestCase {
    func testRejectsEvenOutOfRangeBinsAndBadSteps() {
        for n in [0, 2, 4, 256, 1020, 4097, -1] {
            XCTAssertThrowsError(try ZeroPointQuantizer(bins: n, step: 1)) {
                XCTAssertEqual($0 as? QuantizationError, .invalidBinCount(n))
            }
        }
        for s: Float in [0, -1, .infinity, .nan] {
            XCTAssertThrowsError(try ZeroPointQuantizer(bins: 3, step: s))
        }
        XCTAssertNoThrow(try ZeroPointQuantizer(bins: 255, step: 1e-30))
        XCTAssertNoThrow(try ZeroPointQuantizer(bins: 257, step: 1), "above 255: split levels")
    }

    func testKnownValuesAndRoundHalfAwayFromZero() throws {
        let q = try ZeroPointQuantizer(bins: 7, step: 0.5)
        XCTAssertEqual(q.maxLevel, 3)
        XCTAssertEqual(q.level(for: 0.25), 1)     // tie → away from zero
        XCTAssertEqual(q.level(for: -0.25), -1)
        XCTAssertEqual(q.level(for: 0.74), 1)
        XCTAssertEqual(q.level(for: 0.75), 2)     // tie 1.5 → 2
        XCTAssertEqual(q.level(for: 100), 3)
        XCTAssertEqual(q.level(for: -100), -3)
        XCTAssertEqual(q.level(for: .infinity), 3)
        XCTAssertEqual(q.level(for: -.infinity), -3)
        XCTAssertEqual(q.level(for: .nan), 0)
        XCTAssertEqual(q.symbol(for: 0), 3)
        XCTAssertEqual(q.symbol(for: -9), 0)
        XCTAssertEqual(q.symbol(for: 9), 6)
        XCTAssertEqual(q.dequantize(symbol: 0), -1.5)
        XCTAssertEqual(q.dequantize(symbol: 6), 1.5)
        XCTAssertEqual(q.histogram([0, 0.1, 2, -2, 0.6]), [1, 0, 0, 2, 1, 0, 1])
    }

    func testLSQAndStraightThroughGradients() throws {
        let q = try ZeroPointQuantizer(bins: 5, step: 0.5)    // levels −1 … 1
        XCTAssertEqual(q.stepGradient(0.3), 1 - 0.6, accuracy: 1e-6)     // q = 1, w/Δ = 0.6
        XCTAssertEqual(q.stepGradient(-0.2), 0 + 0.4, accuracy: 1e-6)    // q = 0, w/Δ = −0.4
        XCTAssertEqual(q.stepGradient(3), 2)                              // clipped: +K
        XCTAssertEqual(q.stepGradient(-3), -2)
        XCTAssertEqual(q.straightThroughGradient(0.9), 1)
        XCTAssertEqual(q.straightThroughGradient(1.2), 0)
        // Away from rounding jumps, ŵ(Δ) = q·Δ is linear in Δ with slope q; LSQ adds the
        // straight-through term −w/Δ. Check ŵ's finite difference against q.
        var rng = SplitMix64(seed: 21)
        for _ in 0..<200 {
            let w = Float.random(in: -0.9...0.9, using: &rng)
            let t = w / q.step
            guard abs(t - t.rounded(.towardZero) - 0.5 * (t < 0 ? -1 : 1)) > 0.01 else { continue }
            let h: Float = 1e-4
            let plus = try ZeroPointQuantizer(bins: 5, step: q.step + h).fakeQuantize(w)
            let minus = try ZeroPointQuantizer(bins: 5, step: q.step - h).fakeQuantize(w)
            XCTAssertEqual((plus - minus) / (2 * h), q.stepGradient(w) + t, accuracy: 1e-2)
        }
    }

    func testOneBinPrunesToZero() throws {
        let q = try ZeroPointQuantizer(bins: 1, step: 0.1)
        let w: [Float] = [-5, 0, 3, .nan, 1e30]
        XCTAssertEqual(q.quantize(w), [0, 0, 0, 0, 0])
        XCTAssertEqual(q.dequantize([0, 0]), [0, 0])
    }

    /// Random tensors and quantizers: symbol range, idempotence, error bound, monotonicity.
    func testProperties() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        for _ in 0..<400 {
            let bins = 2 * Int.random(in: 0...127, using: &rng) + 1
            let w = rng.weights(count: rng.size(max: 3000))
            let step = Float.random(in: 1e-4...2, using: &rng)
            let q = try ZeroPointQuantizer(bins: bins, step: step)
            let s = q.quantize(w)
            XCTAssertEqual(s.count, w.count)
            XCTAssertTrue(s.allSatisfy { Int($0) < bins })
            let back = q.dequantize(s)
            // quantize ∘ dequantize is the identity on symbols (idempotence of fake quantization).
            XCTAssertEqual(q.quantize(back), s)
            XCTAssertEqual(back.map(q.fakeQuantize), back)
            for (x, y) in zip(w, back) where abs(x) <= q.range + step / 2 {
                XCTAssertLessThanOrEqual(abs(x - y), step / 2 * (1 + 1e-5), "w=\(x) Δ=\(step) N=\(bins)")
            }
            let sorted = w.sorted()
            let levels = sorted.map(q.level(for:))
            XCTAssertEqual(levels, levels.sorted(), "monotonicity")
            // The fast rounding path equals clamp(round-half-away(w/Δ)), including exact ties.
            let ties = (0..<20).map { _ in Float(Int.random(in: -300...300, using: &rng)) * 0.5 * step }
            for x in w + ties {
                let r = Int(max(min((x / step).rounded(.toNearestOrAwayFromZero), Float(q.maxLevel)), -Float(q.maxLevel)))
                XCTAssertEqual(q.level(for: x), r, "w=\(x) Δ=\(step)")
            }
            // Symmetry of the rounding rule.
            for x in w.prefix(50) { XCTAssertEqual(q.level(for: -x), -q.level(for: x)) }
        }
    }
}
