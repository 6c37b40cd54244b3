import CKernels

/// Direct 3×3, stride-1, padding-1 convolution on channel-major `[C, N, H, W]` feature maps —
/// forward, `∂input` and `∂W` — with AVX2 + FMA kernels (`CKernels`), no im2col and no GEMM.
///
/// **Layout.** A chunk of `m` images is copied, channel by channel, into a *flat padded*
/// buffer: rows of `R = W + 1` floats (the image row plus one zero column, which serves as
/// the right border of its row and the left border of the next) and one zero row between
/// images (the bottom border of one, the top border of the next). Pixel `(n, y, x)` sits at
/// `R + 1 + n·S + y·R + x` with `S = (H + 1)·R`. The output at flat position
/// `q = n·S + y·R + x` is then `Σ w[ky, kx] · X[q + ky·R + kx]` — one stencil over the whole
/// chunk, with no bounds checks. Positions on the zero column and zero rows are computed and
/// thrown away: 7 % extra work at 28×28, 15 % at 14×14, 31 % at 7×7 — instead of im2col's 9×
/// copy of the input. The kernel's vectors run along output channels (16 channels × 6
/// positions per register block), so it writes a position-major `[q][out]` result, which the
/// copy back to `[C, N, H, W]` transposes 8×8 at a time.
///
/// **Passes.** Forward: copy in, kernel, copy out (+ bias). `∂input` is the same kernel on
/// the flat padded `∂output` with the flipped, transposed weights. `∂W[o, i, ky, kx]` is the
/// dot product of `∂output` (read in place from that padded copy, shifted by `R + 1`, whose
/// thrown-away positions are zero) with the input shifted by `ky·R + kx`.
///
/// Threads take whole chunks of images; the `∂W` partial sums of fixed groups of images
/// (`ReductionGroups`) are added in group order, so results do not depend on the thread count. Used by `Conv2d` when its `algorithm` is
/// `.direct` (`.rowWinograd`, the default, runs the same kernels over Winograd-transformed
/// planes; see `RowWinogradConvolution`):
///
/// ```swift
/// let conv = Conv2d(16, 16, kernelSize: 3, padding: 1, rng: &rng)
/// conv.algorithm = .direct
/// let y = conv.forward(x, context: context)   // x, y: [16, N, H, W]
/// ```
final class DirectConvolution {
    let inChannels: Int
    let outChannels: Int
    /// Target floats of one chunk's per-thread working set (padded input, output and gradients).
    var chunkFloats = 1 << 17

    /// Whether this CPU runs the kernels (AVX2 + FMA).
    static let isAvailable = subbit_conv3x3_available() != 0

    /// Whether a convolution of this shape can run here: 3×3, stride 1, padding 1, output
    /// channels in eights, and input channels in eights when `∂input` is needed (it is a
    /// convolution with the input channels as outputs).
    static func supports(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int,
                         needsInputGradient: Bool) -> Bool {
        isAvailable && kernelSize == 3 && stride == 1 && padding == 1 && outChannels % 8 == 0
            && (!needsInputGradient || inChannels % 8 == 0)
    }

    private var packed: Tensor?
    private var packedTransposed: Tensor?
    private var workspaces: [Tensor] = []
    private var workspacePointers: [UnsafeMutablePointer<Float>] = []
    /// The geometry each workspace's zero borders were laid out for.
    private var layouts: [Layout?] = []
    private var partialGrads: [Tensor] = []
    private var partialPointers: [UnsafeMutablePointer<Float>] = []

    init(inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
    }

    /// The flat padded layout of a chunk of `images` images of `height × width`.
    struct Layout: Equatable {
        let images: Int, height: Int, width: Int
        var rowStride: Int { width + 1 }
        var imageStride: Int { (height + 1) * rowStride }
        /// Output positions computed: the chunk's flat positions, in whole kernel blocks of 24.
        var positions: Int { (images * imageStride + 23) / 24 * 24 }
        /// Floats per channel of a padded buffer: every position plus the stencil's reach.
        var paddedStride: Int { positions + 2 * rowStride + 2 }
        /// Where pixel (0, 0, 0) sits in a padded buffer.
        var origin: Int { rowStride + 1 }
    }

    private func imagesPerChunk(height: Int, width: Int) -> Int {
        let perImage = (2 * inChannels + outChannels) * (height + 1) * (width + 1)
        return max(1, chunkFloats / max(1, perImage))
    }

    /// Per-thread workspaces for chunks of `layout`: padded input (`in` channels), padded
    /// `∂output` (`out`) and the position-major result (up to `max(in, out)` channels).
    private func workspaces(_ layout: Layout, threads: Int) -> [UnsafeMutablePointer<Float>] {
        let floats = (inChannels + outChannels + max(inChannels, outChannels)) * layout.paddedStride
        if workspaces.count < threads || workspaces.contains(where: { $0.capacity < floats }) {
            workspaces = (0..<threads).map { _ in Tensor(shape: [floats]) }
            workspacePointers = workspaces.map(\.pointer)
            layouts = Array(repeating: nil, count: threads)
        }
        for part in 0..<threads where layouts[part] != layout {
            // Zero borders are written once per layout; chunks only rewrite pixels and the tail.
            workspacePointers[part].update(repeating: 0, count: floats)
            layouts[part] = layout
        }
        return workspacePointers
    }

    /// Copies images `images` of `source` (`[channels, batch, H, W]`) into the padded buffer
    /// `buffer` (`channels` rows of `stride` floats, laid out for chunks of `layout.images` or
    /// more), and zeroes what lies past the last image (a shorter last chunk must not see the
    /// previous chunk's pixels).
    private func pad(_ source: UnsafePointer<Float>, channels: Int, batch: Int, images: Range<Int>,
                     _ layout: Layout, into buffer: UnsafeMutablePointer<Float>, stride: Int) {
        let (h, w, r, s) = (layout.height, layout.width, layout.rowStride, layout.imageStride)
        let plane = h * w
        let tail = images.count * s
        for c in 0..<channels {
            let dst = buffer + c * stride
            for (n, image) in images.enumerated() {
                let src = source + (c * batch + image) * plane
                let base = dst + layout.origin + n * s
                for y in 0..<h { (base + y * r).update(from: src + y * w, count: w) }
            }
            (dst + tail).update(repeating: 0, count: stride - tail)
        }
    }

    /// Copies the real pixels of a position-major flat result (`[position][channels]`) to
    /// images `images` of `target` (`[channels, batch, H, W]`), adding `bias` when given
    /// (8×8 transposes in `subbit_conv3x3_unpack`).
    private func unpad(_ flat: UnsafePointer<Float>, channels: Int, batch: Int, images: Range<Int>,
                       _ layout: Layout, bias: UnsafePointer<Float>?, into target: UnsafeMutablePointer<Float>) {
        let plane = layout.height * layout.width
        subbit_conv3x3_unpack(flat, channels, images.count, layout.height, layout.width, bias,
                              target + images.lowerBound * plane, batch * plane)
    }

    /// `y = conv3×3(x, w) + bias`; `x`, `y` are `[C, N, H, W]` with equal `N, H, W`.
    func forward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 into y: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int, threads: Int) {
        let (ci, co) = (inChannels, outChannels)
        let kp = Tensor.reuse(&packed, shape: [co * ci * 9]).pointer
        subbit_conv3x3_pack(w, ci * 9, 9, 1, co, ci, kp)
        let chunk = imagesPerChunk(height: height, width: width)
        let groups = ReductionGroups(total: batch, chunk: chunk)
        let parts = groups.parts(threads: threads)
        let full = Layout(images: min(chunk, batch), height: height, width: width)
        let spaces = workspaces(full, threads: parts)
        groups.forEach(threads: parts) { part, _, mine in
            let stride = full.paddedStride
            let xp = spaces[part], out = xp + (ci + co) * stride
            forEachChunk(of: mine, size: chunk) { images in
                let layout = Layout(images: images.count, height: height, width: width)
                pad(x, channels: ci, batch: batch, images: images, layout, into: xp, stride: stride)
                subbit_conv3x3_forward(xp, stride, ci, kp, out, co, layout.rowStride, layout.positions)
                unpad(out, channels: co, batch: batch, images: images, layout, bias: bias, into: y)
            }
        }
    }

    /// Accumulates `∂W` (`[out, in, 3, 3]`, added to `gradWeight`) and, when `gradInput` is
    /// given, overwrites it with `∂x`, for input `x` and the weight `w` used in forward.
    func backward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>,
                  gradWeight: UnsafeMutablePointer<Float>, gradInput dx: UnsafeMutablePointer<Float>?,
                  batch: Int, height: Int, width: Int, threads: Int) {
        let (ci, co) = (inChannels, outChannels)
        var kt: UnsafeMutablePointer<Float>?
        if dx != nil {
            precondition(ci % 8 == 0, "DirectConvolution: ∂input needs input channels in eights, got \(ci)")
            // W'[i, o, t] = W[o, i, 8 − t]: the transposed kernel, spatially flipped.
            let p = Tensor.reuse(&packedTransposed, shape: [co * ci * 9]).pointer
            subbit_conv3x3_pack(w + 8, 9, ci * 9, -1, ci, co, p)
            kt = p
        }
        let chunk = imagesPerChunk(height: height, width: width)
        let groups = ReductionGroups(total: batch, chunk: chunk)
        let parts = groups.parts(threads: threads)
        let partials = reservePartials(&partialGrads, &partialPointers, count: groups.count, floats: co * ci * 9)
        let full = Layout(images: min(chunk, batch), height: height, width: width)
        let spaces = workspaces(full, threads: parts)
        groups.forEach(threads: parts) { part, group, mine in
            let stride = full.paddedStride
            let xp = spaces[part], dyp = xp + ci * stride, flat = dyp + co * stride
            let gw = partials[group]
            gw.update(repeating: 0, count: co * ci * 9)
            forEachChunk(of: mine, size: chunk) { images in
                let layout = Layout(images: images.count, height: height, width: width)
                pad(x, channels: ci, batch: batch, images: images, layout, into: xp, stride: stride)
                pad(dy, channels: co, batch: batch, images: images, layout, into: dyp, stride: stride)
                // ∂output at flat position q is dyp[origin + q]; its border positions are zero.
                subbit_conv3x3_weight_gradient(dyp + layout.origin, stride, co, xp, stride, ci, gw,
                                               layout.rowStride, layout.positions)
                if let dx, let kt {
                    subbit_conv3x3_forward(dyp, stride, co, kt, flat, ci, layout.rowStride, layout.positions)
                    unpad(flat, channels: ci, batch: batch, images: images, layout, bias: nil, into: dx)
                }
            }
        }
        addPartials(partials, groups: groups.count, length: co * ci * 9, into: gradWeight, threads: threads)
    }
}
