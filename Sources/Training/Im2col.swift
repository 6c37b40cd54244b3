/// Geometry of a 2-D convolution or pooling window over a channel-major `[C, N, H, W]` batch.
struct ConvGeometry: Equatable {
    var channels: Int, batch: Int, height: Int, width: Int
    var kernel: Int, stride: Int, padding: Int
    var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Rows of the im2col matrix: one per (channel, kh, kw).
    var patchSize: Int { channels * kernel * kernel }
}

/// Unfolds images `n0..<n0+count` of `x` (`[C, N, H, W]`) into `col`, a
/// `[C·k·k, count·OH·OW]` row-major matrix whose row `(c, kh, kw)` holds the input pixel
/// under kernel tap `(kh, kw)` for every output position (zero outside the image).
/// Rows are contiguous copies when the stride is 1, so this is a memcpy-speed pass.
@inline(__always)
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, images n0: Int, count: Int,
            into col: UnsafeMutablePointer<Float>) {
    let (H, W, k, s, p) = (g.height, g.width, g.kernel, g.stride, g.padding)
    let (OH, OW) = (g.outHeight, g.outWidth)
    let planeSize = H * W, outPlane = OH * OW
    let rowLength = count * outPlane
    if s == 1 && OH == H && OW == W {
        im2colSame(x, g, images: n0, count: count, into: col)
        return
    }
    var row = col
    for c in 0..<g.channels {
        let planes = x + (c * g.batch + n0) * planeSize
        for kh in 0..<k {
            for kw in 0..<k {
                // Output columns whose input column iw = ow·s − p + kw lies inside [0, W).
                let lo = min(OW, max(0, (p - kw + s - 1) / s))
                let last = W - 1 + p - kw
                let hi = last < 0 ? lo : max(lo, min(OW, last / s + 1))
                for j in 0..<count {
                    let src = planes + j * planeSize
                    let dst = row + j * outPlane
                    for oh in 0..<OH {
                        let ih = oh * s - p + kh
                        let d = dst + oh * OW
                        if ih < 0 || ih >= H {
                            for i in 0..<OW { d[i] = 0 }
                            continue
                        }
                        let srow = src + ih * W
                        for i in 0..<lo { d[i] = 0 }
                        if s == 1 {
                            copyFloats(from: srow + (lo - p + kw), to: d + lo, count: hi - lo)
                        } else {
                            var iw = lo * s - p + kw
                            for ow in lo..<hi {
                                d[ow] = srow[iw]
                                iw &+= s
                            }
                        }
                        for i in hi..<OW { d[i] = 0 }
                    }
                }
                row += rowLength
            }
        }
    }
}

/// The adjoint of `im2col`: adds every entry of `col` back onto the input pixel it was
/// copied from, into images `n0..<n0+count` of `dx` (which the caller zeroes first).
@inline(__always)
func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeometry, images n0: Int, count: Int,
            into dx: UnsafeMutablePointer<Float>) {
    let (H, W, k, s, p) = (g.height, g.width, g.kernel, g.stride, g.padding)
    let (OH, OW) = (g.outHeight, g.outWidth)
    let planeSize = H * W, outPlane = OH * OW
    let rowLength = count * outPlane
    var row = col
    for c in 0..<g.channels {
        let planes = dx + (c * g.batch + n0) * planeSize
        for kh in 0..<k {
            for kw in 0..<k {
                let lo = min(OW, max(0, (p - kw + s - 1) / s))
                let last = W - 1 + p - kw
                let hi = last < 0 ? lo : max(lo, min(OW, last / s + 1))
                for j in 0..<count {
                    let dst = planes + j * planeSize
                    let src = row + j * outPlane
                    for oh in 0..<OH {
                        let ih = oh * s - p + kh
                        if ih < 0 || ih >= H { continue }
                        let srow = src + oh * OW
                        let drow = dst + ih * W
                        if s == 1 {
                            let d = drow + (lo - p + kw)
                            for ow in 0..<(hi - lo) { d[ow] += srow[lo + ow] }
                        } else {
                            var iw = lo * s - p + kw
                            for ow in lo..<hi {
                                drow[iw] += srow[ow]
                                iw &+= s
                            }
                        }
                    }
                }
                row += rowLength
            }
        }
    }
}

/// Copies a short run of floats inline (rows here are 5…28 floats; a `memmove` call costs
/// more). Runs of 8 or more end with one overlapping vector instead of a scalar tail.
@inline(__always)
func copyFloats(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count n: Int) {
    if n < 8 {
        for i in 0..<n { dst[i] = src[i] }
        return
    }
    let (rs, rd) = (UnsafeRawPointer(src), UnsafeMutableRawPointer(dst))
    var i = 0
    while i + 8 <= n {
        rd.storeBytes(of: rs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                      toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    if i < n {
        rd.storeBytes(of: rs.loadUnaligned(fromByteOffset: (n - 8) * 4, as: SIMD8<Float>.self),
                      toByteOffset: (n - 8) * 4, as: SIMD8<Float>.self)
    }
}

/// im2col for stride-1 "same" convolutions (`2p = k − 1`, output size = input size).
/// In channel-major layout a chunk's planes of one channel are contiguous, and each
/// im2col row is that block shifted by `(kh − p)·W + (kw − p)`: one large copy per row,
/// then the few taps that fell outside the image (border rows and columns) are zeroed.
/// Everything the clamped copy leaves out lies in those zeroed border positions.
@inline(__always)
func im2colSame(_ x: UnsafePointer<Float>, _ g: ConvGeometry, images n0: Int, count: Int,
                into col: UnsafeMutablePointer<Float>) {
    let (H, W, k, p) = (g.height, g.width, g.kernel, g.padding)
    let planeSize = H * W, total = count * planeSize
    var row = col
    for c in 0..<g.channels {
        let block = x + (c * g.batch + n0) * planeSize
        for kh in 0..<k {
            for kw in 0..<k {
                let shift = (kh - p) * W + (kw - p)
                let start = max(0, -shift), end = min(total, total - shift)
                if end > start { (row + start).update(from: block + start + shift, count: end - start) }
                // Zero rows whose input row is outside the image, and border columns.
                let rowLo = max(0, p - kh), rowHi = min(H, H + p - kh)
                let colLo = max(0, p - kw), colHi = min(W, W + p - kw)
                for j in 0..<count {
                    let plane = row + j * planeSize
                    if rowLo > 0 { plane.update(repeating: 0, count: rowLo * W) }
                    if rowHi < H { (plane + rowHi * W).update(repeating: 0, count: (H - rowHi) * W) }
                    if colLo > 0 || colHi < W {
                        for r in rowLo..<rowHi {
                            let line = plane + r * W
                            for i in 0..<colLo { line[i] = 0 }
                            for i in colHi..<W { line[i] = 0 }
                        }
                    }
                }
                row += total
            }
        }
    }
}
