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

    /// The weights and steps descend the range-extended entropy, the precisions the clipped one;
    /// each analytic gradient must match central differences of its function.
    func testGradientsMatchFiniteDifferences() {
        let layers = makeLayers(seed: 7, learnsPrecision: true)
        let regularizer = EntropyRegularizer(layers: layers, temperature: 0.3)
        let lambda = 1.0
        let rate = regularizer.accumulateGradients(lambda: lambda)
        XCTAssertEqual(rate, regularizer.rate(), accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(regularizer.extendedRate(), rate - 1e-9, "clipping merges bins: the extended rate is the larger")

        func numeric(_ value: Tensor, _ i: Int, _ h: Float, _ f: () -> Double) -> Double {
            let saved = value[i]
            value[i] = saved + h
            let up = f()
            value[i] = saved - h
            let down = f()
            value[i] = saved
            return (up - down) / Double(2 * h)
        }
        for layer in layers {
            for i in stride(from: 0, to: layer.weight.value.count, by: 13) {
                let expected = numeric(layer.weight.value, i, 1e-3, regularizer.extendedRate)
                XCTAssertEqual(Double(layer.weight.grad[i]), expected, accuracy: 2e-3 * max(1, abs(expected)), "weight \(i)")
            }
            // The step gradient carries the LSQ scale; undo it to compare with dR/dΔ.
            let scale = Double(layer.transform.quantizer.lsqGradientScale(count: layer.weight.value.count))
            let stepExpected = numeric(layer.transform.step.value, 0, 1e-4, regularizer.extendedRate)
            XCTAssertEqual(Double(layer.transform.step.grad[0]) / scale, stepExpected, accuracy: 2e-3 * max(1, abs(stepExpected)))
            let precisionExpected = numeric(layer.transform.precision.value, 0, 0.05, regularizer.rate)
            XCTAssertEqual(Double(layer.transform.precision.grad[0]), precisionExpected, accuracy: 1e-3 * max(1, abs(precisionExpected)))
            XCTAssertGreaterThan(precisionExpected, 0, "more levels cost more rate")
        }
    }

    /// The failure mode of the clipped entropy: with a step so small that nearly every weight is
    /// clipped to the two outer bins, the clipped rate no longer pulls the step up (its gradient
    /// vanishes), while the extended rate does, strongly.
    func testCollapsedStepIsPulledBackUp() {
        var rng = Xoshiro256(seed: 5)
        let n = 2000
        let weight = Parameter(Tensor(shape: [n], values: (0..<n).map { _ in rng.nextNormal() * 0.1 }))
        let transform = FakeQuantizeTransform(step: 0.002, bins: 3, learnsPrecision: false)
        let regularizer = EntropyRegularizer(layers: [(weight, transform)], temperature: 0.5)
        regularizer.accumulateGradients(lambda: 1)
        let extendedStepGradient = Double(transform.step.grad[0]) / Double(transform.quantizer.lsqGradientScale(count: n))
        func clippedRate(_ step: Float) -> Double {
            transform.step.value[0] = step
            defer { transform.step.value[0] = 0.002 }
            return regularizer.rate()
        }
        let clippedStepGradient = (clippedRate(0.002 * 1.01) - clippedRate(0.002 * 0.99)) / (0.002 * 0.02)
        XCTAssertGreaterThan(regularizer.rate(), 0.9, "almost all weights sit in the outer bins")
        XCTAssertLessThan(abs(clippedStepGradient) * 0.002, 0.1, "clipped rate: nearly flat in the step")
        XCTAssertLessThan(extendedStepGradient * 0.002, -0.7, "extended rate: a larger step saves most of a bit per weight per e-fold")
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
