/// Winograd's minimal-filtering convolution F(2×2, 3×3) for 3×3, stride-1, padding-1
/// convolutions on channel-major `[C, N, H, W]` feature maps — forward, `∂input` and `∂W`.
///
/// The output is cut into 2×2 tiles; each reads a 4×4 input patch `d`. With the transforms
///
///     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
///     Aᵀ = [1 1 1 0; 0 1 −1 −1]
///
/// a tile is `Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A`: 16 multiplies per input/output channel pair
/// instead of the 36 of direct convolution (2.25× fewer). Summed over input channels, the
/// 16 element-wise products become 16 independent GEMMs `M[ξ] = Ŵ[ξ] · U[ξ]` (`Ŵ[ξ]` is
/// `[out, in]`, `U[ξ]` is `[in, tiles]`), which is where OpenBLAS does the work.
///
/// Backward is the transpose of the same bilinear map, so it costs the same 16 GEMMs:
/// with `V = A ∂Y Aᵀ` (4×4 from a 2×2 output-gradient tile),
///
///     ∂d = B[Ŵ ⊙ V]Bᵀ   (overlapping 4×4 patches add up: tiles overlap by 2 pixels)
///     ∂g = Gᵀ[Σ_tiles U ⊙ V]G
///
/// The arithmetic is exact in real numbers (the factors ½ and ±1 are exact in binary), so
/// the result differs from direct convolution only by float rounding order.
///
/// Work is cut into runs of tile rows ("chunks") small enough that a chunk's transformed
/// input, products and gradients stay in cache. Threads take whole images, so the
/// overlap-add of `∂input` never crosses into another thread's pixels; the `∂W`
/// partial sums of fixed groups of images are added in group order (`ReductionGroups`), so results do not depend on the thread count.
///
/// Used by `Conv2d` when its `algorithm` is `.winograd`:
///
/// ```swift
/// let conv = Conv2d(16, 16, kernelSize: 3, padding: 1, rng: &rng)
/// conv.algorithm = .winograd
/// let y = conv.forward(x, context: context)   // x, y: [16, N, H, W]
/// ```
final class WinogradConvolution {
    let inChannels: Int
    let outChannels: Int
    /// Target floats of one chunk's working set (transformed input, products, gradients) per thread.
    var chunkFloats = 1 << 17

    private var kernels: Tensor?             // Ŵ: [16, out, in]
    private var workspaces: [Tensor] = []
    private var workspacePointers: [UnsafeMutablePointer<Float>] = []
    private var partialGrads: [Tensor] = []  // per thread, [16, out, in]
    private var partialPointers: [UnsafeMutablePointer<Float>] = []

    init(inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
    }

    /// Tiles of a plane of `height × width` (2×2 tiles, the last one clipped for odd sizes).
    private struct Tiling {
        let batch: Int, height: Int, width: Int
        var tilesY: Int { (height + 1) / 2 }
        var tilesX: Int { (width + 1) / 2 }
        /// Padded row length of the per-row transform buffers: input columns −1 … 2·tilesX.
        var paddedWidth: Int { 2 * tilesX + 2 }
        var plane: Int { height * width }
        /// Per-thread scratch: 4 padded rows (input transform) or 16 rows of tilesX + 2 (∂input).
        var scratchFloats: Int { max(4 * paddedWidth, 16 * (tilesX + 2)) }
        /// Tiles are transformed 4 at a time along a tile row; narrower rows go one by one.
        var isVectorized: Bool { tilesX >= 4 }
    }

    /// One thread's workspace for a chunk of `tiles` tiles: the transformed input `U`
    /// (`[16, in, tiles]`), the products — forward `M`, or backward `V = A ∂Y Aᵀ` — (`[16, out,
    /// tiles]`), backward's `∂d` before its inverse transform (`[16, in, tiles]`), then scratch.
    private struct Workspace {
        let input, products, gradInput, scratch: UnsafeMutablePointer<Float>

        init(_ base: UnsafeMutablePointer<Float>, inChannels: Int, outChannels: Int, tiles: Int) {
            input = base
            products = input + 16 * inChannels * tiles
            gradInput = products + 16 * outChannels * tiles
            scratch = gradInput + 16 * inChannels * tiles
        }

        /// Floats of a workspace before its scratch, per tile.
        static func floatsPerTile(inChannels: Int, outChannels: Int) -> Int { 16 * (2 * inChannels + outChannels) }
    }

    /// Tile rows per chunk: as many as keep a chunk's workspace near `chunkFloats`.
    private func rowsPerChunk(_ t: Tiling) -> Int {
        max(1, chunkFloats / (Workspace.floatsPerTile(inChannels: inChannels, outChannels: outChannels) * t.tilesX))
    }

    /// The per-thread workspaces for `t`, one per thread.
    private func workspaces(_ t: Tiling, threads: Int) -> [Workspace] {
        let tiles = rowsPerChunk(t) * t.tilesX
        let floats = Workspace.floatsPerTile(inChannels: inChannels, outChannels: outChannels) * tiles + t.scratchFloats
        if workspaces.count < threads || workspaces.contains(where: { $0.capacity < floats }) {
            workspaces = (0..<threads).map { _ in Tensor(shape: [floats]) }
            workspacePointers = workspaces.map(\.pointer)
        }
        return workspacePointers.prefix(threads).map {
            Workspace($0, inChannels: inChannels, outChannels: outChannels, tiles: tiles)
        }
    }

    /// Ŵ[ξ][o][i] = (G w[o][i] Gᵀ)[ξ].
    private func transformKernels(_ w: UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        let (co, ci) = (outChannels, inChannels)
        let k = Tensor.reuse(&kernels, shape: [16, co, ci])
        let kp = k.pointer
        let stride = co * ci
        for pair in 0..<stride {
            let g = w + pair * 9
            // G g: rows of the 4×3 result, as vectors over the 3 kernel columns.
            let a = SIMD4<Float>(g[0], g[1], g[2], 0), b = SIMD4<Float>(g[3], g[4], g[5], 0)
            let e = SIMD4<Float>(g[6], g[7], g[8], 0)
            let rows = (a, 0.5 * (a + b + e), 0.5 * (a - b + e), e)
            // · Gᵀ along the columns.
            @inline(__always) func store(_ r: SIMD4<Float>, _ i: Int) {
                kp[(4 * i) * stride + pair] = r.x
                kp[(4 * i + 1) * stride + pair] = 0.5 * (r.x + r.y + r.z)
                kp[(4 * i + 2) * stride + pair] = 0.5 * (r.x - r.y + r.z)
                kp[(4 * i + 3) * stride + pair] = r.z
            }
            store(rows.0, 0); store(rows.1, 1); store(rows.2, 2); store(rows.3, 3)
        }
        return kp
    }

    /// The fixed groups of whole images the batch is split into (their `∂W` partials are added
    /// in group order), sized in chunks of tile rows.
    private func imageGroups(_ t: Tiling) -> ReductionGroups {
        ReductionGroups(total: t.batch, chunk: max(1, rowsPerChunk(t) / t.tilesY))
    }

    /// `y = conv3×3(x, w) + bias`; `x`, `y` are `[C, N, H, W]` with equal `N, H, W`.
    func forward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 into y: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int, threads: Int) {
        let t = Tiling(batch: batch, height: height, width: width)
        let groups = imageGroups(t)
        let parts = groups.parts(threads: threads)
        let spaces = workspaces(t, threads: parts)
        let kp = transformKernels(w)
        let (ci, co) = (inChannels, outChannels)
        let chunk = rowsPerChunk(t)
        groups.forEach(threads: parts) { part, _, images in
            let mine = (images.lowerBound * t.tilesY)..<(images.upperBound * t.tilesY)
            let space = spaces[part]
            let (u, m) = (space.input, space.products)
            var r0 = mine.lowerBound
            while r0 < mine.upperBound {
                let count = min(chunk, mine.upperBound - r0)
                let ld = count * t.tilesX
                transformInput(x, t, channels: ci, units: r0..<(r0 + count), into: u, ld: ld, rows: space.scratch)
                for xi in 0..<16 {
                    BLAS.gemm(transA: false, transB: false, m: co, n: ld, k: ci, a: kp + xi * co * ci, lda: ci,
                              b: u + xi * ci * ld, ldb: ld, beta: 0, c: m + xi * co * ld, ldc: ld)
                }
                transformOutput(m, t, channels: co, units: r0..<(r0 + count), ld: ld, bias: bias, into: y)
                r0 += count
            }
        }
    }

    /// Accumulates `∂W` (`[out, in, 3, 3]`, added to `gradWeight`) and, when `gradInput` is
    /// given, overwrites it with `∂x` — both for the weight and input of the preceding `forward`
    /// (its transformed kernels are reused).
    func backward(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>,
                  gradWeight: UnsafeMutablePointer<Float>, gradInput dx: UnsafeMutablePointer<Float>?,
                  batch: Int, height: Int, width: Int, threads: Int) {
        guard let kernels else { preconditionFailure("WinogradConvolution.backward before forward") }
        let t = Tiling(batch: batch, height: height, width: width)
        let chunk = rowsPerChunk(t)
        // Groups of whole images (neighbouring tile rows of an image add into the same ∂x rows).
        let groups = imageGroups(t)
        let parts = groups.parts(threads: threads)
        let spaces = workspaces(t, threads: parts)
        let (ci, co) = (inChannels, outChannels)
        let partials = reservePartials(&partialGrads, &partialPointers, count: groups.count, floats: 16 * co * ci)
        let kp = kernels.pointer
        groups.forEach(threads: parts) { part, group, images in
            let mine = (images.lowerBound * t.tilesY)..<(images.upperBound * t.tilesY)
            let space = spaces[part], gw = partials[group]
            let (u, v, d, scratch) = (space.input, space.products, space.gradInput, space.scratch)
            if let dx {
                for c in 0..<ci {
                    (dx + (c * t.batch + images.lowerBound) * t.plane).update(repeating: 0, count: images.count * t.plane)
                }
            }
            var beta: Float = 0
            var r0 = mine.lowerBound
            while r0 < mine.upperBound {
                let count = min(chunk, mine.upperBound - r0)
                let ld = count * t.tilesX
                let span = r0..<(r0 + count)
                transformInput(x, t, channels: ci, units: span, into: u, ld: ld, rows: scratch)
                transformGradOutput(dy, t, channels: co, units: span, into: v, ld: ld)
                for xi in 0..<16 {
                    BLAS.gemm(transA: false, transB: true, m: co, n: ci, k: ld, a: v + xi * co * ld, lda: ld,
                              b: u + xi * ci * ld, ldb: ld, beta: beta, c: gw + xi * co * ci, ldc: ci)
                }
                if let dx {
                    for xi in 0..<16 {
                        BLAS.gemm(transA: true, transB: false, m: ci, n: ld, k: co, a: kp + xi * co * ci, lda: ci,
                                  b: v + xi * co * ld, ldb: ld, beta: 0, c: d + xi * ci * ld, ldc: ld)
                    }
                    transformGradInput(d, t, channels: ci, units: span, ld: ld, scratch: scratch, addingInto: dx)
                }
                beta = 1
                r0 += count
            }
            if mine.isEmpty { gw.update(repeating: 0, count: 16 * co * ci) }
        }
        // ∂g = Gᵀ M G, with M summed over the groups in group order.
        let stride = co * ci
        for pair in 0..<stride {
            // M as rows (ξ = 4i + j).
            var m0 = SIMD4<Float>(), m1 = m0, m2 = m0, m3 = m0
            for group in 0..<groups.count {
                let src = partials[group] + pair
                m0 += SIMD4(src[0], src[stride], src[2 * stride], src[3 * stride])
                m1 += SIMD4(src[4 * stride], src[5 * stride], src[6 * stride], src[7 * stride])
                m2 += SIMD4(src[8 * stride], src[9 * stride], src[10 * stride], src[11 * stride])
                m3 += SIMD4(src[12 * stride], src[13 * stride], src[14 * stride], src[15 * stride])
            }
            // Gᵀ M (3 rows), then · G along the columns.
            let rows = (m0 + 0.5 * (m1 + m2), 0.5 * (m1 - m2), 0.5 * (m1 + m2) + m3)
            let g = gradWeight + pair * 9
            @inline(__always) func add(_ r: SIMD4<Float>, _ i: Int) {
                g[3 * i] += r.x + 0.5 * (r.y + r.z)
                g[3 * i + 1] += 0.5 * (r.y - r.z)
                g[3 * i + 2] += 0.5 * (r.y + r.z) + r.w
            }
            add(rows.0, 0); add(rows.1, 1); add(rows.2, 2)
        }
    }

    // MARK: Transforms
    //
    // Each transform walks a chunk tile row by tile row ("unit" n·tilesY + ty). Along a tile
    // row, tiles go 4 at a time as SIMD4 lanes; the last group of a row whose length is not a
    // multiple of 4 is moved back to end at the row's end — it recomputes a few tiles, which
    // is harmless where a transform only stores (idempotent), and ∂input, which accumulates,
    // goes through a scratch row for that reason. Rows narrower than 4 tiles run one tile at a time.

    /// Starts of the SIMD4 groups covering tiles `0..<tilesX` (`tilesX ≥ 4`; the last may overlap).
    @inline(__always)
    private func forEachGroup(_ tilesX: Int, _ body: (Int) -> Void) {
        var tx = 0
        while tx < tilesX {
            body(min(tx, tilesX &- 4))
            tx &+= 4
        }
    }

    /// Calls `body(c, n, ty, offset)` for every channel `c` and tile row `n·tilesY + ty` of
    /// `units`, where `offset = c·ld + (index in the chunk of the row's first tile)`.
    @inline(__always)
    private func forEachTileRow(_ t: Tiling, channels: Int, units: Range<Int>, ld: Int,
                                _ body: (_ c: Int, _ n: Int, _ ty: Int, _ offset: Int) -> Void) {
        for c in 0..<channels {
            var tile = 0
            for unit in units {
                let n = unit / t.tilesY
                body(c, n, unit &- n &* t.tilesY, c &* ld &+ tile)
                tile &+= t.tilesX
            }
        }
    }

    /// U[ξ][c][t] = (Bᵀ d B)[ξ] for every tile `t` of tile rows `units` (unit = n·tilesY + ty).
    /// `rows` is scratch for 4 padded rows.
    @inline(__always)
    private func transformInput(_ x: UnsafePointer<Float>, _ t: Tiling, channels: Int, units: Range<Int>,
                                into u: UnsafeMutablePointer<Float>, ld: Int, rows: UnsafeMutablePointer<Float>) {
        let (W, H, wp, tilesX) = (t.width, t.height, t.paddedWidth, t.tilesX)
        let t0 = rows, t1 = rows + wp, t2 = rows + 2 * wp, t3 = rows + 3 * wp
        let xiStride = channels &* ld
        let vectorized = t.isVectorized
        forEachTileRow(t, channels: channels, units: units, ld: ld) { c, n, ty, offset in
            let plane = x + (c &* t.batch &+ n) &* t.plane
            // Input rows 2ty−1 … 2ty+2 (nil outside the image).
            let y0 = 2 &* ty &- 1
            let d0: UnsafePointer<Float>? = y0 >= 0 ? plane + y0 &* W : nil
            let d1: UnsafePointer<Float>? = y0 &+ 1 < H ? plane + (y0 &+ 1) &* W : nil
            let d2: UnsafePointer<Float>? = y0 &+ 2 < H ? plane + (y0 &+ 2) &* W : nil
            let d3: UnsafePointer<Float>? = y0 &+ 3 < H ? plane + (y0 &+ 3) &* W : nil
            // Bᵀ d along the rows, for every column at once (buffer column j = input column j − 1).
            t0[0] = 0; t1[0] = 0; t2[0] = 0; t3[0] = 0
            var j = W &+ 1
            while j < wp { t0[j] = 0; t1[j] = 0; t2[j] = 0; t3[j] = 0; j &+= 1 }
            combineRows(d0, d1, d2, d3, count: W, into: t0 + 1, t1 + 1, t2 + 1, t3 + 1)
            // · B along the columns: tile tx reads buffer columns 2tx … 2tx+3.
            let base = u + offset
            @inline(__always) func emit(_ r: UnsafeMutablePointer<Float>, _ i: Int) {
                let o = base + (4 &* i) &* xiStride
                if vectorized {
                    forEachGroup(tilesX) { g in
                        let v0 = load8(r + 2 &* g), v1 = load8(r + (2 &* g &+ 2))
                        let (a, b, e, f) = (v0.evenHalf, v0.oddHalf, v1.evenHalf, v1.oddHalf)
                        store4(a - e, o + g)
                        store4(b + e, o + (xiStride &+ g))
                        store4(e - b, o + (2 &* xiStride &+ g))
                        store4(b - f, o + (3 &* xiStride &+ g))
                    }
                    return
                }
                for tx in 0..<tilesX {
                    let j0 = 2 &* tx
                    let (a, b, e, f) = (r[j0], r[j0 &+ 1], r[j0 &+ 2], r[j0 &+ 3])
                    o[tx] = a - e
                    o[xiStride &+ tx] = b + e
                    o[2 &* xiStride &+ tx] = e - b
                    o[3 &* xiStride &+ tx] = b - f
                }
            }
            emit(t0, 0); emit(t1, 1); emit(t2, 2); emit(t3, 3)
        }
    }

    /// t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3 (nil rows are zero).
    @inline(__always)
    private func combineRows(_ d0: UnsafePointer<Float>?, _ d1: UnsafePointer<Float>?,
                             _ d2: UnsafePointer<Float>?, _ d3: UnsafePointer<Float>?, count: Int,
                             into t0: UnsafeMutablePointer<Float>, _ t1: UnsafeMutablePointer<Float>,
                             _ t2: UnsafeMutablePointer<Float>, _ t3: UnsafeMutablePointer<Float>) {
        var j = 0
        if let d0, let d1, let d2, let d3 {
            while j &+ 4 <= count {
                let (a, b, e, f) = (load4(d0 + j), load4(d1 + j), load4(d2 + j), load4(d3 + j))
                store4(a - e, t0 + j); store4(b + e, t1 + j); store4(e - b, t2 + j); store4(b - f, t3 + j)
                j &+= 4
            }
        }
        while j < count {
            let a = d0?[j] ?? 0, b = d1?[j] ?? 0, e = d2?[j] ?? 0, f = d3?[j] ?? 0
            t0[j] = a - e; t1[j] = b + e; t2[j] = e - b; t3[j] = b - f
            j &+= 1
        }
    }

    /// y tile = Aᵀ M A (+ bias), clipped at the bottom/right edge of odd-sized planes.
    @inline(__always)
    private func transformOutput(_ m: UnsafePointer<Float>, _ t: Tiling, channels: Int, units: Range<Int>,
                                 ld: Int, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let (W, H, tilesX) = (t.width, t.height, t.tilesX)
        let xiStride = channels &* ld
        let vectorized = t.isVectorized
        forEachTileRow(t, channels: channels, units: units, ld: ld) { c, n, ty, offset in
            let b = bias?[c] ?? 0
            let row0 = y + ((c &* t.batch &+ n) &* t.plane &+ 2 &* ty &* W)
            let hasRow1 = 2 &* ty &+ 1 < H
            let base = m + offset
            if vectorized {
                forEachGroup(tilesX) { g in
                    @inline(__always) func row(_ i: Int) -> Row4 { loadRow(base, i, group: g, xiStride: xiStride) }
                    let (m0, m1, m2, m3) = (row(0), row(1), row(2), row(3))
                    // Aᵀ M: s0 = M0 + M1 + M2, s1 = M1 − M2 − M3; then · A along the columns.
                    let s0 = (m0.0 + m1.0 + m2.0, m0.1 + m1.1 + m2.1, m0.2 + m1.2 + m2.2, m0.3 + m1.3 + m2.3)
                    let s1 = (m1.0 - m2.0 - m3.0, m1.1 - m2.1 - m3.1, m1.2 - m2.2 - m3.2, m1.3 - m2.3 - m3.3)
                    var top = SIMD8<Float>(), bottom = SIMD8<Float>()
                    top.evenHalf = s0.0 + s0.1 + s0.2 + b
                    top.oddHalf = s0.1 - s0.2 - s0.3 + b
                    bottom.evenHalf = s1.0 + s1.1 + s1.2 + b
                    bottom.oddHalf = s1.1 - s1.2 - s1.3 + b
                    let x0 = 2 &* g
                    storeClipped(top, row0 + x0, count: W &- x0)
                    if hasRow1 { storeClipped(bottom, row0 + (W &+ x0), count: W &- x0) }
                }
            } else {
                for tx in 0..<tilesX {
                    let p = base + tx
                    var s0 = (Float(0), Float(0), Float(0), Float(0)), s1 = s0
                    let m0 = p, m1 = p + 4 &* xiStride, m2 = p + 8 &* xiStride, m3 = p + 12 &* xiStride
                    let k2 = 2 &* xiStride, k3 = 3 &* xiStride
                    s0.0 = m0[0] + m1[0] + m2[0]; s1.0 = m1[0] - m2[0] - m3[0]
                    s0.1 = m0[xiStride] + m1[xiStride] + m2[xiStride]; s1.1 = m1[xiStride] - m2[xiStride] - m3[xiStride]
                    s0.2 = m0[k2] + m1[k2] + m2[k2]; s1.2 = m1[k2] - m2[k2] - m3[k2]
                    s0.3 = m0[k3] + m1[k3] + m2[k3]; s1.3 = m1[k3] - m2[k3] - m3[k3]
                    let x0 = 2 &* tx
                    row0[x0] = s0.0 + s0.1 + s0.2 + b
                    let hasCol1 = x0 &+ 1 < W
                    if hasCol1 { row0[x0 &+ 1] = s0.1 - s0.2 - s0.3 + b }
                    if hasRow1 {
                        row0[W &+ x0] = s1.0 + s1.1 + s1.2 + b
                        if hasCol1 { row0[W &+ x0 &+ 1] = s1.1 - s1.2 - s1.3 + b }
                    }
                }
            }
        }
    }

    /// V[ξ][c][t] = (A ∂Y Aᵀ)[ξ], with ∂Y's 2×2 tile zero-extended at odd edges.
    @inline(__always)
    private func transformGradOutput(_ dy: UnsafePointer<Float>, _ t: Tiling, channels: Int, units: Range<Int>,
                                     into v: UnsafeMutablePointer<Float>, ld: Int) {
        let (W, H, tilesX) = (t.width, t.height, t.tilesX)
        let xiStride = channels &* ld
        let vectorized = t.isVectorized
        forEachTileRow(t, channels: channels, units: units, ld: ld) { c, n, ty, offset in
            let row0 = dy + ((c &* t.batch &+ n) &* t.plane &+ 2 &* ty &* W)
            let hasRow1 = 2 &* ty &+ 1 < H
            let base = v + offset
            // A g: rows h0 = g0, h1 = g0 + g1, h2 = g0 − g1, h3 = −g1; then the same on columns.
            if vectorized {
                forEachGroup(tilesX) { g in
                    let x0 = 2 &* g
                    let top = loadClipped(row0 + x0, count: W &- x0)
                    let bottom = hasRow1 ? loadClipped(row0 + (W &+ x0), count: W &- x0) : SIMD8<Float>()
                    let (g00, g01, g10, g11) = (top.evenHalf, top.oddHalf, bottom.evenHalf, bottom.oddHalf)
                    @inline(__always) func store(_ p: SIMD4<Float>, _ q: SIMD4<Float>, _ i: Int) {
                        let o = base + ((4 &* i) &* xiStride &+ g)
                        store4(p, o); store4(p + q, o + xiStride)
                        store4(p - q, o + 2 &* xiStride); store4(-q, o + 3 &* xiStride)
                    }
                    store(g00, g01, 0); store(g00 + g10, g01 + g11, 1)
                    store(g00 - g10, g01 - g11, 2); store(-g10, -g11, 3)
                }
            } else {
                for tx in 0..<tilesX {
                    let x0 = 2 &* tx
                    let hasCol1 = x0 &+ 1 < W
                    let g00 = row0[x0], g01 = hasCol1 ? row0[x0 &+ 1] : 0
                    let g10 = hasRow1 ? row0[W &+ x0] : 0
                    let g11 = hasRow1 && hasCol1 ? row0[W &+ x0 &+ 1] : 0
                    let o = base + tx
                    @inline(__always) func store(_ p: Float, _ q: Float, _ i: Int) {
                        let r = o + (4 &* i) &* xiStride
                        r[0] = p; r[xiStride] = p + q; r[2 &* xiStride] = p - q; r[3 &* xiStride] = -q
                    }
                    store(g00, g01, 0); store(g00 + g10, g01 + g11, 1)
                    store(g00 - g10, g01 - g11, 2); store(-g10, -g11, 3)
                }
            }
        }
    }

    /// Adds ∂d = B D Bᵀ of every tile into `dx`, clipped to the image. Patches overlap by 2
    /// pixels, so tile row by tile row the 4×4 results first go to `scratch` — 16 rows
    /// `O[p][q][tx]` (patch row p, column q) with a zero on each side — and are then summed
    /// column-wise: pixel 2k of patch row p gets O[p][1][k] + O[p][3][k−1], pixel 2k+1 gets
    /// O[p][0][k+1] + O[p][2][k].
    @inline(__always)
    private func transformGradInput(_ d: UnsafePointer<Float>, _ t: Tiling, channels: Int, units: Range<Int>,
                                    ld: Int, scratch: UnsafeMutablePointer<Float>,
                                    addingInto dx: UnsafeMutablePointer<Float>) {
        let (W, H, tilesX) = (t.width, t.height, t.tilesX)
        let xiStride = channels &* ld
        let sw = tilesX &+ 2
        for r in 0..<16 { scratch[r &* sw] = 0; scratch[r &* sw &+ tilesX &+ 1] = 0 }
        let vectorized = t.isVectorized
        forEachTileRow(t, channels: channels, units: units, ld: ld) { c, n, ty, offset in
            let plane = dx + (c &* t.batch &+ n) &* t.plane
            let base = d + offset
            // B D along the rows: e0 = D0, e1 = D1 − D2 + D3, e2 = D1 + D2 − D0, e3 = −D3;
            // then · Bᵀ along the columns, the same combination.
            if vectorized {
                forEachGroup(tilesX) { g in
                    @inline(__always) func row(_ i: Int) -> Row4 { loadRow(base, i, group: g, xiStride: xiStride) }
                    let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3))
                    @inline(__always) func put(_ e: Row4, _ p: Int) {
                        let o = scratch + (4 &* p &* sw &+ 1 &+ g)
                        store4(e.0, o)
                        store4(e.1 - e.2 + e.3, o + sw)
                        store4(e.1 + e.2 - e.0, o + 2 &* sw)
                        store4(-e.3, o + 3 &* sw)
                    }
                    put(r0, 0)
                    put((r1.0 - r2.0 + r3.0, r1.1 - r2.1 + r3.1, r1.2 - r2.2 + r3.2, r1.3 - r2.3 + r3.3), 1)
                    put((r1.0 + r2.0 - r0.0, r1.1 + r2.1 - r0.1, r1.2 + r2.2 - r0.2, r1.3 + r2.3 - r0.3), 2)
                    put((-r3.0, -r3.1, -r3.2, -r3.3), 3)
                }
            } else {
                for tx in 0..<tilesX {
                    @inline(__always) func row(_ i: Int) -> SIMD4<Float> {
                        let q = base + ((4 &* i) &* xiStride &+ tx)
                        return SIMD4(q[0], q[xiStride], q[2 &* xiStride], q[3 &* xiStride])
                    }
                    let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3))
                    @inline(__always) func put(_ e: SIMD4<Float>, _ p: Int) {
                        let o = scratch + (4 &* p &* sw &+ 1 &+ tx)
                        o[0] = e.x; o[sw] = e.y - e.z + e.w; o[2 &* sw] = e.y + e.z - e.x; o[3 &* sw] = -e.w
                    }
                    put(r0, 0); put(r1 - r2 + r3, 1); put(r1 + r2 - r0, 2); put(-r3, 3)
                }
            }
            // Overlap-add patch rows 2ty−1 … 2ty+2 into the image.
            for p in 0..<4 {
                let yy = 2 &* ty &- 1 &+ p
                if yy < 0 || yy >= H { continue }
                let o = scratch + 4 &* p &* sw
                let (o0, o1, o2, o3) = (o, o + sw, o + 2 &* sw, o + 3 &* sw)
                let dst = plane + yy &* W
                var k = 0
                while 2 &* k &+ 8 <= W {
                    var v = SIMD8<Float>()
                    v.evenHalf = load4(o1 + (1 &+ k)) + load4(o3 + k)
                    v.oddHalf = load4(o0 + (2 &+ k)) + load4(o2 + (1 &+ k))
                    store8(load8(dst + 2 &* k) + v, dst + 2 &* k)
                    k &+= 4
                }
                while 2 &* k < W {
                    dst[2 &* k] += o1[1 &+ k] + o3[k]
                    if 2 &* k &+ 1 < W { dst[2 &* k &+ 1] += o0[2 &+ k] + o2[1 &+ k] }
                    k &+= 1
                }
            }
        }
    }
}

/// Row `i` (ξ = 4i … 4i+3) of the 4×4 Winograd-domain tiles of 4 neighbouring tiles.
private typealias Row4 = (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)

@inline(__always) private func loadRow(_ base: UnsafePointer<Float>, _ i: Int, group g: Int, xiStride: Int) -> Row4 {
    let p = base + ((4 &* i) &* xiStride &+ g)
    return (load4(p), load4(p + xiStride), load4(p + 2 &* xiStride), load4(p + 3 &* xiStride))
}

@inline(__always) private func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always) private func load4(_ p: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}

@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// The first `count` (≥ 1) lanes of `v` to `p…`: one vector store when all 8 fit.
@inline(__always) private func storeClipped(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, count: Int) {
    if count >= 8 { store8(v, p); return }
    for l in 0..<count { p[l] = v[l] }
}

/// `p[0..<count]` (count ≥ 1) in the first lanes, zero in the rest: never reads past `count`.
@inline(__always) private func loadClipped(_ p: UnsafePointer<Float>, count: Int) -> SIMD8<Float> {
    if count >= 8 { return load8(p) }
    var v = SIMD8<Float>()
    for l in 0..<count { v[l] = p[l] }
    return v
}
