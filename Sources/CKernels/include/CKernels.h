// Direct 3×3 convolution kernels (AVX2 + FMA, chosen at run time) for `DirectConvolution` in
// the Training module. They work on the "flat padded" layout described there: a channel's
// images laid one after another with rows of `rowStride` floats (the image's width plus one
// shared zero column) and one shared zero row between images, so that a 3×3 convolution with
// padding 1 becomes a one-dimensional stencil with the nine offsets `ky·rowStride + kx`.
// The `subbit_conv3x1_*` variants and the `subbit_wino43_*` transforms serve
// `RowWinogradConvolution`: Winograd F(4, 3) along rows, whose transformed planes are laid out
// tile column by tile column so that only the three vertical taps (offsets 0, 1, 2) remain.
#ifndef SUBBIT_CKERNELS_H
#define SUBBIT_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU runs the AVX2 + FMA kernels below, else 0 (callers must then not call them).
int subbit_conv3x3_available(void);

/// out[q·outChannels + o] = Σ_i Σ_{ky,kx} w(o, i, ky, kx) · x[i·inStride + q + ky·rowStride + kx]
/// for q in [0, positions): the result is position-major. `positions` must be a multiple of 12
/// and `outChannels` of 8; `x` must hold `positions + 2·rowStride + 2` readable floats per
/// channel. `packed` holds the weights in blocks of 16 output channels (the last block 8 when
/// `outChannels` is 8 mod 16): [block][inChannels][9][16 or 8] (see `subbit_conv3x3_pack`).
void subbit_conv3x3_forward(const float *x, long inStride, long inChannels, const float *packed,
                            float *out, long outChannels, long rowStride, long positions);

/// Copies the real pixels of a position-major result of `subbit_conv3x3_forward` over `images`
/// images of `height × width` to channel-major planes: pixel (n, y, x) of channel c goes to
/// target[c·channelStride + n·height·width + y·width + x], plus bias[c] when `bias` is not NULL.
/// `channels` must be a multiple of 8.
void subbit_conv3x3_unpack(const float *flat, long channels, long images, long height, long width,
                           const float *bias, float *target, long channelStride);

/// Packs a weight w(o, i, t) = weight[o·oStride + i·iStride + t·tStride] (t = ky·3 + kx) into
/// the blocks `subbit_conv3x3_forward` reads (`outChannels` a multiple of 8). The flipped,
/// transposed kernel of the input gradient is the same call with the roles of o and i swapped
/// and t running backwards (tStride < 0).
void subbit_conv3x3_pack(const float *weight, long oStride, long iStride, long tStride,
                         long outChannels, long inChannels, float *packed);

/// gradWeight[(o·inChannels + i)·9 + ky·3 + kx] += Σ_q dy[o·dyStride + q] · x[i·inStride + q + ky·rowStride + kx]
/// for q in [0, positions). `positions` must be a multiple of 8 and `outChannels` of 4.
void subbit_conv3x3_weight_gradient(const float *dy, long dyStride, long outChannels,
                                    const float *x, long inStride, long inChannels,
                                    float *gradWeight, long rowStride, long positions);

/// The vertical-taps-only variant of `subbit_conv3x3_forward`: out[q·outStride + o] =
/// Σ_i Σ_ky u(o, i, ky) · x[i·inStride + q + ky] — the inner products of the row-Winograd
/// convolution, over planes laid out tile column by tile column (see `winograd43.c`).
/// `packed`: [block][inChannels][3][16 or 8]; `x` must hold `positions + 2` floats per channel.
void subbit_conv3x1_forward(const float *x, long inStride, long inChannels, const float *packed,
                            float *out, long outChannels, long outStride, long positions);

/// Packs the six Winograd F(4, 3) components U_j = G·(w(o, i, ky, 0…2)) of a weight addressed
/// as in `subbit_conv3x3_pack`, each in the blocks `subbit_conv3x1_forward` reads; component j
/// starts at packed + j·outChannels·inChannels·3.
void subbit_wino43_pack(const float *weight, long oStride, long iStride, long tStride, long outChannels,
                        long inChannels, float *packed);

/// Input transform of a chunk of `images` images (channel c's first at source + c·channelStride,
/// `height × width` each): component j of channel c at v[(j·channels + c)·vStride + t·rows + ρ]
/// for tile column t < `tiles` (= ⌈width / 4⌉) and padded row ρ < `rows` (a multiple of 8; padded
/// row ρ ≥ 1 is image (ρ − 1) / (height + 1), row (ρ − 1) mod (height + 1), the others are zero).
void subbit_wino43_input(const float *source, long channelStride, long channels, long images, long height,
                         long width, long tiles, long rows, float *v, long vStride);

/// Output transform: from the six products of each position, interleaved (channel c of component j
/// of position q = t·rows + n·(height + 1) + y at m[(6q + j)·channels + c]) to pixel (n, y, x) of channel c at
/// target[c·channelStride + n·height·width + y·width + x], plus bias[c] when `bias` is not NULL,
/// plus addend[same index] when `addend` is not NULL, then zero where positive[same index] ≤ 0
/// when `positive` is not NULL (a ReLU's backward given its output; `addend` and `positive` are
/// relative to the chunk's first image, as `target` is). `channels` must be a multiple of 8.
void subbit_wino43_output(const float *m, long channels, long images, long height,
                          long width, long tiles, long rows, const float *bias, const float *addend,
                          const float *positive, float *target, long channelStride);

/// The vertical-taps-only variant of `subbit_conv3x3_weight_gradient`, for the row-Winograd
/// products: gradWeight[(o·inChannels + i)·3 + k] += Σ_q dy[o·dyStride + q] · x[i·inStride + q + k].
void subbit_conv3x1_weight_gradient(const float *dy, long dyStride, long outChannels,
                                    const float *x, long inStride, long inChannels,
                                    float *gradWeight, long positions);

/// `∂output` transforms for the row-Winograd backward, from one pass over `source` (laid out as in
/// `subbit_wino43_input`): component j of channel c of (A·∂y) — for the weight gradient — at
/// z[(j·channels + c)·stride + t·rows + ρ] for padded row ρ (so output row r is at ρ = r + 1),
/// zero for ρ in [tiles·rows, positions]; and, when `v` is not NULL, the input transform Bᵀ·∂y — for
/// `∂input` — at the same places of `v`, exactly what `subbit_wino43_input` writes.
void subbit_wino43_gradient(const float *source, long channelStride, long channels, long images, long height,
                            long width, long tiles, long rows, long positions, float *z, float *v, long stride);

/// gradWeight[(o·inChannels + i)·9 + ky·3 + kx] += Σ_j G[j][kx] · P_j[(o·inChannels + i)·3 + ky], for the
/// six component products P_j = products + j·outChannels·inChannels·3.
void subbit_wino43_weight_gradient(const float *products, long outChannels, long inChannels,
                                   float *gradWeight);

/// im2col of a 3×3, stride-2, padding-1 convolution: images 0 ..< `images` of a `[channels, ·, height,
/// width]` map (channel c's first image at x + c·channelStride) into the row-major matrix
/// `col` `[channels·9, images·outHeight·outWidth]`, row (c, kh, kw) holding input pixel
/// (2·oh + kh − 1, 2·ow + kw − 1) of every output position (zero outside the image).
void subbit_im2col3x3s2(const float *x, long channelStride, long channels, long images, long height, long width,
                        float *col);

/// The adjoint of `subbit_im2col3x3s2`: overwrites images 0 ..< `images` of ∂x (channel c's first at
/// dx + c·channelStride) with the sum of the `col` entries taken from each pixel (no zeroing needed).
void subbit_col2im3x3s2(const float *col, long channels, long images, long height, long width, float *dx,
                        long channelStride);

/// The number of CPUs in this process's affinity mask (`taskset`, cgroup cpusets), or 0 where it
/// cannot be read (not Linux, or the call failed).
int subbit_affinity_cpu_count(void);

#ifdef __cplusplus
}
#endif
#endif
