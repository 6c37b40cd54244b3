import XCTest
@testable import Training

/// The direct 3×3 convolution (AVX2 kernels), plain and with Winograd F(4, 3) along rows, against
/// the definition of convolution and the im2col path.
final class DirectConvolutionTests: XCTestCase {
    private let kernels: [ConvolutionAlgorithm] = [.direct, .rowWinograd]
    private let train1 = ExecutionContext(training: true, threads: 1)
    private let train2 = ExecutionContext(training: true, threads: 2)

    /// (in, out, batch, H, W): even and odd planes (7×7 as in ResNet-20's stage 3), a 1×1 plane
    /// (all border), 2-row planes, wide planes whose flat positions are not a multiple of the
    /// kernel's 24, output channels in blocks of 16 and a last block of 8 (8, 16, 24, 40).
    private let shapes: [(Int, Int, Int, Int, Int)] = [
        (8, 8, 3, 5, 6), (8, 8, 5, 7, 7), (8, 8, 3, 1, 1), (8, 16, 3, 2, 9), (16, 16, 3, 6, 6),
        (16, 8, 3, 3, 13), (8, 24, 5, 5, 16), (24, 8, 2, 28, 28), (40, 16, 2, 4, 4),
    ]

    override func setUpWithError() throws {
        try XCTSkipUnless(DirectConvolution.isAvailable, "this CPU has no AVX2 + FMA: Conv2d falls back to im2col")
    }

    private func runsKernel(_ c: Conv2d, _ kernel: ConvolutionAlgorithm) -> Bool {
        kernel == .rowWinograd ? c.usesRowWinograd && !c.usesDirect : c.usesDirect && !c.usesRowWinograd
    }

    private func conv(_ s: (Int, Int, Int, Int, Int), _ algorithm: ConvolutionAlgorithm, bias: Bool,
                      seed: UInt64) -> Conv2d {
        var rng = Xoshiro256(seed: seed)
        let c = Conv2d(s.0, s.1, kernelSize: 3, padding: 1, bias: bias, rng: &rng)
        c.algorithm = algorithm
        // Two images per chunk: with 3 or 5 images per batch, every thread ends on a shorter
        // chunk, whose padded buffer still holds the previous chunk's pixels past its end.
        let padded = (s.3 + 1) * (s.4 + 1)
        c.chunkFloats = algorithm == .rowWinograd
            ? 12 * max(s.0, s.1) * (s.4 + 3) / 4 * (s.3 + 1)
            : 2 * (2 * s.0 + s.1) * padded
        if let b = c.bias { for i in 0..<b.value.count { b.value[i] = 0.1 * Float(i + 1) } }
        return c
    }

    func testForwardMatchesTheDefinition() {
        // Plus first layers (no ∂input), whose input channels need not come in eights, and
        // ResNet-20's widest stage (64 channels at 7×7: the most terms per output).
        for kernel in kernels { for (index, s) in (shapes + [(1, 8, 3, 8, 4), (3, 24, 2, 5, 5), (64, 64, 3, 7, 7)]).enumerated() {
            let c = conv(s, kernel, bias: index % 2 == 0, seed: UInt64(index))
            c.needsInputGradient = s.0 % 8 == 0
            XCTAssertTrue(runsKernel(c, kernel), "shape \(s)")
            var rng = Xoshiro256(seed: 100 + UInt64(index))
            let x = GradientCheck.randomTensor([s.0, s.2, s.3, s.4], rng: &rng)
            let expected = ConvolutionChecks.definition(c, x)
            for context in [train1, train2] {
                let y = c.forward(x, context: context)
                XCTAssertEqual(y.shape, [s.1, s.2, s.3, s.4])
                for i in 0..<expected.count {
                    XCTAssertEqual(Double(y[i]), expected[i], accuracy: 1e-4,
                                   "\(kernel) shape \(s) at \(i), \(context.threads) thread(s)")
                }
            }
        } }
    }

    func testBackwardMatchesIm2col() {
        for kernel in kernels { for (index, s) in shapes.enumerated() {
            let fast = conv(s, kernel, bias: true, seed: UInt64(20 + index))
            let slow = conv(s, .im2col, bias: true, seed: UInt64(20 + index))
            XCTAssertTrue(runsKernel(fast, kernel))
            XCTAssertFalse(slow.usesDirect || slow.usesRowWinograd)
            var rng = Xoshiro256(seed: 200 + UInt64(index))
            let x = GradientCheck.randomTensor([s.0, s.2, s.3, s.4], rng: &rng)
            let dy = GradientCheck.randomTensor([s.1, s.2, s.3, s.4], rng: &rng)
            ConvolutionChecks.assertBackwardMatches(fast, slow, x: x, dy: dy,
                                                    context: index % 2 == 0 ? train2 : train1, label: "\(kernel) \(s)")
        } }
    }

    func testGradientsMatchFiniteDifferences() {
        for kernel in kernels { for (index, s) in shapes.prefix(4).enumerated() {
            let c = conv(s, kernel, bias: index % 2 == 1, seed: UInt64(40 + index))
            var rng = Xoshiro256(seed: 300 + UInt64(index))
            let x = GradientCheck.randomTensor([s.0, s.2, s.3, s.4], rng: &rng)
            GradientCheck().check(c, input: x, context: index % 2 == 0 ? train2 : train1)
        } }
    }

    func testWeightGradientWithoutInputGradientIsTheSame() {
        let s = (8, 16, 3, 7, 7)
        for kernel in kernels {
        var grads: [[Float]] = []
        for needsInput in [true, false] {
            let c = conv(s, kernel, bias: false, seed: 7)
            c.needsInputGradient = needsInput
            XCTAssertTrue(runsKernel(c, kernel))
            var rng = Xoshiro256(seed: 8)
            let x = GradientCheck.randomTensor([s.0, s.2, s.3, s.4], rng: &rng)
            let dy = GradientCheck.randomTensor([s.1, s.2, s.3, s.4], rng: &rng)
            _ = c.forward(x, context: train2)
            c.weight.grad.fill(0)
            let dx = c.backward(dy, context: train2)
            XCTAssertEqual(dx.count, needsInput ? x.count : 0)
            grads.append(c.weight.grad.toArray())
        }
        XCTAssertEqual(grads[0], grads[1], "\(kernel)")
        }
    }

    /// Same input, same thread count → the same bits, also when the layer's buffers were last
    /// laid out for another plane size.
    func testDeterministicAcrossCallsAndPlaneSizes() {
        for kernel in kernels {
        let c = conv((8, 8, 4, 9, 9), kernel, bias: true, seed: 3)
        var rng = Xoshiro256(seed: 4)
        let x = GradientCheck.randomTensor([8, 4, 9, 9], rng: &rng)
        let other = GradientCheck.randomTensor([8, 4, 5, 11], rng: &rng)
        let dy = GradientCheck.randomTensor([8, 4, 9, 9], rng: &rng)
        var runs: [([Float], [Float], [Float])] = []
        for round in 0..<2 {
            if round == 1 { _ = c.forward(other, context: train2) }
            let y = c.forward(x, context: train2).toArray()
            c.weight.grad.fill(0)
            let dx = c.backward(dy, context: train2).toArray()
            runs.append((y, dx, c.weight.grad.toArray()))
        }
        XCTAssertEqual(runs[0].0, runs[1].0, "\(kernel)")
        XCTAssertEqual(runs[0].1, runs[1].1, "\(kernel)")
        XCTAssertEqual(runs[0].2, runs[1].2, "\(kernel)")
        }
    }

    func testDirectOnlyWhereTheShapeAllowsIt() {
        var rng = Xoshiro256(seed: 1)
        let plain = Conv2d(16, 16, kernelSize: 3, padding: 1, rng: &rng)
        XCTAssertEqual(plain.algorithm, .rowWinograd, "row Winograd is the default")
        XCTAssertTrue(plain.usesRowWinograd)
        XCTAssertFalse(plain.usesDirect)
        plain.algorithm = .direct
        XCTAssertTrue(plain.usesDirect)
        XCTAssertFalse(plain.usesRowWinograd)
        let first = Conv2d(1, 16, kernelSize: 3, padding: 1, rng: &rng)
        XCTAssertFalse(first.usesRowWinograd, "∂input over 1 input channel: im2col")
        first.needsInputGradient = false
        XCTAssertTrue(first.usesRowWinograd, "a first layer needs no ∂input")
        for (layer, why) in [(Conv2d(16, 32, kernelSize: 3, stride: 2, padding: 1, rng: &rng), "strided"),
                             (Conv2d(16, 16, kernelSize: 5, padding: 2, rng: &rng), "5×5"),
                             (Conv2d(8, 16, kernelSize: 3, rng: &rng), "unpadded"),
                             (Conv2d(8, 12, kernelSize: 3, padding: 1, rng: &rng), "12 output channels"),
                             (Conv2d(12, 8, kernelSize: 3, padding: 1, rng: &rng), "∂input over 12 channels")] {
            XCTAssertFalse(layer.usesRowWinograd, "\(why): falls back to im2col")
            layer.algorithm = .direct
            XCTAssertFalse(layer.usesDirect, "\(why): falls back to im2col")
        }
    }

    func testModelReportsItsConvolutionAlgorithms() {
        let resnet = ModelZoo.make(.resnet20, seed: 0)
        XCTAssertEqual(resnet.convolutionAlgorithms, [.im2col, .rowWinograd])
        resnet.network.visitLayers(prefix: "") { _, layer in (layer as? Conv2d)?.algorithm = .direct }
        XCTAssertEqual(resnet.convolutionAlgorithms, [.im2col, .direct])
        XCTAssertEqual(ModelZoo.make(.lenet5, seed: 0).convolutionAlgorithms, [.im2col])
        XCTAssertEqual(ModelZoo.make(.mlp, seed: 0).convolutionAlgorithms, [])
    }
}
