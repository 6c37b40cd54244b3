import TestSupport
import XCTest
@testable import Quantization

final class RateDistortionCalibrationTests: XCTestCase {
    func testRejectsBadRateWeight() {
        XCTAssertThrowsError(try RateDistortionCalibration(rateWeight: -1, rate: .entropy))
        XCTAssertThrowsError(try RateDistortionCalibration(rateWeight: .nan, rate: .entropy))
    }

    /// Larger μ never increases the rate nor decreases the distortion (the curve is monotone),
    /// and every choice beats the fixed-bin MSE quantizers on the Lagrangian cost.
    func testMonotoneCurveAndOptimality() throws {
        var rng = SplitMix64(seed: 42)
        let w = (0..<4000).map { _ in Float(rng.normal() * 0.05) }
        var lastBits = Double.infinity, lastError = 0.0
        for mu in [0.0, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1] {
            let rd = try RateDistortionCalibration(rateWeight: mu, rate: .entropy)
            let c = rd.calibrate(weights: w)
            XCTAssertEqual(c.cost, c.distortion.squaredError + mu * c.bits, accuracy: 1e-9 * max(1, c.cost))
            XCTAssertLessThanOrEqual(c.bits, lastBits * (1 + 1e-6) + 1e-6, "μ \(mu)")
            XCTAssertGreaterThanOrEqual(c.distortion.squaredError, lastError * (1 - 1e-6) - 1e-12, "μ \(mu)")
            lastBits = c.bits
            lastError = c.distortion.squaredError
            for bins in [1, 3, 7, 15, 255] {
                let step = StepCalibration.mseOptimalStep(weights: w, bins: bins)
                let fixed = rd.evaluate(w, bins: bins, step: step)
                XCTAssertLessThanOrEqual(c.cost, fixed.cost * 1.02 + 1e-12, "μ \(mu) vs \(bins) bins")
            }
        }
        // Huge μ prunes.
        let pruned = try RateDistortionCalibration(rateWeight: 1e6, rate: .entropy).calibrate(weights: w)
        XCTAssertEqual(pruned.bits, 0)
    }

    func testAllZeroLayerPrunes() throws {
        let c = try RateDistortionCalibration(rateWeight: 1e-3, rate: .entropy).calibrate(weights: [0, 0, 0])
        XCTAssertEqual(c.quantizer.bins, 1)
        XCTAssertEqual(c.distortion.squaredError, 0)
    }
}

final class OperatingPointTests: XCTestCase {
    func testParsingAndBinCap() throws {
        XCTAssertEqual(try OperatingPoint(parsing: "bins=7"), .bins(7))
        XCTAssertEqual(try OperatingPoint(parsing: "mu=1e-3"), .rateWeight(0.001, maxBins: 255))
        XCTAssertEqual(try OperatingPoint(parsing: "mu=0.001@3"), .rateWeight(0.001, maxBins: 3))
        XCTAssertEqual(try OperatingPoint(parsing: "mu=0.001@3").description, "mu=0.001@3")
        XCTAssertEqual(try OperatingPoint(parsing: "rmu=0.5@3"), .rateWeight(0.5, maxBins: 3, measure: .relative))
        XCTAssertEqual(try OperatingPoint(parsing: "rmu=0.5").description, "rmu=0.5")
        for bad in ["bins=4", "mu=-1", "mu=x", "mu=1@4", "mu=1@", "foo=3", "bins", ""] {
            XCTAssertThrowsError(try OperatingPoint(parsing: bad), bad)
        }
        var rng = SplitMix64(seed: 8)
        let w = (0..<3000).map { _ in Float(rng.normal() * 0.1) }
        let capped = try RateDistortionCalibration(rateWeight: 1e-6, rate: .entropy, maxBins: 3).calibrate(weights: w)
        XCTAssertLessThanOrEqual(capped.quantizer.bins, 3)
        XCTAssertThrowsError(try RateDistortionCalibration(rateWeight: 1, rate: .entropy, maxBins: 2))
    }

    /// Relative distortion is scale-free: scaling a layer's weights scales the chosen step and
    /// leaves bins and rate unchanged (absolute distortion would not).
    func testRelativeMeasureIsScaleInvariant() throws {
        var rng = SplitMix64(seed: 9)
        let w = (0..<3000).map { _ in Float(rng.normal()) }
        let rd = try RateDistortionCalibration(rateWeight: 0.5, rate: .entropy, measure: .relative)
        let a = rd.calibrate(weights: w), b = rd.calibrate(weights: w.map { $0 * 0.25 })
        XCTAssertEqual(a.quantizer.bins, b.quantizer.bins)
        XCTAssertEqual(a.bits, b.bits, accuracy: 1e-6 * max(1, a.bits))
        XCTAssertEqual(Double(b.quantizer.step), Double(a.quantizer.step) * 0.25, accuracy: 1e-6 * Double(a.quantizer.step))
        XCTAssertGreaterThan(a.bits, 0)
        XCTAssertLessThan(a.bits / Double(w.count), 1.5)
    }
}
