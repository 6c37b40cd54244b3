import TestSupport
import XCTest
@testable import Quantization

final class SoftEntropyTests: XCTestCase {
    /// Analytic gradients against central finite differences, in Double, with all bins kept.
    func testGradientsMatchFiniteDifferences() {
        var rng = SplitMix64(seed: 0x50F7)
        for trial in 0..<40 {
            let bins = [1, 3, 5, 7, 9, 15, 31][trial % 7]
            let n = Int.random(in: 1...60, using: &rng)
            let step = Double.random(in: 0.05...1, using: &rng)
            let w = (0..<n).map { _ in rng.normal() * step * Double(bins) / 3 }
            let soft = SoftEntropy(temperature: Double.random(in: 0.1...1.5, using: &rng), truncation: 0)
            let (h, gw, gs) = soft.entropyAndGradient(weights: w, step: step, bins: bins)
            XCTAssertEqual(h, soft.entropy(weights: w, step: step, bins: bins), accuracy: 1e-12)
            let eps = 1e-6
            for i in Set((0..<min(n, 8)).map { _ in Int.random(in: 0..<n, using: &rng) }) {
                var plus = w, minus = w
                plus[i] += eps; minus[i] -= eps
                let fd = (soft.entropy(weights: plus, step: step, bins: bins)
                    - soft.entropy(weights: minus, step: step, bins: bins)) / (2 * eps)
                XCTAssertEqual(gw[i], fd, accuracy: 1e-6 + 1e-4 * abs(fd), "trial \(trial) i \(i)")
            }
            let fds = (soft.entropy(weights: w, step: step + eps, bins: bins)
                - soft.entropy(weights: w, step: step - eps, bins: bins)) / (2 * eps)
            XCTAssertEqual(gs, fds, accuracy: 1e-6 + 1e-4 * abs(fds), "trial \(trial) step")
        }
    }

    /// The bin window changes Ĥ and its gradients by no more than its truncation bound.
    func testWindowMatchesExactComputation() {
        var rng = SplitMix64(seed: 11)
        for tau in [0.05, 0.25, 1.0] {
            let exact = SoftEntropy(temperature: tau, truncation: 0)
            let windowed = SoftEntropy(temperature: tau, truncation: 1e-9)
            XCTAssertLessThan(windowed.windowRadius, 10)
            let w = (0..<2000).map { _ in Float(rng.normal() * 0.3) }
            let a = exact.entropyAndGradient(weights: w, step: Float(0.1), bins: 31)
            let b = windowed.entropyAndGradient(weights: w, step: Float(0.1), bins: 31)
            XCTAssertEqual(a.entropy, b.entropy, accuracy: 1e-6)
            XCTAssertEqual(a.stepGradient, b.stepGradient, accuracy: 1e-5 * max(1, abs(a.stepGradient)))
            for (x, y) in zip(a.weightGradient, b.weightGradient) {
                XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(x)))
            }
        }
    }

    /// At low temperature the soft entropy approaches the exact entropy of the hard symbols.
    func testLowTemperatureApproachesExactEntropy() throws {
        var rng = SplitMix64(seed: 3)
        let w = rng.weights(count: 5000)
        let q = try ZeroPointQuantizer(bins: 9, step: StepCalibration.maxAbsStep(weights: w, bins: 9) / 2)
        // Keep weights away from bin edges so hard rounding is unambiguous.
        let centred = w.map { x -> Float in
            let t = x / q.step
            return abs(t - t.rounded(.towardZero)) .isApproximatelyHalf ? x * 1.01 : x
        }
        let exact = EmpiricalEntropy.bitsPerSymbol(symbols: q.quantize(centred))
        let soft = SoftEntropy(temperature: 0.005).entropy(weights: centred, step: q.step, bins: 9)
        XCTAssertEqual(soft, exact, accuracy: 0.02)
    }

    func testAccumulatesScaledGradient() {
        let w: [Float] = [0.1, -0.4, 0.33, 0.9, 0]
        let soft = SoftEntropy()
        let base = soft.entropyAndGradient(weights: w, step: Float(0.2), bins: 5)
        var g: [Float] = [1, 1, 1, 1, 1]
        let e = g.withUnsafeMutableBufferPointer { gp in
            w.withUnsafeBufferPointer { soft.accumulateGradient(weights: $0, step: 0.2, bins: 5, into: gp, scale: 3) }
        }
        XCTAssertEqual(e.entropy, base.entropy)
        for (x, y) in zip(g, base.weightGradient) { XCTAssertEqual(x, 1 + 3 * y, accuracy: 1e-6) }
    }

    func testDegenerateInputs() {
        let soft = SoftEntropy()
        XCTAssertEqual(soft.entropy(weights: [Float](), step: 1, bins: 7), 0)
        let r = soft.entropyAndGradient(weights: [Float(1), 2], step: 1, bins: 1)
        XCTAssertEqual(r.entropy, 0)
        XCTAssertEqual(r.weightGradient, [0, 0])
        // Weights far outside the range: finite results.
        let far = soft.entropyAndGradient(weights: [Float(1e6), -1e6, 0], step: 1e-3, bins: 3)
        XCTAssertTrue(far.entropy.isFinite && far.stepGradient.isFinite)
        XCTAssertTrue(far.weightGradient.allSatisfy(\.isFinite))
    }
}

private extension Float {
    var isApproximatelyHalf: Bool { abs(self - 0.5) < 0.02 }
}
