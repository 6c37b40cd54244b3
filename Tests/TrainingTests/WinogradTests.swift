import XCTest
@testable import Training

/// Winograd F(2×2, 3×3) against the definition of convolution and against the im2col path.
final class WinogradTests: XCTestCase {
    private let train1 = ExecutionContext(training: true, threads: 1)
    private let train2 = ExecutionContext(training: true, threads: 2)

    /// (in, out, batch, H, W): even and odd planes (7×7 as in ResNet-20's stage 3), 1×1 and
    /// 1×N planes where every tile is clipped, thin and wide channel counts; rows of 1–3
    /// tiles (one at a time), exactly 4 and 8 (SIMD groups), 5 and 7 (a last group that overlaps).
    private let shapes: [(Int, Int, Int, Int, Int)] = [
        (3, 4, 3, 5, 6), (8, 5, 2, 7, 7), (2, 3, 3, 1, 1), (4, 2, 2, 2, 9), (5, 6, 3, 8, 4), (16, 16, 2, 6, 6), (3, 2, 2, 3, 13), (4, 3, 2, 5, 16),
    ]

    private func conv(_ shape: (Int, Int, Int, Int, Int), _ algorithm: ConvolutionAlgorithm, bias: Bool,
                      seed: UInt64) -> Conv2d {
        var rng = Xoshiro256(seed: seed)
        let c = Conv2d(shape.0, shape.1, kernelSize: 3, padding: 1, bias: bias, rng: &rng)
        c.algorithm = algorithm
        c.chunkFloats = 256   // several chunks per thread, chunks that end mid-image
        if let b = c.bias { for i in 0..<b.value.count { b.value[i] = 0.1 * Float(i + 1) } }
        return c
    }

    func testForwardMatchesTheDefinition() {
        for (index, s) in shapes.enumerated() {
            let c = conv(s, .winograd, bias: index % 2 == 0, seed: UInt64(index))
            XCTAssertTrue(c.usesWinograd)
            var rng = Xoshiro256(seed: 100 + UInt64(index))
            let x = GradientCheck.randomTensor([s.0, s.2, s.3, s.4], rng: &rng)
            let expected = ConvolutionChecks.definition(c, x)
            for context in [train1, train2] {
                let y = c.forward(x, context: context)
                XCTAssertEqual(y.shape, [s.1, s.2, s.3, s.4])
                for i in 0..<expected.count {
                    XCTAssertEqual(Double(y[i]), expected[i], accuracy: 1e-4, "shape \(s) at \(i)")
                }
            }
        }
    }

    func testBackwardMatchesIm2col() {
        for (index, s) in shapes.enumerated() {
            let fast = conv(s, .winograd, bias: true, seed: UInt64(20 + index))
            let reference = conv(s, .im2col, bias: true, seed: UInt64(20 + index))
            XCTAssertFalse(reference.usesWinograd)
            var rng = Xoshiro256(seed: 200 + UInt64(index))
            let x = GradientCheck.randomTensor([s.0, s.2, s.3, s.4], rng: &rng)
            let dy = GradientCheck.randomTensor([s.1, s.2, s.3, s.4], rng: &rng)
            ConvolutionChecks.assertBackwardMatches(fast, reference, x: x, dy: dy,
                                                    context: index % 2 == 0 ? train2 : train1, label: "\(s)")
        }
    }

    func testGradientsMatchFiniteDifferences() {
        for (index, s) in shapes.prefix(4).enumerated() {
            let c = conv(s, .winograd, bias: index % 2 == 1, seed: UInt64(40 + index))
            var rng = Xoshiro256(seed: 300 + UInt64(index))
            let x = GradientCheck.randomTensor([s.0, s.2, s.3, s.4], rng: &rng)
            GradientCheck().check(c, input: x, context: index % 2 == 0 ? train2 : train1)
        }
    }

    func testWeightGradientWithoutInputGradientIsTheSame() {
        let s = (8, 4, 3, 7, 7)
        var grads: [[Float]] = []
        for needsInput in [true, false] {
            let c = conv(s, .winograd, bias: false, seed: 7)
            XCTAssertTrue(c.usesWinograd)
            c.needsInputGradient = needsInput
            var rng = Xoshiro256(seed: 8)
            let x = GradientCheck.randomTensor([s.0, s.2, s.3, s.4], rng: &rng)
            let dy = GradientCheck.randomTensor([s.1, s.2, s.3, s.4], rng: &rng)
            _ = c.forward(x, context: train2)
            c.weight.grad.fill(0)
            let dx = c.backward(dy, context: train2)
            XCTAssertEqual(dx.count, needsInput ? x.count : 0)
            grads.append(c.weight.grad.toArray())
        }
        XCTAssertEqual(grads[0], grads[1])
    }

    func testWinogradOnlyWhereTheShapeAllowsIt() {
        var rng = Xoshiro256(seed: 1)
        let plain = Conv2d(16, 16, kernelSize: 3, padding: 1, rng: &rng)
        XCTAssertFalse(plain.usesWinograd, "im2col is the default")
        plain.algorithm = .winograd
        XCTAssertTrue(plain.usesWinograd)
        for (layer, why) in [(Conv2d(16, 32, kernelSize: 3, stride: 2, padding: 1, rng: &rng), "strided"),
                             (Conv2d(16, 16, kernelSize: 5, padding: 2, rng: &rng), "5×5"),
                             (Conv2d(6, 16, kernelSize: 3, rng: &rng), "unpadded")] {
            layer.algorithm = .winograd
            XCTAssertFalse(layer.usesWinograd, "\(why): falls back to im2col")
        }
    }
}
