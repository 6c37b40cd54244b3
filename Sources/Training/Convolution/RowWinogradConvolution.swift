import CKernels

/// 3×3, stride-1, padding-1 convolution on channel-major `[C, N, H, W]` feature maps as
/// Winograd F(4, 3) along rows with direct vertical taps — forward, `∂input` and `∂W` — on the
/// AVX2 + FMA kernels of `CKernels` (`winograd43.c`).
///
/// **Arithmetic.** Along x, four outputs of a 3-tap correlation come from six products,
/// `Y = Aᵀ[(G·g) ⊙ (Bᵀ·d)]`; along y the three taps stay direct. A convolution becomes six
/// 3×1 convolutions of transformed planes, one per Winograd component: 18 products per input
/// channel for 4 outputs where `DirectConvolution` spends 36. `∂input` is the same with the
/// flipped, transposed kernel. `∂W` uses the transpose of the same identity,
/// `∂g = Gᵀ[(A·∂y) ⊙ (Bᵀ·d)]` summed over tiles: six 3-tap reductions of transformed planes,
/// also half the products. Rounding differs from direct convolution (the transforms have
/// coefficients up to 5 and 8 on one axis), well within float training noise; the tests bound it.
///
/// **Layout.** A chunk of `m` images is transformed straight from the feature map (masked loads
/// supply the zero padding; nothing is copied into a padded buffer first). Transformed planes are
/// tile-column major: padded row ρ of tile column t (pixels 4t … 4t + 3) sits at `t·rows + ρ`,
/// one zero row between images, so the vertical taps are the offsets 0, 1, 2 and the direct
/// kernels (`subbit_conv3x1_forward`, `subbit_conv3x1_weight_gradient`) run unchanged over them.
///
/// Work is split by whole images: in forward, chunks go to whichever thread is free (an image's
/// output does not depend on where it ran); in backward threads take fixed groups of images
/// (`ReductionGroups`), each group's `∂W` partial (accumulated in the transformed domain, turned
/// into `∂W` once per group) is added in group order, so results do not depend on the thread count. Used by `Conv2d` when its `algorithm` is `.rowWinograd` (the default where the CPU
/// has AVX2 + FMA):
///
/// ```swift
/// let conv = Conv2d(16, 16, kernelSize: 3, padding: 1, rng: &rng)
/// conv.algorithm = .rowWinograd
/// let y = conv.forward(x, context: context)   // x, y: [16, N, H, W]
/// ```
final class RowWinogradConvolution {
    let inChannels: Int
    let outChannels: Int
    /// Sets the chunk size: a thread's whole workspace (six components' transformed input and
    /// `∂output` planes and products) is kept near three times this — each kernel call touches
    /// one component, and longer planes amortize per-call costs such as the `∂W` kernel's lane
    /// sums. ResNet-20, 2 threads, alternating runs (`Conv2d`'s default 128 k floats): workspaces
    /// of 192 k floats 498 img/s, 384 k 505, 768 k 490, 1.5 M 413.
    var chunkFloats = 1 << 17

    private var packed: Tensor?
    private var packedTransposed: Tensor?
    private var workspaces: [Tensor] = []
    private var workspacePointers: [UnsafeMutablePointer<Float>] = []
    private var partialGrads: [Tensor] = []
    private var partialPointers: [UnsafeMutablePointer<Float>] = []
    /// Per-thread `∂W` in the transformed domain: six components × `[out, in, 3]`.
    private var partialProducts: [Tensor] = []
    private var partialProductPointers: [UnsafeMutablePointer<Float>] = []

    init(inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
    }

    /// The transformed planes of a chunk of `images` images of `height × width`.
    struct Layout {
        let images: Int, height: Int, width: Int
        /// Tile columns of 4 pixels per row.
        var tiles: Int { (width + 3) / 4 }
        /// Padded rows per tile column: every output row and the two rows below it, in eights.
        var rows: Int { (images * (height + 1) + 2 + 7) / 8 * 8 }
        /// Positions of a transformed plane, in whole kernel blocks of 24.
        var positions: Int { (tiles * rows + 23) / 24 * 24 }
        /// Floats per transformed plane: its positions plus the vertical taps' reach.
        var planeStride: Int { positions + 8 }
    }

    private var widest: Int { max(inChannels, outChannels) }

    /// Floats of one thread's workspace: transformed planes of the input (`planes`), of
    /// `∂output` for `∂W` (`gradients`) and for `∂input` (`gradientPlanes`), and the kernels'
    /// position-major products.
    private static func workspaceFloats(_ layout: Layout, channels: Int) -> Int {
        6 * channels * (3 * layout.planeStride + layout.positions)
    }

    private struct Regions {
        let planes: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>
        let gradientPlanes: UnsafeMutablePointer<Float>, products: UnsafeMutablePointer<Float>
        init(_ base: UnsafeMutablePointer<Float>, _ layout: Layout, channels: Int) {
            planes = base
            gradients = base + 6 * channels * layout.planeStride
            gradientPlanes = gradients + 6 * channels * layout.planeStride
            products = gradientPlanes + 6 * channels * layout.planeStride
        }
    }

    private func imagesPerChunk(height: Int, width: Int) -> Int {
        let perImage = 18 * widest * (width + 3) / 4 * (height + 1)
        return max(1, 3 * chunkFloats / max(1, perImage))
    }

    private func workspaces(_ layout: Layout, threads: Int) -> [UnsafeMutablePointer<Float>] {
        let floats = Self.workspaceFloats(layout, channels: widest)
        if workspaces.count < threads || workspaces.contains(where: { $0.capacity < floats }) {
            workspaces = (0..<threads).map { _ in Tensor(shape: [floats]) }
            workspacePointers = workspaces.map(\.pointer)
        }
        return workspacePointers
    }

    /// One chunk through the transformed domain: six 3×1 direct convolutions (one per component,
    /// weights from `subbit_wino43_pack`) of the transformed `channels` channels in `planes`
    /// (images `images` of a `[channels, batch, H, W]` map), output transform (+ bias, + addend)
    /// into `target`.
    private func convolve(_ planes: UnsafePointer<Float>, channels: Int, packed: UnsafePointer<Float>,
                          outChannels: Int, _ layout: Layout, planeStride: Int, _ space: Regions,
                          bias: UnsafePointer<Float>?, adding addend: UnsafePointer<Float>? = nil,
                          maskedBy positive: UnsafePointer<Float>? = nil, batch: Int,
                          images: Range<Int>, into target: UnsafeMutablePointer<Float>) {
        let (h, w, tiles, rows) = (layout.height, layout.width, layout.tiles, layout.rows)
        let plane = h * w
        // Products interleaved by component: position q's component j at (6q + j)·outChannels.
        for j in 0..<6 {
            subbit_conv3x1_forward(planes + j * channels * planeStride, planeStride, channels,
                                   packed + j * outChannels * channels * 3, space.products + j * outChannels,
                                   outChannels, 6 * outChannels, layout.positions)
        }
        subbit_wino43_output(space.products, outChannels, images.count, h, w, tiles, rows, bias,
                             addend.map { $0 + images.lowerBound * plane }, positive.map { $0 + images.lowerBound * plane },
                             target + images.lowerBound * plane, batch * plane)
    }

    /// `y = conv3×3(x, w) + bias`; `x`, `y` are `[C, N, H, W]` with equal `N, H, W`.
    func forward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 into y: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int, threads: Int) {
        let (ci, co) = (inChannels, outChannels)
        let kp = Tensor.reuse(&packed, shape: [18 * co * ci]).pointer
        subbit_wino43_pack(w, ci * 9, 9, 1, co, ci, kp)
        let parts = min(threads, batch)
        let chunk = imagesPerChunk(height: height, width: width)
        let full = Layout(images: min(chunk, batch), height: height, width: width)
        let spaces = workspaces(full, threads: parts)
        let widest = widest
        let plane = height * width
        // Each image's output depends on that image only, so chunks go to whichever thread is
        // free (the same bits whatever the assignment): a thread the host pauses no longer holds
        // up the other at the end of the call.
        parallelForEach((batch + chunk - 1) / chunk, parts: parts) { part, k in
            let space = Regions(spaces[part], full, channels: widest)
            let images = (k * chunk)..<min(batch, (k + 1) * chunk)
            let layout = Layout(images: images.count, height: height, width: width)
            subbit_wino43_input(x + images.lowerBound * plane, batch * plane, ci, images.count, height, width,
                                layout.tiles, layout.rows, space.planes, full.planeStride)
            convolve(space.planes, channels: ci, packed: kp, outChannels: co, layout, planeStride: full.planeStride,
                     space, bias: bias, batch: batch, images: images, into: y)
        }
    }

    /// Accumulates `∂W` (`[out, in, 3, 3]`, added to `gradWeight`) and, when `gradInput` is
    /// given, overwrites it with `∂x` — plus `addend` (same shape) when one is given, and zero
    /// where `x ≤ 0` when `maskByInput` — for input `x` and the weight `w` used in forward.
    func backward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>,
                  gradWeight: UnsafeMutablePointer<Float>, gradInput dx: UnsafeMutablePointer<Float>?,
                  adding addend: UnsafePointer<Float>? = nil, maskByInput: Bool = false,
                  batch: Int, height: Int, width: Int, threads: Int) {
        let (ci, co) = (inChannels, outChannels)
        var kt: UnsafeMutablePointer<Float>?
        if dx != nil {
            precondition(ci % 8 == 0, "RowWinogradConvolution: ∂input needs input channels in eights, got \(ci)")
            // W'[i, o, t] = W[o, i, 8 − t]: the transposed kernel, spatially flipped.
            let p = Tensor.reuse(&packedTransposed, shape: [18 * co * ci]).pointer
            subbit_wino43_pack(w + 8, 9, ci * 9, -1, ci, co, p)
            kt = p
        }
        let chunk = imagesPerChunk(height: height, width: width)
        let groups = ReductionGroups(total: batch, chunk: chunk)
        let parts = groups.parts(threads: threads)
        let partials = reservePartials(&partialGrads, &partialPointers, count: groups.count, floats: co * ci * 9)
        // The transformed-domain products are per thread: each group's are folded into its ∂W partial.
        let products = reservePartials(&partialProducts, &partialProductPointers, count: parts, floats: 6 * co * ci * 3)
        let full = Layout(images: min(chunk, batch), height: height, width: width)
        let spaces = workspaces(full, threads: parts)
        let widest = widest
        let plane = height * width
        groups.forEach(threads: parts) { part, group, mine in
            let space = Regions(spaces[part], full, channels: widest)
            let (gw, gp) = (partials[group], products[part])
            gw.update(repeating: 0, count: co * ci * 9)
            gp.update(repeating: 0, count: 6 * co * ci * 3)
            let planes = full.planeStride
            forEachChunk(of: mine, size: chunk) { images in
                let layout = Layout(images: images.count, height: height, width: width)
                let (tiles, rows, positions) = (layout.tiles, layout.rows, layout.positions)
                // ∂W: Σ over tiles of (A·∂y)_j ⊙ (Bᵀx)_j with three vertical taps, per component j.
                let first = images.lowerBound * plane
                subbit_wino43_input(x + first, batch * plane, ci, images.count, height, width, tiles, rows,
                                    space.planes, planes)
                // One pass over ∂y for both of its transforms. The ∂W one is stored by padded row,
                // output row r at r + 1: the kernel reads it from position 1.
                subbit_wino43_gradient(dy + first, batch * plane, co, images.count, height, width, tiles, rows,
                                       positions, space.gradients, kt == nil ? nil : space.gradientPlanes, planes)
                for j in 0..<6 {
                    subbit_conv3x1_weight_gradient(space.gradients + j * co * planes + 1, planes, co,
                                                   space.planes + j * ci * planes, planes, ci,
                                                   gp + j * co * ci * 3, positions)
                }
                if let dx, let kt {
                    convolve(space.gradientPlanes, channels: co, packed: kt, outChannels: ci, layout,
                             planeStride: planes, space, bias: nil, adding: addend, maskedBy: maskByInput ? x : nil,
                             batch: batch, images: images, into: dx)
                }
            }
            subbit_wino43_weight_gradient(gp, co, ci, gw)
        }
        addPartials(partials, groups: groups.count, length: co * ci * 9, into: gradWeight, threads: threads)
    }
}
