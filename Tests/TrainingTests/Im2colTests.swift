import CKernels
import XCTest
@testable import Training

/// The unfolding kernels against the definition of im2col.
final class Im2colTests: XCTestCase {
    /// `col[(c, kh, kw), j]` for output position `j` of images `n0…`: the input pixel under
    /// tap `(kh, kw)`, zero outside the image.
    private func reference(_ x: Tensor, _ g: ConvGeometry, positions: Range<Int>) -> [Float] {
        let (OH, OW) = (g.outHeight, g.outWidth)
        var out: [Float] = []
        for c in 0..<g.channels { for kh in 0..<g.kernel { for kw in 0..<g.kernel {
            for q in positions {
                let (n, oh, ow) = (q / (OH * OW), q / OW % OH, q % OW)
                let (ih, iw) = (oh * g.stride - g.padding + kh, ow * g.stride - g.padding + kw)
                let inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width
                out.append(inside ? x[((c * g.batch + n) * g.height + ih) * g.width + iw] : 0)
            }
        } } }
        return out
    }

    func testSameConvolutionRowRangesMatchTheDefinition() {
        var rng = Xoshiro256(seed: 21)
        // (channels, batch, H, W, kernel, padding): 3×3 and 5×5 "same", 7×7 maps as in ResNet's stage 3.
        for (c, n, h, w, k, p) in [(2, 3, 5, 6, 3, 1), (1, 2, 6, 6, 5, 2), (3, 3, 7, 7, 3, 1), (2, 2, 4, 9, 1, 0)] {
            let g = ConvGeometry(channels: c, batch: n, height: h, width: w, kernel: k, stride: 1, padding: p)
            XCTAssertTrue(g.isSame)
            let x = Tensor(shape: [c, n, h, w])
            for i in 0..<x.count { x[i] = 1 + rng.nextUniform() }   // nonzero: a missed zero shows
            // Chunks that start and end mid-image, whole images, one row, the whole batch.
            for rows in [0..<1, 0..<(n * h), 1..<(h + 2), (h - 1)..<min(n * h, 2 * h + 1), (n * h - 2)..<(n * h)] {
                let col = Tensor(shape: [g.patchSize * rows.count * w])
                col.fill(.nan)   // every entry must be written
                im2colSame(x.pointer, g, rows: rows, into: col.pointer)
                let expected = reference(x, g, positions: (rows.lowerBound * w)..<(rows.upperBound * w))
                XCTAssertEqual(col.toArray(), expected, "geometry \(g), rows \(rows)")
            }
        }
    }

    func testStridedAndUnpaddedImagesMatchTheDefinition() {
        var rng = Xoshiro256(seed: 22)
        // 3×3 stride-2 padding-1 runs on the AVX2 kernel where the CPU has it: even and odd sizes,
        // rows of one to seventeen pixels (one and two vector blocks, every tail length).
        let strided = [(2, 3, 7, 7), (3, 3, 28, 28), (2, 2, 14, 14), (1, 2, 5, 8), (2, 2, 6, 17), (1, 2, 1, 1),
                       (1, 3, 9, 16), (1, 2, 3, 15)].map { ($0.0, $0.1, $0.2, $0.3, 3, 2, 1) }
        for (c, n, h, w, k, s, p) in strided + [(3, 2, 14, 14, 5, 1, 0), (1, 2, 7, 6, 5, 2, 2)] {
            let g = ConvGeometry(channels: c, batch: n, height: h, width: w, kernel: k, stride: s, padding: p)
            let x = Tensor(shape: [c, n, h, w])
            for i in 0..<x.count { x[i] = 1 + rng.nextUniform() }
            let outPlane = g.outHeight * g.outWidth
            let col = Tensor(shape: [g.patchSize * 2 * outPlane])
            col.fill(.nan)
            im2col(x.pointer, g, images: n - 2, count: 2, into: col.pointer)
            XCTAssertEqual(col.toArray(), reference(x, g, positions: ((n - 2) * outPlane)..<(n * outPlane)))
        }
    }

    /// The AVX2 col2im of 3×3 stride-2 padding-1 convolutions writes every pixel once, in the
    /// generic scatter's order of additions: bit for bit its result (over a zeroed map).
    func testStride2Col2imMatchesTheScatterBitForBit() throws {
        try XCTSkipUnless(DirectConvolution.isAvailable, "the AVX2 kernels need AVX2 + FMA")
        var rng = Xoshiro256(seed: 23)
        for (c, n, h, w) in [(2, 3, 7, 7), (3, 3, 28, 28), (2, 2, 14, 14), (1, 2, 5, 8), (2, 2, 6, 17), (1, 2, 1, 1),
                             (1, 3, 9, 16), (1, 2, 3, 15)] {
            let g = ConvGeometry(channels: c, batch: n, height: h, width: w, kernel: 3, stride: 2, padding: 1)
            let outPlane = g.outHeight * g.outWidth
            let col = Tensor(shape: [g.patchSize * 2 * outPlane])
            for i in 0..<col.count { col[i] = rng.nextUniform() - 0.5 }
            let expected = Tensor(shape: [c, n, h, w]), actual = Tensor(shape: [c, n, h, w])
            actual.fill(.nan)   // every pixel of the two images must be written; the others kept
            for ch in 0..<c { (actual.pointer + ch * n * h * w).update(repeating: 7, count: (n - 2) * h * w) }
            for ch in 0..<c { (expected.pointer + ch * n * h * w).update(repeating: 7, count: (n - 2) * h * w) }
            col2im(col.pointer, g, images: n - 2, count: 2, into: expected.pointer)
            subbit_col2im3x3s2(col.pointer, c, 2, h, w, actual.pointer + (n - 2) * h * w, n * h * w)
            XCTAssertEqual(actual.toArray().map(\.bitPattern), expected.toArray().map(\.bitPattern), "geometry \(g)")
        }
    }
}
