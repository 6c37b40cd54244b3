import XCTest
import ModelIO
@testable import Training

final class TrainerTests: XCTestCase {
    private func train(_ arch: Architecture, data: ImageDataset, seed: UInt64, threads: Int,
                       augmentation: Augmentation = .none) -> [[Float]] {
        var config = TrainingConfiguration(epochs: 1, learningRate: 0.05)
        config.batchSize = 64
        config.seed = seed
        config.threads = threads
        config.augmentation = augmentation
        let model = ModelZoo.make(arch, seed: seed)
        Trainer(model: model, configuration: config).train(on: data)
        return model.namedParameters().map { $0.parameter.value.toArray() }
            + model.namedBuffers().map { $0.tensor.toArray() }
    }

    func testSameSeedAndThreadsGiveBitIdenticalWeights() {
        let data = TestData.synthetic(count: 200, seed: 7)
        for arch in [Architecture.lenet5, .resnet20] {
            let aug = Augmentation(padding: 2, horizontalFlip: true)
            let a = train(arch, data: data, seed: 11, threads: 2, augmentation: aug)
            let b = train(arch, data: data, seed: 11, threads: 2, augmentation: aug)
            XCTAssertEqual(a, b, "\(arch)")   // exact Float equality, element by element
            let c = train(arch, data: data, seed: 12, threads: 2, augmentation: aug)
            XCTAssertNotEqual(a, c, "\(arch)")
        }
    }

    func testLearnsSyntheticClasses() {
        let data = TestData.synthetic(count: 1000, seed: 3)
        var config = TrainingConfiguration(epochs: 2, learningRate: 0.05)
        config.batchSize = 50
        config.threads = 2
        let model = ModelZoo.make(.mlp, seed: 1)
        let trainer = Trainer(model: model, configuration: config)
        var progressCalls = 0
        trainer.onProgress = { _ in progressCalls += 1 }
        let epochs = trainer.train(on: data, test: TestData.synthetic(count: 300, seed: 3))
        XCTAssertEqual(progressCalls, 40)
        XCTAssertLessThan(epochs[1].trainLoss, epochs[0].trainLoss)
        XCTAssertGreaterThan(epochs[1].testAccuracy ?? 0, 0.9)
    }

    final class CountingRegularizer: Regularizer {
        var calls = 0
        func lossAndAccumulateGradients(model: Model, step: TrainingStep) -> Double {
            calls += 1
            // R = ½·Σ w² over fc3.weight: pulls it to zero.
            let w = model.namedParameters().first { $0.name == "fc3.weight" }!.parameter
            var r = 0.0
            for i in 0..<w.value.count {
                r += 0.5 * Double(w.value[i] * w.value[i])
                w.grad[i] += 10 * w.value[i]
            }
            return r
        }
    }

    func testRegularizerGradientIsApplied() {
        let data = TestData.synthetic(count: 256, seed: 5)
        var config = TrainingConfiguration(epochs: 1, learningRate: 0.01)
        config.batchSize = 64
        config.weightDecay = 0
        let plain = ModelZoo.make(.mlp, seed: 1)
        Trainer(model: plain, configuration: config).train(on: data)
        let regularized = ModelZoo.make(.mlp, seed: 1)
        let trainer = Trainer(model: regularized, configuration: config)
        let reg = CountingRegularizer()
        trainer.regularizer = reg
        trainer.train(on: data)
        XCTAssertEqual(reg.calls, 4)
        let norm = { (m: Model) -> Float in
            m.namedParameters().first { $0.name == "fc3.weight" }!.parameter.value.toArray().map { $0 * $0 }.reduce(0, +)
        }
        XCTAssertLessThan(norm(regularized), 0.8 * norm(plain))
    }

    func testLeNetLearnsRealFashionMNISTSubset() throws {
        let train = try TestData.fashionMNIST(.train).prefix(4000)
        let test = try TestData.fashionMNIST(.test).prefix(2000)
        var config = TrainingConfiguration.recommended(for: .lenet5, dataset: .fashionMNIST)
        config.epochs = 1
        config.threads = 2
        let model = ModelZoo.make(.lenet5, seed: 1)
        let summary = Trainer(model: model, configuration: config).train(on: train, test: test)
        XCTAssertGreaterThan(summary[0].testAccuracy ?? 0, 0.6)
    }
}
