import XCTest
@testable import Training

/// ResNet-20's blocks pass the gradient back through the previous block's ReLU as conv1 stores
/// it (`masksGradientByInput`, `gradientArrivesMasked`); training must not notice.
final class ResidualMaskTests: XCTestCase {
    func testModelZooPairsTheBlocks() {
        let model = ModelZoo.make(.resnet20, seed: 3)
        var blocks: [BasicBlock] = []
        model.network.visitLayers(prefix: "") { _, layer in if let b = layer as? BasicBlock { blocks.append(b) } }
        XCTAssertEqual(blocks.count, 9)
        // Identity blocks after another block mask; the first block and the stride-2 ones do not.
        XCTAssertEqual(blocks.map(\.masksGradientByInput), [false, true, true, false, true, true, false, true, true])
        XCTAssertEqual(blocks.map(\.gradientArrivesMasked), [true, true, false, true, true, false, true, true, false])
    }

    func testMaskedGradientsTrainBitForBitLikeTheSeparatePasses() {
        for algorithm in [ConvolutionAlgorithm.rowWinograd, .im2col] {
            let fused = ModelZoo.make(.resnet20, seed: 4), plain = ModelZoo.make(.resnet20, seed: 4)
            for model in [fused, plain] {
                model.network.visitLayers(prefix: "") { _, layer in (layer as? Conv2d)?.algorithm = algorithm }
            }
            plain.network.visitLayers(prefix: "") { _, layer in
                if let block = layer as? BasicBlock { block.masksGradientByInput = false; block.gradientArrivesMasked = false }
            }
            var rng = Xoshiro256(seed: 5)
            let images = Tensor(shape: [6, 1, 28, 28])
            for i in 0..<images.count { images[i] = rng.nextNormal() }
            let labels: [Int32] = [0, 1, 2, 3, 4, 5]
            let context = ExecutionContext(training: true, threads: 2)
            for model in [fused, plain] {
                let logits = model.forward(images, context: context)
                let loss = SoftmaxCrossEntropy()
                _ = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0) }
                model.zeroGrad()
                model.backward(loss.gradient, context: context)
            }
            var names: [String] = [], grads: [[UInt32]] = []
            fused.network.visitParameters(prefix: "") { name, p in names.append(name); grads.append(p.grad.toArray().map(\.bitPattern)) }
            var i = 0
            plain.network.visitParameters(prefix: "") { name, p in
                XCTAssertEqual(grads[i], p.grad.toArray().map(\.bitPattern), "\(algorithm): \(name)")
                i += 1
            }
            XCTAssertEqual(i, names.count)
        }
    }
}
