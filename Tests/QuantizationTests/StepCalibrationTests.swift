import TestSupport
import XCTest
@testable import Quantization

final class StepCalibrationTests: XCTestCase {
    func testMaxAbs() {
        XCTAssertEqual(StepCalibration.maxAbsStep(weights: [0.5, -2, 1], bins: 5), 1)
        XCTAssertEqual(StepCalibration.maxAbsStep(weights: [0, 0], bins: 5), 1)
        XCTAssertEqual(StepCalibration.maxAbsStep(weights: [3], bins: 1), 1)
    }

    /// The MSE step is never worse than max-abs and is at least as good as a dense scan.
    func testMSEOptimalStepBeatsMaxAbsAndDenseScan() throws {
        var rng = SplitMix64(seed: 99)
        for trial in 0..<30 {
            let bins = [3, 5, 7, 15, 31, 255][trial % 6]
            let w = rng.weights(count: 200 + rng.size(max: 3000))
            let maxAbs = StepCalibration.maxAbsStep(weights: w, bins: bins)
            let mse = StepCalibration.mseOptimalStep(weights: w, bins: bins)
            let e = StepCalibration.squaredError(w, bins: bins, step: mse)
            XCTAssertLessThanOrEqual(e, StepCalibration.squaredError(w, bins: bins, step: maxAbs) * (1 + 1e-9))
            var scanBest = Double.infinity
            for i in 1...400 {
                scanBest = min(scanBest, StepCalibration.squaredError(w, bins: bins, step: maxAbs * Float(i) / 320))
            }
            XCTAssertLessThanOrEqual(e, scanBest * 1.02 + 1e-12, "trial \(trial) bins \(bins)")
        }
    }

    func testDistortionAndSQNR() throws {
        let q = try ZeroPointQuantizer(bins: 3, step: 1)
        let d = Distortion(weights: [0.2, -1.1, 3], quantizer: q)
        XCTAssertEqual(d.squaredError, 0.04 + 0.01 + 4, accuracy: 1e-6)
        XCTAssertEqual(d.signalEnergy, 0.04 + 1.21 + 9, accuracy: 1e-6)
        XCTAssertEqual(d.sqnrDecibels, 10 * log10(10.25 / 4.05), accuracy: 1e-5)
        XCTAssertEqual(Distortion(weights: [1, -1, 0], quantizer: q).sqnrDecibels, .infinity)
    }
}
