import XCTest
@testable import Training

/// The residual block's fused passes give bit for bit what the separate steps give.
final class ResidualFusionTests: XCTestCase {
    private func random(_ shape: [Int], _ rng: inout Xoshiro256) -> Tensor {
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = rng.nextNormal() }
        return t
    }

    private func bits(_ t: Tensor) -> [UInt32] { t.toArray().map(\.bitPattern) }

    func testBatchNormWithResidualIsReluOfSum() {
        var rng = Xoshiro256(seed: 31)
        // 3·2·5·7 = 210 values per channel: whole vectors and a scalar tail.
        for training in [true, false] {
            let x = random([3, 2, 5, 7], &rng), r = random([3, 2, 5, 7], &rng)
            let context = ExecutionContext(training: training, threads: 2)
            let fused = BatchNorm2d(3), separate = BatchNorm2d(3)
            for bn in [fused, separate] {
                for c in 0..<3 { bn.weight.value[c] = 0.5 + Float(c); bn.bias.value[c] = 0.1 * Float(c) - 0.1 }
            }
            let y = fused.forward(x, residual: r, context: context)
            let h = separate.forward(x, context: context)
            let expected = Tensor(shape: x.shape)
            for i in 0..<x.count { expected[i] = max(h[i] + r[i], 0) }
            XCTAssertEqual(bits(y), bits(expected), "training \(training)")
            XCTAssertEqual(bits(fused.runningMean), bits(separate.runningMean))
            XCTAssertEqual(bits(fused.runningVar), bits(separate.runningVar))
        }
    }

    func testConvolutionBackwardAddingEqualsBackwardPlusAddend() {
        var rng = Xoshiro256(seed: 32)
        for algorithm in ConvolutionAlgorithm.allCases {
            // 16 → 16 channels (the AVX2 kernels' shapes), 6×10 maps, a batch of 3.
            let make = { () -> Conv2d in
                var seed = Xoshiro256(seed: 33)   // the same weights for both
                let conv = Conv2d(16, 16, kernelSize: 3, padding: 1, rng: &seed)
                conv.algorithm = algorithm
                return conv
            }
            let (fused, separate) = (make(), make())
            let x = random([16, 3, 6, 10], &rng), dy = random([16, 3, 6, 10], &rng), addend = random([16, 3, 6, 10], &rng)
            let context = ExecutionContext(training: true, threads: 2)
            _ = fused.forward(x, context: context)
            _ = separate.forward(x, context: context)
            let dx = fused.backward(dy, adding: addend, context: context)
            let plain = separate.backward(dy, context: context)
            let expected = Tensor(shape: plain.shape)
            for i in 0..<plain.count { expected[i] = plain[i] + addend[i] }
            XCTAssertEqual(bits(dx), bits(expected), "\(algorithm)")
            XCTAssertEqual(bits(fused.weight.grad), bits(separate.weight.grad), "\(algorithm)")
        }
    }
}
