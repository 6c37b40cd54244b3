import XCTest
@testable import Training

/// `Sequential.backward` stops below a layer that returns no input gradient: the layers under it
/// have no parameters, and would otherwise read a gradient that was never written (the MLP's
/// `Flatten` read 784 floats past a one-float buffer — AddressSanitizer's heap-buffer-overflow,
/// and the intermittent SIGSEGV of the thread-determinism test).
final class SequentialBackwardTests: XCTestCase {
    /// Records the gradient each backward pass receives.
    final class Spy: Layer {
        var received: [Int] = []
        func forward(_ input: Tensor, context: ExecutionContext) -> Tensor { input }
        func backward(_ gradOutput: Tensor, context: ExecutionContext) -> Tensor {
            received.append(gradOutput.count)
            return gradOutput
        }
        func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) { (0, inputShape) }
    }

    func testLayersBelowAnUnneededInputGradientAreNotRun() {
        var rng = Xoshiro256(seed: 3)
        let spy = Spy()
        let fc1 = Linear(12, 5, rng: &rng)
        fc1.needsInputGradient = false
        let net = Sequential([("spy", spy), ("flatten", Flatten()), ("fc1", fc1), ("relu", ReLU()),
                              ("fc2", Linear(5, 3, rng: &rng))])
        let context = ExecutionContext(training: true, threads: 1)
        let x = Tensor(shape: [3, 2, 2, 2], values: (0..<24).map { Float($0) / 24 })
        let y = net.forward(x, context: context)
        XCTAssertEqual(y.shape, [2, 3])
        let g = net.backward(Tensor(shape: [2, 3], values: [Float](repeating: 1, count: 6)), context: context)
        XCTAssertEqual(g.count, 0, "no input gradient")
        XCTAssertEqual(spy.received, [], "nothing below fc1 runs backward")
        XCTAssertNotEqual(fc1.weight.grad.toArray(), [Float](repeating: 0, count: 60), "fc1's own gradient is computed")

        // With the input gradient needed, every layer runs and the spy sees the whole gradient.
        fc1.needsInputGradient = true
        _ = net.forward(x, context: context)
        let full = net.backward(Tensor(shape: [2, 3], values: [Float](repeating: 1, count: 6)), context: context)
        XCTAssertEqual(full.shape, [3, 2, 2, 2])
        XCTAssertEqual(spy.received, [24])
    }
}
