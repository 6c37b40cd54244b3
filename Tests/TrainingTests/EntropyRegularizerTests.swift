import XCTest
import Quantization
@testable import Training

final class EntropyRegularizerTests: XCTestCase {
    /// Two layers of random weights with fake quantizers, as the trainer would install them.
    func makeLayers(seed: UInt64, learnsPrecision: Bool) -> [(weight: Parameter, transform: FakeQuantizeTransform)] {
        var rng = Xoshiro256(seed: seed)
        return [(60, 0.05, 7), (150, 0.08, 5)].map { (n: Int, step: Float, bins: Int) in
            let w = Parameter(Tensor(shape: [n], values: (0..<n).map { _ in rng.nextNormal() * 0.1 }))
            let t = FakeQuantizeTransform(step: step, bins: bins, learnsPrecision: learnsPrecision)
            if learnsPrecision { t.precision.value[0] += 0.3 }
            return (w, t)
        }
    }

    /// R is smooth in the weights, the steps and (piecewise linearly) the precisions, so its
    /// analytic gradient must match central differences.
    func testGradientsMatchFiniteDifferences() {
        let layers = makeLayers(seed: 7, learnsPrecision: true)
        let regularizer = EntropyRegularizer(layers: layers, temperature: 0.3)
        let lambda = 1.0
        let rate = regularizer.accumulateGradients(lambda: lambda)
        XCTAssertEqual(rate, regularizer.rate(), accuracy: 1e-9)

        func numeric(_ value: Tensor, _ i: Int, _ h: Float) -> Double {
            let saved = value[i]
            value[i] = saved + h
            let up = regularizer.rate()
            value[i] = saved - h
            let down = regularizer.rate()
            value[i] = saved
            return (up - down) / Double(2 * h)
        }
        for layer in layers {
            for i in stride(from: 0, to: layer.weight.value.count, by: 13) {
                let expected = numeric(layer.weight.value, i, 1e-3)
                XCTAssertEqual(Double(layer.weight.grad[i]), expected, accuracy: 2e-3 * max(1, abs(expected)), "weight \(i)")
            }
            // The step gradient carries the LSQ scale; undo it to compare with dR/dΔ.
            let scale = Double(layer.transform.quantizer.lsqGradientScale(count: layer.weight.value.count))
            let stepExpected = numeric(layer.transform.step.value, 0, 1e-4)
            XCTAssertEqual(Double(layer.transform.step.grad[0]) / scale, stepExpected, accuracy: 2e-3 * max(1, abs(stepExpected)))
            let precisionExpected = numeric(layer.transform.precision.value, 0, 0.05)
            XCTAssertEqual(Double(layer.transform.precision.grad[0]), precisionExpected, accuracy: 1e-3 * max(1, abs(precisionExpected)))
        }
    }

    func testZeroLambdaAddsNoGradient() {
        let layers = makeLayers(seed: 3, learnsPrecision: true)
        let rate = EntropyRegularizer(layers: layers, temperature: 0.3).accumulateGradients(lambda: 0)
        XCTAssertGreaterThan(rate, 0)
        for layer in layers {
            XCTAssertTrue(layer.weight.grad.toArray().allSatisfy { $0 == 0 })
            XCTAssertEqual(layer.transform.step.grad[0], 0)
            XCTAssertEqual(layer.transform.precision.grad[0], 0)
        }
    }

    func testTransformExposesStepAndPrecisionUnderTheLayerName() {
        var rng = Xoshiro256(seed: 1)
        let fc = Linear(4, 3, rng: &rng)
        let learned = FakeQuantizeTransform(step: 0.1, bins: 7, learnsPrecision: true)
        fc.weightTransform = learned
        var names: [String] = []
        learned.visitParameters(prefix: "fc1.") { name, _ in names.append(name) }
        XCTAssertEqual(names, ["fc1.weight_step", "fc1.weight_precision"])
        let fixed = FakeQuantizeTransform(step: 0.1, bins: 7, learnsPrecision: false)
        names = []
        fixed.visitParameters(prefix: "fc1.") { name, _ in names.append(name) }
        fixed.visitBuffers(prefix: "fc1.") { name, _ in names.append(name) }
        XCTAssertEqual(names, ["fc1.weight_step", "fc1.weight_precision"], "a fixed precision is a saved buffer")
        learned.step.value[0] = -1
        learned.precision.value[0] = 400
        learned.clampToDomain()
        XCTAssertEqual(learned.step.value[0], FakeQuantizeTransform.minimumStep)
        XCTAssertEqual(learned.precision.value[0], FakeQuantizer.maxPrecision)
    }
}
