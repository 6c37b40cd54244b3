import TestSupport
import XCTest
@testable import Quantization

final class FakeQuantizerTests: XCTestCase {
    func forward(_ fq: FakeQuantizer, _ w: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: w.count)
        out.withUnsafeMutableBufferPointer { o in w.withUnsafeBufferPointer { fq.forward(weights: $0, into: o) } }
        return out
    }

    func backward(_ fq: FakeQuantizer, _ w: [Float], _ gy: [Float]) -> ([Float], FakeQuantizer.Gradients) {
        var gw = [Float](repeating: 0, count: w.count)
        let g = gw.withUnsafeMutableBufferPointer { gp in
            w.withUnsafeBufferPointer { wp in gy.withUnsafeBufferPointer { fq.backward(weights: wp, outputGradient: $0, weightGradient: gp) } }
        }
        return (gw, g)
    }

    func testFixedPrecisionEqualsTheZeroPointQuantizer() throws {
        var rng = SplitMix64(seed: 1)
        for bins in [1, 3, 5, 7, 15, 255] {
            let step: Float = 0.03
            let w = (0..<2000).map { _ in rng.gaussian() * 0.1 }
            let fq = FakeQuantizer(step: step, bins: bins)
            let q = try ZeroPointQuantizer(bins: bins, step: step)
            XCTAssertEqual(forward(fq, w), w.map { q.dequantize(symbol: q.symbol(for: $0)) }, "bins \(bins)")
            XCTAssertEqual(fq.exportedBins, bins)
        }
    }

    func testFractionalPrecisionInterpolatesNeighbours() throws {
        var rng = SplitMix64(seed: 2)
        let w = (0..<1000).map { _ in rng.gaussian() * 0.2 }
        let fq = FakeQuantizer(step: 0.05, precision: 2.25, learnsPrecision: true)
        let q2 = try ZeroPointQuantizer(bins: 5, step: 0.05), q3 = try ZeroPointQuantizer(bins: 7, step: 0.05)
        let out = forward(fq, w)
        for (i, x) in w.enumerated() {
            let expected = 0.75 * q2.dequantize(symbol: q2.symbol(for: x)) + 0.25 * q3.dequantize(symbol: q3.symbol(for: x))
            XCTAssertEqual(out[i], expected, accuracy: 1e-6)
        }
        XCTAssertEqual(fq.exportedBins, 5)
        XCTAssertEqual(FakeQuantizer(step: 1, precision: 2.5, learnsPrecision: true).exportedBins, 7)
        XCTAssertEqual(FakeQuantizer(step: 1, precision: 0.3, learnsPrecision: true).exportedBins, 1, "k < 0.5 prunes")
    }

    /// The loss Σ gᵢŵᵢ is linear in k between integers, so a central difference is exact there.
    func testPrecisionGradientMatchesFiniteDifferences() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<20 {
            let n = 500
            let w = (0..<n).map { _ in rng.gaussian() * 0.3 }
            let gy = (0..<n).map { _ in rng.gaussian() }
            let k = Float(Int(rng.next() % 6)) + 0.2 + 0.6 * rng.uniform()
            let fq = FakeQuantizer(step: 0.07, precision: k, learnsPrecision: true)
            let (_, g) = backward(fq, w, gy)
            let h: Float = 0.05
            func loss(_ p: Float) -> Double {
                var f = fq
                f.precision = p
                return zip(forward(f, w), gy).reduce(0) { $0 + Double($1.0 * $1.1) }
            }
            let numeric = (loss(k + h) - loss(k - h)) / Double(2 * h)
            XCTAssertEqual(g.precision, numeric, accuracy: 1e-3 * max(1, abs(numeric)), "k = \(k)")
        }
    }

    func testStraightThroughAndLSQStepGradient() {
        // Δ = 0.1, K = 1 (3 bins): x = w/Δ.
        let fq = FakeQuantizer(step: 0.1, bins: 3)
        let w: [Float] = [0.04, 0.07, -0.09, 0.25, -0.3]
        let gy: [Float] = [1, 1, 1, 1, 1]
        let (gw, g) = backward(fq, w, gy)
        // Inside the range (|x| < 1) the gradient passes; clipped weights get none.
        XCTAssertEqual(gw, [1, 1, 1, 0, 0])
        // LSQ: round(x) − x inside, ±K outside.
        let expected = (0 - 0.4) + (1 - 0.7) + (-1 + 0.9) + 1 + -1
        XCTAssertEqual(g.step, expected, accuracy: 1e-5)
        XCTAssertEqual(g.precision, 0, "fixed precision has no gradient")
        XCTAssertEqual(fq.lsqGradientScale(count: 100), 1 / 10, accuracy: 1e-6)
    }

    func testPrunedLayerIsZeroAndPassesNoGradient() {
        let fq = FakeQuantizer(step: 0.1, bins: 1)
        let w: [Float] = [0.5, -0.2, 0.01]
        XCTAssertEqual(forward(fq, w), [0, 0, 0])
        let (gw, _) = backward(fq, w, [1, 1, 1])
        XCTAssertEqual(gw, [0, 0, 0])
    }
}

/// The draws these cases were written with (a 24-bit uniform and Box–Muller in `Float`).
private extension SplitMix64 {
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func gaussian() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
