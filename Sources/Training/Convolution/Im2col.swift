import CKernels

/// Geometry of a 2-D convolution or pooling window over a channel-major `[C, N, H, W]` batch.
struct ConvGeometry: Equatable {
    var channels: Int, batch: Int, height: Int, width: Int
    var kernel: Int, stride: Int, padding: Int
    var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Rows of the im2col matrix: one per (channel, kh, kw).
    var patchSize: Int { channels * kernel * kernel }
    /// Stride 1 and output size = input size (`2p = k − 1`).
    var isSame: Bool { stride == 1 && 2 * padding == kernel - 1 }
    /// 3×3, stride 2, padding 1 on a CPU with AVX2 + FMA: im2col and col2im then run on the
    /// kernels of `strided.c` (bit for bit the generic loops' results).
    var hasStride2Kernels: Bool { kernel == 3 && stride == 2 && padding == 1 && DirectConvolution.isAvailable }
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
    if g.isSame {
        im2colSame(x, g, rows: (n0 * H)..<((n0 + count) * H), into: col)
        return
    }
    if g.hasStride2Kernels {
        subbit_im2col3x3s2(x + n0 * planeSize, g.batch * planeSize, g.channels, count, H, W, col)
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
                    let src = planes + j &* planeSize
                    var d = row + j &* outPlane
                    var ih = kh &- p
                    for _ in 0..<OH {
                        defer { d += OW; ih &+= s }
                        if ih < 0 || ih >= H {
                            zeroFloats(d, count: OW)
                            continue
                        }
                        let srow = src + ih &* W
                        var i = 0
                        while i < lo { d[i] = 0; i &+= 1 }
                        if s == 1 {
                            copyFloats(from: srow + (lo &- p &+ kw), to: d + lo, count: hi &- lo)
                        } else {
                            var iw = lo &* s &- p &+ kw
                            var ow = lo
                            while ow < hi {
                                d[ow] = srow[iw]
                                iw &+= s
                                ow &+= 1
                            }
                        }
                        i = hi
                        while i < OW { d[i] = 0; i &+= 1 }
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
                    let dst = planes + j &* planeSize
                    let src = row + j &* outPlane
                    for oh in 0..<OH {
                        let ih = oh &* s &- p &+ kh
                        if ih < 0 || ih >= H { continue }
                        let srow = src + oh &* OW
                        let drow = dst + ih &* W
                        if s == 1 {
                            addFloats(from: srow + lo, to: drow + (lo &- p &+ kw), count: hi &- lo)
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
    let (rs, rd) = (UnsafeRawPointer(src), UnsafeMutableRawPointer(dst))
    if n < 8 {
        if n >= 4 {   // two overlapping 4-lane moves (7×7 maps)
            let head = rs.loadUnaligned(as: SIMD4<Float>.self)
            let tail = rs.loadUnaligned(fromByteOffset: (n &- 4) &* 4, as: SIMD4<Float>.self)
            rd.storeBytes(of: head, as: SIMD4<Float>.self)
            rd.storeBytes(of: tail, toByteOffset: (n &- 4) &* 4, as: SIMD4<Float>.self)
            return
        }
        for i in 0..<n { dst[i] = src[i] }
        return
    }
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

/// `dst[i] += src[i]` over a short run (5…28 floats here), inline and vectorized.
@inline(__always)
func addFloats(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count n: Int) {
    let (rs, rd) = (UnsafeRawPointer(src), UnsafeMutableRawPointer(dst))
    var i = 0
    while i &+ 8 <= n {
        let v = rd.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            + rs.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        rd.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    if i &+ 4 <= n {
        let v = rd.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
            + rs.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
        rd.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD4<Float>.self)
        i &+= 4
    }
    while i < n { dst[i] += src[i]; i &+= 1 }
}

/// Zeroes `count` floats `stride` apart (one column of a row-major block).
@inline(__always)
func zeroColumn(_ p: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
    var q = p
    for _ in 0..<count { q.pointee = 0; q += stride }
}

/// Zeroes a short run of floats inline (a `memset` call costs more for 7…200 floats).
@inline(__always)
func zeroFloats(_ dst: UnsafeMutablePointer<Float>, count n: Int) {
    if n < 8 {
        for i in 0..<n { dst[i] = 0 }
        return
    }
    let rd = UnsafeMutableRawPointer(dst)
    var i = 0
    while i &+ 8 <= n {
        rd.storeBytes(of: SIMD8<Float>(), toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    if i < n { rd.storeBytes(of: SIMD8<Float>(), toByteOffset: (n &- 8) &* 4, as: SIMD8<Float>.self) }
}

/// im2col for stride-1 "same" convolutions (`2p = k − 1`, output size = input size), over
/// a range of *output rows* of the whole batch: global row `R = n·H + oh`, so a chunk can
/// be a fraction of an image or span several. In channel-major layout one channel's planes
/// are contiguous, and each im2col row is that block shifted by `(kh − p)·W + (kw − p)`: one
/// large copy per row, then the taps that fell outside the image (border rows and columns)
/// are zeroed. Everything the copy clamped to the channel's block leaves out lies in those
/// zeroed border positions.
@inline(__always)
func im2colSame(_ x: UnsafePointer<Float>, _ g: ConvGeometry, rows: Range<Int>,
                into col: UnsafeMutablePointer<Float>) {
    let (H, W, k, p) = (g.height, g.width, g.kernel, g.padding)
    let channelTotal = g.batch &* H &* W
    let q0 = rows.lowerBound &* W, total = rows.count &* W
    let firstRow = rows.lowerBound % H
    var row = col
    for c in 0..<g.channels {
        let block = x + c &* channelTotal
        for kh in 0..<k {
            for kw in 0..<k {
                let shift = (kh &- p) &* W &+ (kw &- p)
                let start = max(q0, -shift), end = min(q0 &+ total, channelTotal &- shift)
                if end > start { (row + (start &- q0)).update(from: block + (start &+ shift), count: end &- start) }
                // Zero the taps outside the image: border columns as strided stores down the
                // chunk (a unit-stride zeroing loop per row would become a `memset` call per
                // row, which costs more than the copy), then whole border rows.
                let rowLo = max(0, p &- kh), rowHi = min(H, H &+ p &- kh)
                let colLo = max(0, p &- kw), colHi = min(W, W &+ p &- kw)
                for column in 0..<colLo { zeroColumn(row + column, stride: W, count: rows.count) }
                for column in colHi..<W { zeroColumn(row + column, stride: W, count: rows.count) }
                if rowLo > 0 || rowHi < H {
                    var line = row, oh = firstRow
                    for _ in 0..<rows.count {
                        if oh < rowLo || oh >= rowHi { zeroFloats(line, count: W) }
                        line += W
                        oh &+= 1
                        if oh == H { oh = 0 }
                    }
                }
                row += total
            }
        }
    }
}
