import XCTest
@testable import Training

/// Checks shared by the tests of `Conv2d`'s 3×3 algorithms (Winograd, direct).
enum ConvolutionChecks {
    /// `conv3×3(x, c.weight) + c.bias` with padding 1 straight from the definition, accumulated
    /// in `Double`; `x` is `[in, batch, H, W]`, the result `[out, batch, H, W]` flattened.
    static func definition(_ c: Conv2d, _ x: Tensor) -> [Double] {
        let (ci, co, n, h, w) = (c.inChannels, c.outChannels, x.shape[1], x.shape[2], x.shape[3])
        var out = [Double](repeating: 0, count: co * n * h * w)
        for o in 0..<co { for b in 0..<n { for i in 0..<h { for j in 0..<w {
            var acc = Double(c.bias?.value[o] ?? 0)
            for ch in 0..<ci { for kh in 0..<3 { for kw in 0..<3 {
                let (ih, iw) = (i - 1 + kh, j - 1 + kw)
                if ih < 0 || ih >= h || iw < 0 || iw >= w { continue }
                acc += Double(c.weight.value[((o * ci + ch) * 3 + kh) * 3 + kw]) * Double(x[((ch * n + b) * h + ih) * w + iw])
            } } }
            out[((o * n + b) * h + i) * w + j] = acc
        } } } }
        return out
    }

    /// Runs forward and backward of `fast` and `reference` (same weights and bias) on `x`, `dy`
    /// and asserts that `∂x`, `∂W` and `∂b` agree to float rounding (2e-5 of the largest value).
    static func assertBackwardMatches(_ fast: Conv2d, _ reference: Conv2d, x: Tensor, dy: Tensor,
                                      context: ExecutionContext, label: String,
                                      file: StaticString = #filePath, line: UInt = #line) {
        var results: [(dx: [Float], dw: [Float], db: [Float])] = []
        for layer in [fast, reference] {
            _ = layer.forward(x, context: context)
            layer.weight.grad.fill(0)
            layer.bias!.grad.fill(0)
            let dx = layer.backward(dy, context: context)
            results.append((dx.toArray(), layer.weight.grad.toArray(), layer.bias!.grad.toArray()))
        }
        for (name, a, b) in [("∂x", results[0].dx, results[1].dx), ("∂W", results[0].dw, results[1].dw),
                             ("∂b", results[0].db, results[1].db)] {
            XCTAssertEqual(a.count, b.count, "\(name) \(label)", file: file, line: line)
            let scale = max(1, b.map { abs($0) }.max() ?? 0)
            for i in 0..<a.count {
                XCTAssertEqual(a[i], b[i], accuracy: 2e-5 * scale, "\(name)[\(i)] for shape \(label)", file: file, line: line)
            }
        }
    }
}
