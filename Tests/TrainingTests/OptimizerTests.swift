import XCTest
@testable import Training

final class OptimizerTests: XCTestCase {
    func testSGDMomentumAndWeightDecayFollowPyTorch() {
        let p = Parameter(Tensor(shape: [2], values: [1, -2]))
        let sgd = SGD([p], momentum: 0.9, weightDecay: 0.1)
        p.grad.copy(from: Tensor(shape: [2], values: [0.5, 0.25]))
        sgd.step(learningRate: 0.1)
        // step 1: d = g + wd·w = [0.6, 0.05]; buf = d; w −= lr·buf
        XCTAssertEqual(p.value[0], 1 - 0.06, accuracy: 1e-6)
        XCTAssertEqual(p.value[1], -2 - 0.005, accuracy: 1e-6)
        p.grad.copy(from: Tensor(shape: [2], values: [0.5, 0.25]))
        sgd.step(learningRate: 0.1)
        // step 2: d = g + wd·w; buf = 0.9·buf + d
        let w0 = Float(0.94), d0 = 0.5 + 0.1 * w0, b0 = 0.9 * 0.6 + d0
        XCTAssertEqual(p.value[0], w0 - 0.1 * b0, accuracy: 1e-6)
    }

    func testAdamFirstStepMovesByLearningRate() {
        let p = Parameter(Tensor(shape: [3], values: [1, 2, 3]))
        let adam = Adam([p])
        p.grad.copy(from: Tensor(shape: [3], values: [0.3, -4, 1e-3]))
        adam.step(learningRate: 0.01)
        // Bias-corrected first step: m̂/√v̂ = sign(g) (up to ε).
        XCTAssertEqual(p.value[0], 1 - 0.01, accuracy: 1e-5)
        XCTAssertEqual(p.value[1], 2 + 0.01, accuracy: 1e-5)
        XCTAssertEqual(p.value[2], 3 - 0.01, accuracy: 1e-4)
    }

    func testLearningRateScaleAndDecayScale() {
        let p = Parameter(Tensor(shape: [1], values: [1]))
        p.learningRateScale = 0.5
        p.weightDecayScale = 0
        let sgd = SGD([p], momentum: 0, weightDecay: 1)
        p.grad[0] = 1
        sgd.step(learningRate: 0.2)
        XCTAssertEqual(p.value[0], 0.9, accuracy: 1e-7)
    }

    func testSchedules() {
        XCTAssertEqual(LearningRateSchedule.cosine.rate(base: 0.1, epoch: 0, epochs: 10, progressInEpoch: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(LearningRateSchedule.cosine.rate(base: 0.1, epoch: 5, epochs: 10, progressInEpoch: 0), 0.05, accuracy: 1e-7)
        XCTAssertEqual(LearningRateSchedule.cosine.rate(base: 0.1, epoch: 9, epochs: 10, progressInEpoch: 0.999), 0, accuracy: 1e-4)
        XCTAssertEqual(LearningRateSchedule.step.rate(base: 0.1, epoch: 4, epochs: 10, progressInEpoch: 0.5), 0.1)
        XCTAssertEqual(LearningRateSchedule.step.rate(base: 0.1, epoch: 5, epochs: 10, progressInEpoch: 0), 0.01, accuracy: 1e-8)
        XCTAssertEqual(LearningRateSchedule.step.rate(base: 0.1, epoch: 8, epochs: 10, progressInEpoch: 0), 0.001, accuracy: 1e-9)
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.3, epoch: 8, epochs: 10, progressInEpoch: 0), 0.3)
    }
}
