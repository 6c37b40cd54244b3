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
                            d.update(repeating: 0, count: OW)
                            continue
                        }
                        let srow = src + ih * W
                        if lo > 0 { d.update(repeating: 0, count: lo) }
                        if s == 1 {
                            (d + lo).update(from: srow + (lo - p + kw), count: hi - lo)
                        } else {
                            var iw = lo * s - p + kw
                            for ow in lo..<hi {
                                d[ow] = srow[iw]
                                iw &+= s
                            }
                        }
                        if hi < OW { (d + hi).update(repeating: 0, count: OW - hi) }
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
