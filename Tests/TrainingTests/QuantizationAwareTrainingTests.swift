import XCTest
import EntropyCoding
import ModelIO
import Quantization
@testable import Training

final class QuantizationAwareTrainingTests: XCTestCase {
    static let trainSet = TestData.synthetic(count: 1024, seed: 11)
    /// Synthetic classes are defined by the seed's prototypes, so a held-out set must share the
    /// seed: the first 1024 images train, the rest test.
    static let testSet: ImageDataset = {
        let all = TestData.synthetic(count: 1524, seed: 11)
        return ImageDataset(name: "held-out", pixels: Array(all.pixels[(1024 * 784)...]), labels: Array(all.labels[1024...]),
                            height: 28, width: 28, background: 0)
    }()

    func recipe(epochs: Int = 1) -> TrainingConfiguration {
        var c = TrainingConfiguration(epochs: epochs, learningRate: 1e-3)
        c.optimizer = .adam
        c.weightDecay = 0
        c.batchSize = 64
        c.seed = 3
        return c
    }

    func weights(_ model: Model) -> [[Float]] { model.parameters.map { $0.value.toArray() } }

    /// With λ = 0 the regularizer adds nothing: training equals plain QAT with the same fake quantizers.
    func testZeroLambdaIsPlainQAT() throws {
        let a = ModelZoo.make(.mlp, seed: 5), b = ModelZoo.make(.mlp, seed: 5)
        let config = QATConfiguration(lambda: 0, binPolicy: .fixed(7))
        let regularized = try QuantizationAwareTraining(model: a, configuration: config)
        _ = try QuantizationAwareTraining(model: b, configuration: config)   // transforms only
        let ta = Trainer(model: a, configuration: recipe())
        ta.regularizer = regularized
        ta.train(on: Self.trainSet)
        Trainer(model: b, configuration: recipe()).train(on: Self.trainSet)
        XCTAssertEqual(weights(a), weights(b))
        XCTAssertGreaterThan(regularized.lastRate, 0, "R is still measured")
    }

    /// The accuracy reported is that of the deployed file: weights decoded from `.sbw` give exactly
    /// the logits (and so the accuracy) of the exported in-memory quantized weights.
    func testDecodedWeightsEvaluateExactlyLikeInMemoryQuantizedWeights() throws {
        let model = ModelZoo.make(.mlp, seed: 7)
        let qat = try QuantizationAwareTraining(model: model, configuration: QATConfiguration(lambda: 0.05, binPolicy: .learned))
        var config = recipe(epochs: 3)
        config.learningRate = 3e-3
        let trainer = Trainer(model: model, configuration: config)
        trainer.regularizer = qat
        trainer.train(on: Self.trainSet)
        let exported = try qat.export()
        for options in [try CodecOptions(codec: .tans, tableLog: 10, lanes: 4, layout: .interleaved),
                        try CodecOptions(codec: .huffman), try CodecOptions(codec: .fixedWidth)] {
            let bytes = try SBWModelCodec.encode(exported, options: options)
            let decoded = try SBWModelCodec.decode(bytes)
            XCTAssertEqual(decoded.quantized.map(\.symbols), exported.quantized.map(\.symbols))
            let inMemory = ModelZoo.make(.mlp, seed: 99), fromFile = ModelZoo.make(.mlp, seed: 98)
            try inMemory.load(exported)
            try fromFile.load(decoded)
            XCTAssertEqual(weights(inMemory), weights(fromFile), "\(options.codec)")
            let a = Evaluation.run(inMemory, on: Self.testSet), b = Evaluation.run(fromFile, on: Self.testSet)
            XCTAssertEqual(a.accuracy, b.accuracy)
            XCTAssertEqual(a.loss, b.loss)
            XCTAssertGreaterThan(a.accuracy, 0.5, "the quantized model learned the synthetic classes")
        }
    }

    /// A rate weight that dwarfs the task loss leaves the network nothing worth paying for: every
    /// layer ends in the zero bin (one bin, all zeros) under the learned policy, and every weight
    /// in the zero bin under a fixed one — instead of a collapsed step with the weights piled
    /// in the two outer bins.
    func testVeryLargeLambdaDrivesEveryLayerToTheZeroBin() throws {
        for policy in [BinPolicy.learned, .fixed(7)] {
            let model = ModelZoo.make(.mlp, seed: 4)
            var qatConfig = QATConfiguration(lambda: 1000, binPolicy: policy)
            qatConfig.temperature = 0.25
            let qat = try QuantizationAwareTraining(model: model, configuration: qatConfig)
            let initialSteps = qat.layers.map { $0.transform.step.value[0] }
            var config = recipe(epochs: 4)
            config.learningRate = 2e-2
            config.schedule = .constant
            let trainer = Trainer(model: model, configuration: config)
            trainer.regularizer = qat
            trainer.train(on: Self.trainSet)
            let exported = try qat.export()
            for tensor in exported.quantized {
                let zero = UInt8(tensor.quantizer.maxLevel)
                XCTAssertTrue(tensor.symbols.allSatisfy { $0 == zero }, "\(policy) \(tensor.name): \(tensor.histogram)")
                if case .learned = policy { XCTAssertEqual(tensor.quantizer.bins, 1, "\(tensor.name)") }
            }
            for (layer, initial) in zip(qat.layers, initialSteps) {
                XCTAssertGreaterThan(layer.transform.step.value[0], initial, "\(policy) \(layer.name): the step grew instead of collapsing")
            }
        }
    }

    /// Float tensors can be stored as f16; the export then holds only f16 floats (and the integer
    /// batch counters) besides symbols.
    func testExportStoresFloatTensorsInTheRequestedType() throws {
        let model = ModelZoo.make(.lenet5, seed: 8)
        let qat = try QuantizationAwareTraining(model: model, configuration: QATConfiguration(lambda: 0, binPolicy: .fixed(7)))
        let half = try qat.export(floatStorage: .float16)
        XCTAssertFalse(half.kept.isEmpty)
        XCTAssertTrue(half.kept.allSatisfy { $0.data.dtype == .f16 || !$0.data.dtype.isFloatingPoint },
                      "\(half.kept.map { ($0.name, $0.data.dtype) })")
        XCTAssertTrue(half.kept.contains { $0.data.dtype == .f16 })
        try ModelZoo.make(.lenet5, seed: 1).load(half)
    }

    func testExportKeepsFloatTensorsAndDropsQuantizerParameters() throws {
        let model = ModelZoo.make(.lenet5, seed: 8)
        var config = QATConfiguration(lambda: 0, binPolicy: .learned)
        config.initialBins = 9
        config.firstLayerBins = 255
        let qat = try QuantizationAwareTraining(model: model, configuration: config)
        let exported = try qat.export()
        XCTAssertEqual(exported.quantized.map(\.name), model.weightLayers().map { $0.name + ".weight" })
        XCTAssertEqual(exported.quantized.first?.quantizer.bins, 255)
        XCTAssertTrue(exported.quantized.dropFirst().allSatisfy { $0.quantizer.bins == 9 })
        XCTAssertFalse(exported.kept.contains { QuantizationAwareTraining.isQuantizerParameter($0.name) })
        XCTAssertTrue(exported.kept.contains { $0.name.hasSuffix(".bias") })
        // Loading the export into a fresh model succeeds: every tensor is there with its shape.
        try ModelZoo.make(.lenet5, seed: 1).load(exported)
    }

    func testInvalidOptionsAreRefused() {
        XCTAssertThrowsError(try QuantizationAwareTraining(model: ModelZoo.make(.mlp, seed: 1),
                                                           configuration: QATConfiguration(lambda: 0, binPolicy: .fixed(4))))
        XCTAssertThrowsError(try QuantizationAwareTraining(model: ModelZoo.make(.mlp, seed: 1),
                                                           configuration: QATConfiguration(lambda: -1, binPolicy: .fixed(3)))) { error in
            XCTAssertTrue("\(error)".contains("Fix:"))
        }
        var warmup = QATConfiguration(lambda: 0.1, binPolicy: .learned)
        warmup.lambdaWarmupEpochs = -0.5
        XCTAssertThrowsError(try warmup.validate()) { XCTAssertEqual($0 as? QATError, .invalidLambdaWarmup(-0.5)) }
        warmup.initialBins = 8
        warmup.lambdaWarmupEpochs = 0
        XCTAssertThrowsError(try warmup.validate(), "learned precision starts from an odd count")
    }
}
