import XCTest
@testable import Training

/// A learnable scale `effective = s·w` — a stand-in for a fake quantizer with its own parameter.
private final class LearnedScale: WeightTransform {
    let scale = Parameter(Tensor(shape: [1], values: [0.7]))
    var forwardCalls = 0

    func forward(weight: Tensor, into effective: Tensor, context: ExecutionContext) {
        forwardCalls += 1
        for i in 0..<weight.count { effective[i] = scale.value[0] * weight[i] }
    }

    func backward(weight: Tensor, gradEffective: Tensor, gradWeight: Tensor, context: ExecutionContext) {
        var ds: Float = 0
        for i in 0..<weight.count {
            gradWeight[i] += scale.value[0] * gradEffective[i]
            ds += gradEffective[i] * weight[i]
        }
        scale.grad[0] += ds
    }

    func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) {
        body(prefix + "weight_scale", scale)
    }
}

final class WeightTransformTests: XCTestCase {
    func testTransformGradientsOnConvAndLinear() {
        var rng = Xoshiro256(seed: 21)
        let conv = Conv2d(2, 3, kernelSize: 3, padding: 1, bias: true, rng: &rng)
        let t1 = LearnedScale()
        conv.weightTransform = t1
        let x = GradientCheck.randomTensor([2, 2, 5, 5], rng: &rng)
        GradientCheck().check(conv, input: x, context: ExecutionContext(training: true, threads: 2))
        XCTAssertGreaterThan(t1.forwardCalls, 0)

        let fc = Linear(6, 4, rng: &rng)
        fc.weightTransform = LearnedScale()
        GradientCheck().check(fc, input: GradientCheck.randomTensor([3, 6], rng: &rng),
                              context: ExecutionContext(training: true, threads: 1))
    }

    func testTransformParametersAreNamedUnderTheirLayer() {
        let model = ModelZoo.make(.lenet5, seed: 1)
        for (_, layer) in model.weightLayers() { layer.weightTransform = LearnedScale() }
        let names = model.namedParameters().map(\.name)
        XCTAssertTrue(names.contains("conv1.weight_scale"))
        XCTAssertTrue(names.contains("fc3.weight_scale"))
        XCTAssertEqual(model.weightLayers().map(\.name), ["conv1", "conv2", "fc1", "fc2", "fc3"])
    }
}
