import XCTest
@testable import Training

/// Every layer's backward pass against central finite differences.
final class LayerGradientTests: XCTestCase {
    let train1 = ExecutionContext(training: true, threads: 1)
    let train2 = ExecutionContext(training: true, threads: 2)

    func testLinear() {
        var rng = Xoshiro256(seed: 1)
        let fc = Linear(7, 5, rng: &rng)
        let x = GradientCheck.randomTensor([6, 7], rng: &rng)
        GradientCheck().check(fc, input: x, context: train2)
    }

    func testConvolutionGeometries() {
        // (in, out, kernel, stride, padding, H, W, bias)
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Bool)] = [
            (2, 3, 3, 1, 1, 5, 6, false), (2, 4, 3, 2, 1, 7, 7, true), (1, 2, 5, 1, 2, 6, 6, true),
            (3, 2, 1, 1, 0, 4, 5, false), (3, 4, 1, 2, 0, 5, 5, false), (2, 2, 5, 1, 0, 6, 7, true),
        ]
        for (index, c) in cases.enumerated() {
            var rng = Xoshiro256(seed: UInt64(10 + index))
            let conv = Conv2d(c.0, c.1, kernelSize: c.2, stride: c.3, padding: c.4, bias: c.7, rng: &rng)
            conv.chunkFloats = 64   // several chunks per thread
            let x = GradientCheck.randomTensor([c.0, 3, c.5, c.6], rng: &rng)
            GradientCheck().check(conv, input: x, context: index % 2 == 0 ? train2 : train1)
        }
    }

    func testConvolutionMatchesDirectDefinition() {
        var rng = Xoshiro256(seed: 3)
        let (ci, co, k, s, p, n, h, w) = (3, 4, 3, 2, 1, 5, 9, 8)
        let conv = Conv2d(ci, co, kernelSize: k, stride: s, padding: p, bias: true, rng: &rng)
        for i in 0..<co { conv.bias!.value[i] = Float(i) * 0.1 }
        conv.chunkFloats = 100
        let x = GradientCheck.randomTensor([ci, n, h, w], rng: &rng)
        let y = conv.forward(x, context: train2)
        let (oh, ow) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1)
        XCTAssertEqual(y.shape, [co, n, oh, ow])
        for o in 0..<co { for b in 0..<n { for i in 0..<oh { for j in 0..<ow {
            var acc = Double(conv.bias!.value[o])
            for c in 0..<ci { for kh in 0..<k { for kw in 0..<k {
                let (ih, iw) = (i * s - p + kh, j * s - p + kw)
                if ih < 0 || ih >= h || iw < 0 || iw >= w { continue }
                acc += Double(conv.weight.value[((o * ci + c) * k + kh) * k + kw]) * Double(x[((c * n + b) * h + ih) * w + iw])
            } } }
            XCTAssertEqual(Double(y[((o * n + b) * oh + i) * ow + j]), acc, accuracy: 1e-4)
        } } } }
    }

    func testBatchNormTrainingEvalAndFusedReLU() {
        var rng = Xoshiro256(seed: 4)
        for fused in [false, true] {
            let bn = BatchNorm2d(3, fusedReLU: fused)
            for c in 0..<3 { bn.weight.value[c] = 0.5 + Float(c); bn.bias.value[c] = 0.1 * Float(c) }
            let x = GradientCheck.randomTensor([3, 4, 3, 3], rng: &rng)
            // Batch statistics make every output depend on every input of its channel.
            GradientCheck(epsilon: 1e-3, absoluteTolerance: 5e-3).check(bn, input: x, context: train2)
            for c in 0..<3 { bn.runningMean[c] = 0.2 * Float(c); bn.runningVar[c] = 1 + Float(c) }
            GradientCheck(epsilon: 1e-3, absoluteTolerance: 5e-3).check(bn, input: x, context: train1.inference)
        }
    }

    func testBatchNormRunningStatisticsFollowPyTorch() {
        let bn = BatchNorm2d(1)
        let x = Tensor(shape: [1, 2, 1, 2], values: [1, 2, 3, 6])
        _ = bn.forward(x, context: train1)
        // mean 3, biased var 3.5, unbiased var 14/3.
        XCTAssertEqual(bn.runningMean[0], 0.3, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVar[0], 0.9 + 0.1 * 14 / 3, accuracy: 1e-6)
        XCTAssertEqual(bn.numBatchesTracked, 1)
        let y = bn.forward(x, context: train1.inference)
        XCTAssertEqual(y[0], (1 - bn.runningMean[0]) / (bn.runningVar[0] + 1e-5).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(bn.numBatchesTracked, 1)
    }

    func testReLU() {
        var rng = Xoshiro256(seed: 5)
        let x = GradientCheck.randomTensor([2, 3, 4], rng: &rng, awayFromZero: 0.05)
        GradientCheck(epsilon: 1e-2).check(ReLU(), input: x, context: train1)
    }

    func testPooling() {
        var rng = Xoshiro256(seed: 6)
        // Distinct values spaced ≥ 0.03 apart, so ±ε never changes a window's argmax.
        let count = 2 * 3 * 6 * 6
        var values = (0..<count).map { Float($0) * 0.03 }
        values.shuffle(using: &rng)
        let x = Tensor(shape: [2, 3, 6, 6], values: values)
        GradientCheck(epsilon: 1e-2).check(MaxPool2d(kernelSize: 2), input: x, context: train2)
        GradientCheck(epsilon: 1e-2).check(MaxPool2d(kernelSize: 3, stride: 2), input: x, context: train1)
        GradientCheck().check(AvgPool2d(kernelSize: 2), input: x, context: train2)
        GradientCheck().check(AvgPool2d(kernelSize: 3, stride: 1), input: x, context: train1)
        GradientCheck().check(GlobalAvgPool2d(), input: x, context: train1)
        GradientCheck().check(Flatten(), input: x, context: train1)
    }

    func testFlattenUsesPyTorchFeatureOrder() {
        // [C=2, N=2, H=1, W=2] channel-major → rows [N, C·H·W].
        let x = Tensor(shape: [2, 2, 1, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
        let y = Flatten().forward(x, context: train1)
        XCTAssertEqual(y.shape, [2, 4])
        XCTAssertEqual(y.toArray(), [1, 2, 5, 6, 3, 4, 7, 8])
    }

    func testBasicBlocks() {
        var rng = Xoshiro256(seed: 7)
        for (cin, cout, stride) in [(4, 4, 1), (2, 4, 2)] {
            let block = BasicBlock(cin, cout, stride: stride, rng: &rng)
            block.conv1.chunkFloats = 200
            // Small ε: with ReLUs on both paths, larger steps cross kinks.
            let x = GradientCheck.randomTensor([cin, 3, 6, 6], rng: &rng)
            GradientCheck(epsilon: 3e-4, absoluteTolerance: 1e-2, relativeTolerance: 3e-2, samples: 100)
                .check(block, input: x, context: train2)
        }
    }

    func testSoftmaxCrossEntropy() {
        var rng = Xoshiro256(seed: 8)
        let logits = GradientCheck.randomTensor([5, 4], rng: &rng)
        let labels: [Int32] = [0, 3, 2, 1, 3]
        let ce = SoftmaxCrossEntropy()
        let grad = labels.withUnsafeBufferPointer { l -> Tensor in
            _ = ce.evaluate(logits: logits, labels: l)
            return ce.gradient.clone()
        }
        let loss = { labels.withUnsafeBufferPointer { ce.evaluate(logits: logits, labels: $0, computeGradient: false).loss } }
        GradientCheck(epsilon: 1e-3, absoluteTolerance: 1e-4)
            .compare(name: "logits", tensor: logits, analytic: grad, loss: loss, file: #filePath, line: #line)
        // Uniform logits: loss = ln(classes).
        let flat = Tensor(shape: [1, 4])
        let l = [Int32(2)].withUnsafeBufferPointer { ce.evaluate(logits: flat, labels: $0).loss }
        XCTAssertEqual(l, log(4.0), accuracy: 1e-6)
    }
}
