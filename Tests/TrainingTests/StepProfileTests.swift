import XCTest
@testable import Training

final class StepProfileTests: XCTestCase {
    /// Per-layer training FLOPs: one entry per layer outside a `Sequential`, named by its path,
    /// with the first layer's missing `∂input` (factor 2 instead of 3).
    func testTrainingFLOPsPerLayer() {
        let lenet = ModelZoo.make(.lenet5, seed: 0).trainingFLOPsPerLayer()
        XCTAssertEqual(lenet.map(\.name), ["conv1", "bn1", "pool1", "conv2", "bn2", "pool2", "flatten",
                                           "fc1", "relu3", "fc2", "relu4", "fc3"])
        let flops = Dictionary(uniqueKeysWithValues: lenet.map { ($0.name, $0.flops) })
        XCTAssertEqual(flops["conv1"], 2 * (2 * 28 * 28 * 6 * 25))      // forward + ∂W only
        XCTAssertEqual(flops["conv2"], 3 * (2 * 10 * 10 * 16 * 6 * 25))
        XCTAssertEqual(flops["fc1"], 3 * (2 * 400 * 120))
        XCTAssertEqual(flops["pool1"], 0)
        let resnet = ModelZoo.make(.resnet20, seed: 0).trainingFLOPsPerLayer().map(\.name)
        XCTAssertEqual(resnet, ["conv1", "bn1"] + (1...3).flatMap { s in (0..<3).map { "layer\(s).\($0)" } } + ["avgpool", "fc"])
    }

    /// A timed layer is transparent: a model whose layers are wrapped computes bit-identical
    /// logits and gradients, and the timers see both passes.
    func testTimedLayersAreTransparent() {
        let plain = ModelZoo.make(.lenet5, seed: 7), timed = ModelZoo.make(.lenet5, seed: 7)
        var timers: [TimedLayer] = []
        (timed.network as! Sequential).replaceChildren { name, layer in
            let timer = TimedLayer(layer, name: name)
            timers.append(timer)
            return timer
        }
        XCTAssertEqual(timed.namedParameters().map(\.name), plain.namedParameters().map(\.name))
        var rng = Xoshiro256(seed: 8)
        let x = GradientCheck.randomTensor([4, 1, 28, 28], rng: &rng)
        let context = ExecutionContext(training: true, threads: 2)
        let a = plain.forward(x, context: context).clone(), b = timed.forward(x, context: context).clone()
        XCTAssertEqual(a.shape, b.shape)
        XCTAssertTrue((0..<a.count).allSatisfy { a[$0] == b[$0] })
        plain.zeroGrad(); timed.zeroGrad()
        let g = GradientCheck.randomTensor([4, 10], rng: &rng)
        plain.backward(g, context: context)
        timed.backward(g, context: context)
        for (p, q) in zip(plain.parameters, timed.parameters) {
            XCTAssertTrue((0..<p.grad.count).allSatisfy { p.grad[$0] == q.grad[$0] })
        }
        XCTAssertEqual(timers.count, 12)
        XCTAssertTrue(timers.allSatisfy { $0.forwardSeconds > 0 && $0.backwardSeconds > 0 })
    }

    func testProfileCoversTheStep() {
        let profile = StepProfile.measure(.resnet20, batchSize: 4, threads: 2, steps: 2)
        XCTAssertEqual(profile.layers.map(\.name), ModelZoo.make(.resnet20, seed: 0).trainingFLOPsPerLayer().map(\.name))
        XCTAssertTrue(profile.layers.allSatisfy { $0.forwardSeconds > 0 && $0.backwardSeconds > 0 })
        XCTAssertGreaterThan(profile.otherSeconds, 0, "loss and update lie outside the layers")
        XCTAssertLessThan(profile.otherSeconds, profile.stepSeconds)
    }
}
