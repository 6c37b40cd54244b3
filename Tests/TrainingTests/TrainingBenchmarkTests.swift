import XCTest
@testable import Training

/// The statistics `subbit bench train` reports from its measured steps.
final class TrainingBenchmarkTests: XCTestCase {
    private func result(steps: [Double], batch: Int = 128) -> TrainingBenchmark.Result {
        TrainingBenchmark.Result(architecture: .lenet5, batchSize: batch, threads: 2, steps: steps.count,
                                 seconds: steps.reduce(0, +), imagesPerSecond: Double(batch * steps.count) / steps.reduce(0, +),
                                 flopsPerImage: 1, cpuSeconds: 1, stepSeconds: steps)
    }

    func testMedianAndBestComeFromTheStepTimes() {
        // One step slowed down by another process: the mean moves, the median and best do not.
        let r = result(steps: [0.2, 0.25, 1.0, 0.3, 0.2])
        XCTAssertEqual(r.medianImagesPerSecond, 128 / 0.25, accuracy: 1e-9)
        XCTAssertEqual(r.bestImagesPerSecond, 128 / 0.2, accuracy: 1e-9)
        XCTAssertLessThan(r.imagesPerSecond, r.medianImagesPerSecond)
        // An even count takes the mean of the middle two.
        XCTAssertEqual(result(steps: [0.4, 0.1, 0.2, 0.3], batch: 10).medianImagesPerSecond, 10 / 0.25, accuracy: 1e-9)
    }

    func testMeasureRecordsEveryStep() {
        let r = TrainingBenchmark.measure(.mlp, batchSize: 8, threads: 1, seconds: 0.05)
        XCTAssertEqual(r.stepSeconds.count, r.steps)
        XCTAssertGreaterThanOrEqual(r.steps, 3)
        XCTAssertTrue(r.stepSeconds.allSatisfy { $0 > 0 })
        XCTAssertGreaterThanOrEqual(r.bestImagesPerSecond, r.medianImagesPerSecond)
    }
}
