import XCTest
import ModelIO
@testable import Training

final class ModelTests: XCTestCase {
    func testParameterCountsAndNames() {
        let mlp = ModelZoo.make(.mlp, seed: 0)
        XCTAssertEqual(mlp.parameterCount, 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10)
        let lenet = ModelZoo.make(.lenet5, seed: 0)
        XCTAssertEqual(lenet.parameterCount, 150 + 12 + 2400 + 32 + 48_120 + 10_164 + 850)
        let resnet = ModelZoo.make(.resnet20, seed: 0)
        // 19 3×3 convolutions, 19 batch norms, fc 64→10: He et al.'s 0.27 M.
        var convs = 144 + 6 * 2304
        convs += 16 * 32 * 9 + 5 * 32 * 32 * 9
        convs += 32 * 64 * 9 + 5 * 64 * 64 * 9
        let bns = 2 * (16 + 6 * 16 + 6 * 32 + 6 * 64)
        XCTAssertEqual(resnet.parameterCount, convs + bns + 650)
        XCTAssertEqual(Double(resnet.parameterCount) / 1e6, 0.27, accuracy: 0.01)
        let names = resnet.namedParameters().map(\.name) + resnet.namedBuffers().map(\.name)
        for expected in ["conv1.weight", "bn1.bias", "layer1.0.conv1.weight", "layer2.0.bn2.weight",
                         "layer3.2.conv2.weight", "layer1.0.bn1.running_mean", "fc.weight", "fc.bias"] {
            XCTAssertTrue(names.contains(expected), expected)
        }
    }

    func testForwardShapesAndBatchIndependenceInEval() {
        var rng = Xoshiro256(seed: 3)
        for arch in Architecture.allCases {
            let model = ModelZoo.make(arch, seed: 2)
            let x = GradientCheck.randomTensor([5, 1, 28, 28], rng: &rng)
            let ctx = ExecutionContext(training: false, threads: 2)
            let all = model.forward(x, context: ctx).clone()
            XCTAssertEqual(all.shape, [5, 10])
            // Inference on one image gives the same logits as inside the batch.
            let one = Tensor(shape: [1, 1, 28, 28])
            one.pointer.update(from: x.pointer + 3 * 784, count: 784)
            let single = model.forward(one, context: ctx)
            for j in 0..<10 { XCTAssertEqual(single[j], all[30 + j], accuracy: 1e-4, "\(arch)") }
        }
    }

    func testWholeModelGradientMatchesFiniteDifferences() {
        // Cross-entropy of a small LeNet-5 batch in training mode, through every layer type.
        var rng = Xoshiro256(seed: 4)
        let model = ModelZoo.make(.lenet5, seed: 5)
        let x = GradientCheck.randomTensor([4, 1, 28, 28], rng: &rng)
        let labels: [Int32] = [1, 7, 3, 3]
        let ctx = ExecutionContext(training: true, threads: 2)
        let ce = SoftmaxCrossEntropy()
        let loss = { () -> Double in
            labels.withUnsafeBufferPointer { ce.evaluate(logits: model.forward(x, context: ctx), labels: $0).loss }
        }
        _ = loss()
        model.zeroGrad()
        model.backward(ce.gradient, context: ctx)
        // Every layer is checked exactly in LayerGradientTests; here a few coordinates may
        // sit next to a ReLU or max-pool kink (see `allowedFailureFraction`).
        let check = GradientCheck(epsilon: 5e-4, absoluteTolerance: 2e-3, relativeTolerance: 5e-2, samples: 20,
                                  allowedFailureFraction: 0.2)
        for (name, p) in model.namedParameters() {
            check.compare(name: name, tensor: p.value, analytic: p.grad.clone(), loss: loss,
                          file: #filePath, line: #line)
        }
    }
}
