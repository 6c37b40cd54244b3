// One-dimensional Winograd F(4, 3) along rows for 3×3 convolutions on the flat padded layout
// (see include/CKernels.h).
//
// Along x, four outputs of a 3-tap correlation y_a = Σ_kx d_{a+kx}·g_kx are computed from six
// products, Y = Aᵀ[(G g) ⊙ (Bᵀ d)] (Lavin & Gray's F(4, 3), points 0, ±1, ±2, ∞); along y the
// three taps stay direct. A 3×3 convolution becomes six 3×1 convolutions of transformed planes
// (one per Winograd component j) — 6·3 = 18 products per input channel for 4 outputs instead
// of 36 — each run by the direct kernel (`subbit_conv3x1_forward`), followed by the output
// transform. In two dimensions F(4×4, 3×3) would save more, but its transforms amplify rounding
// errors far more (coefficients up to 5 on both axes) and need a tile gather on both axes.
//
// Transformed planes are "tile-column major": component j of input channel c holds, for tile
// column t (x = 4t … 4t + 3) and padded row ρ, the value at t·rows + ρ. The three vertical taps
// are then the offsets 0, 1, 2, and the input transform — computed on eight rows at a time after
// an 8×8 transpose — stores eight consecutive floats.
#include "CKernels.h"
#include "avx2.h"

void subbit_wino43_pack(const float *weight, long oStride, long iStride, long tStride, long outChannels,
                        long inChannels, float *packed) {
  // U = G·g for the taps g = (g0, g1, g2) of one kernel row; all six components from one read of
  // the taps (the pack runs on one thread before each convolution).
  const long component = outChannels * inChannels * 3;
  for (long ob = 0; ob < outChannels; ob += 16) {
    const long width = outChannels - ob >= 16 ? 16 : 8;
    for (long i = 0; i < inChannels; i++)
      for (long ky = 0; ky < 3; ky++)
        for (long k = 0; k < width; k++) {
          const float *g = weight + (ob + k) * oStride + i * iStride + ky * 3 * tStride;
          const float g0 = g[0], g1 = g[tStride], g2 = g[2 * tStride];
          float *u = packed + (ob * inChannels + i * width) * 3 + ky * width + k;
          u[0] = g0 / 4;
          u[component] = -(g0 + g1 + g2) / 6;
          u[2 * component] = -(g0 - g1 + g2) / 6;
          u[3 * component] = g0 / 24 + g1 / 12 + g2 / 6;
          u[4 * component] = g0 / 24 - g1 / 12 + g2 / 6;
          u[5 * component] = g2;
        }
  }
}

// Where padded row ρ of a chunk (`images` images of `height × width`) starts in a channel, for
// ρ < count; −1 for zero rows. Padded row ρ ≥ 1 is image
// (ρ − 1) / (height + 1), row (ρ − 1) mod (height + 1); row 0, the row below each image and the
// rows past the last image are zero padding.
static void subbit_wino43_rows(long images, long height, long width, long count, long *offsets) {
  for (long rho = 0; rho < count; rho++) {
    const long n = (rho - 1) / (height + 1), y = (rho - 1) % (height + 1);
    offsets[rho] = (rho == 0 || y == height || n >= images) ? -1 : (n * height + y) * width;
  }
}

// col[s], s = x + 1 (s = 0 is the left padding x = −1), holds pixel x of the eight padded rows
// whose offsets (from `subbit_wino43_rows`) are given, zero for zero rows and for the columns
// x ≥ width: the masked loads read only pixels that exist.
SUBBIT_AVX2 SUBBIT_INLINE
static void subbit_wino43_columns(const float *channel, const long *offsets, long blocks, const __m256i *masks,
                                  __m256 *col) {
  for (long b = 0; b < blocks; b++) {
    __m256 r[8];
    for (int k = 0; k < 8; k++)
      r[k] = offsets[k] >= 0 ? _mm256_maskload_ps(channel + offsets[k] - 1 + 8 * b, masks[b]) : _mm256_setzero_ps();
    subbit_transpose8(r);
    for (int k = 0; k < 8; k++) col[8 * b + k] = r[k];
  }
}

// Prefetches the eight rows that come two blocks after the block at padded row ρ0 of channel c,
// where the transform walks rows first .. first + rows − 1 of each channel in turn (those rows
// that exist). The transforms read a chunk row block by row block and channel by channel — short
// runs the hardware prefetcher follows too late: prefetching two blocks ahead, the input
// transform of a stage-1 ResNet-20 chunk read from memory ran 3× faster (harness: 155 → 51 µs;
// 43 µs from cache).
static inline void subbit_wino43_prefetch(const float *source, long channelStride, long c, long channels,
                                          const long *offsets, long first, long rows, long rho0, long width) {
  long rho = rho0 + 16;
  if (rho >= first + rows) {
    rho -= rows;
    if (++c == channels) return;
  }
  const float *channel = source + c * channelStride;
  for (long k = rho; k < rho + 8 && k < first + rows; k++)
    if (offsets[k] >= 0)
      for (long x = 0; x < width; x += 16) __builtin_prefetch(channel + offsets[k] + x);
}

// masks[b] lane k: whether x = 8b − 1 + k is a pixel of a row of `width`.
SUBBIT_AVX2 SUBBIT_INLINE
static void subbit_wino43_masks(long width, long blocks, __m256i *masks) {
  const __m256i lanes = _mm256_setr_epi32(-1, 0, 1, 2, 3, 4, 5, 6);
  for (long b = 0; b < blocks; b++) {
    const __m256i x = _mm256_add_epi32(lanes, _mm256_set1_epi32((int)(8 * b)));
    masks[b] = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), x),
                                   _mm256_cmpgt_epi32(_mm256_set1_epi32((int)width), x));
  }
}

// The transforms of a map's chunk from one gather of its columns: when `v` is not NULL, the input
// transform Bᵀd (what the convolution multiplies); when `z` is not NULL, A·d of the tile's own four
// pixels (what `∂W` needs of ∂y). Both at (j·channels + c)·stride + t·rows + ρ for padded row ρ.
SUBBIT_AVX2 SUBBIT_INLINE
static void subbit_wino43_transforms(const float *source, long channelStride, long channels, long images,
                                     long height, long width, long tiles, long rows, float *z, float *v,
                                     long stride) {
  const long blocks = (4 * tiles + 2 + 7) / 8, component = stride * channels;
  __m256 col[blocks * 8];
  __m256i masks[blocks];
  subbit_wino43_masks(width, blocks, masks);
  long offsets[rows];
  subbit_wino43_rows(images, height, width, rows, offsets);
  const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), five = _mm256_set1_ps(5);
  for (long c = 0; c < channels; c++) {
    for (long r0 = 0; r0 < rows; r0 += 8) {
      subbit_wino43_prefetch(source, channelStride, c, channels, offsets, 0, rows, r0, width);
      subbit_wino43_columns(source + c * channelStride, offsets + r0, blocks, masks, col);
      for (long t = 0; t < tiles; t++) {
        const long at = c * stride + t * rows + r0;
        if (z) {
          // A·∂y of the tile's four pixels, A = (Aᵀ)ᵀ: rows (1, 0, 0, 0), (1, 1, 1, 1), (1, −1, 1, −1),
          // (1, 2, 4, 8), (1, −2, 4, −8), (0, 0, 0, 1).
          const __m256 *g = col + 4 * t + 1;
          const __m256 s02 = _mm256_add_ps(g[0], g[2]), s13 = _mm256_add_ps(g[1], g[3]);
          const __m256 e02 = _mm256_fmadd_ps(four, g[2], g[0]), e13 = _mm256_fmadd_ps(four, g[3], g[1]);
          float *o = z + at;
          _mm256_storeu_ps(o, g[0]);
          _mm256_storeu_ps(o + component, _mm256_add_ps(s02, s13));
          _mm256_storeu_ps(o + 2 * component, _mm256_sub_ps(s02, s13));
          _mm256_storeu_ps(o + 3 * component, _mm256_fmadd_ps(two, e13, e02));
          _mm256_storeu_ps(o + 4 * component, _mm256_fnmadd_ps(two, e13, e02));
          _mm256_storeu_ps(o + 5 * component, g[3]);
        }
        if (v) {
          // Bᵀd, row by row: (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0), (0, 4, −4, −1, 1, 0),
          // (0, −2, −1, 2, 1, 0), (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1).
          const __m256 *d = col + 4 * t;
          const __m256 d24 = _mm256_sub_ps(d[4], d[2]), e = _mm256_mul_ps(two, _mm256_sub_ps(d[3], d[1]));
          float *o = v + at;
          _mm256_storeu_ps(o, _mm256_fnmadd_ps(five, d[2], _mm256_fmadd_ps(four, d[0], d[4])));
          _mm256_storeu_ps(o + component,
                           _mm256_fnmadd_ps(four, _mm256_add_ps(d[1], d[2]), _mm256_add_ps(d[3], d[4])));
          _mm256_storeu_ps(o + 2 * component,
                           _mm256_fmadd_ps(four, _mm256_sub_ps(d[1], d[2]), _mm256_sub_ps(d[4], d[3])));
          _mm256_storeu_ps(o + 3 * component, _mm256_add_ps(d24, e));
          _mm256_storeu_ps(o + 4 * component, _mm256_sub_ps(d24, e));
          _mm256_storeu_ps(o + 5 * component, _mm256_fnmadd_ps(five, d[3], _mm256_fmadd_ps(four, d[1], d[5])));
        }
      }
    }
  }
}

SUBBIT_AVX2
void subbit_wino43_input(const float *source, long channelStride, long channels, long images, long height,
                         long width, long tiles, long rows, float *v, long vStride) {
  subbit_wino43_transforms(source, channelStride, channels, images, height, width, tiles, rows, 0, v, vStride);
}

SUBBIT_AVX2
void subbit_wino43_gradient(const float *source, long channelStride, long channels, long images, long height,
                            long width, long tiles, long rows, long positions, float *z, float *v, long stride) {
  subbit_wino43_transforms(source, channelStride, channels, images, height, width, tiles, rows, z, v, stride);
  // Past the last tile column nothing may contribute to the weight gradient (the weight
  // gradient kernel reads z from position 1 to `positions`).
  const long component = stride * channels;
  for (int j = 0; j < 6; j++)
    for (long c = 0; c < channels; c++)
      for (long q = tiles * rows; q <= positions; q++) z[j * component + c * stride + q] = 0;
}

void subbit_wino43_weight_gradient(const float *products, long outChannels, long inChannels,
                                   float *gradWeight) {
  // ∂g = Gᵀ·P for each kernel row: columns of G are (1/4, −1/6, −1/6, 1/24, 1/24, 0),
  // (0, −1/6, 1/6, 1/12, −1/12, 0), (0, −1/6, −1/6, 1/6, 1/6, 1).
  const long component = outChannels * inChannels * 3;
  for (long k = 0; k < component; k++) {
    const float *p = products + k;
    const float p0 = p[0], p1 = p[component], p2 = p[2 * component], p3 = p[3 * component];
    const float p4 = p[4 * component], p5 = p[5 * component];
    float *g = gradWeight + k * 3;  // k = (o·inChannels + i)·3 + ky
    g[0] += p0 / 4 - (p1 + p2) / 6 + (p3 + p4) / 24;
    g[1] += (p2 - p1) / 6 + (p3 - p4) / 12;
    g[2] += (p3 + p4) / 6 - (p1 + p2) / 6 + p5;
  }
}

SUBBIT_AVX2
void subbit_wino43_output(const float *m, long channels, long images, long height,
                          long width, long tiles, long rows, const float *bias, const float *addend,
                          const float *positive, float *target, long channelStride) {
  const long plane = height * width, mStride = channels, qStride = 6 * channels;
  const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), eight = _mm256_set1_ps(8);
  // Eight channels at a time through the whole chunk: eight sequential write streams, where
  // row-by-row over all channels made 16–64 (harness, stage-1 chunk written to memory: 110–135 →
  // 63–72 µs; 40 µs to cache). The six components of a position are adjacent, so a row of
  // output reads one stream per tile column rather than six: the stage-1 transform of a batch
  // went from 1.4 to 0.84 ms (harness; the other stages unchanged).
  for (long c0 = 0; c0 < channels; c0 += 8) {
    const __m256 bv = bias ? _mm256_loadu_ps(bias + c0) : _mm256_setzero_ps();
    for (long n = 0; n < images; n++) {
      for (long y = 0; y < height; y++) {
        const long r = n * (height + 1) + y;
        float *dst = target + n * plane + y * width;
        for (long t = 0; t < tiles; t += 2) {
          __m256 out[8];
          for (long h = 0; h < 2; h++) {
            if (t + h == tiles) {
              out[4 * h] = out[4 * h + 1] = out[4 * h + 2] = out[4 * h + 3] = _mm256_setzero_ps();
              continue;
            }
            const float *q = m + ((t + h) * rows + r) * qStride + c0;
            const __m256 m0 = _mm256_loadu_ps(q), m1 = _mm256_loadu_ps(q + mStride);
            const __m256 m2 = _mm256_loadu_ps(q + 2 * mStride), m3 = _mm256_loadu_ps(q + 3 * mStride);
            const __m256 m4 = _mm256_loadu_ps(q + 4 * mStride), m5 = _mm256_loadu_ps(q + 5 * mStride);
            // Aᵀ rows: (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0), (0, 1, 1, 4, 4, 0), (0, 1, −1, 8, −8, 1).
            const __m256 s12 = _mm256_add_ps(m1, m2), d12 = _mm256_sub_ps(m1, m2);
            const __m256 s34 = _mm256_add_ps(m3, m4), d34 = _mm256_sub_ps(m3, m4);
            out[4 * h] = _mm256_add_ps(_mm256_add_ps(m0, s12), _mm256_add_ps(s34, bv));
            out[4 * h + 1] = _mm256_add_ps(_mm256_fmadd_ps(two, d34, d12), bv);
            out[4 * h + 2] = _mm256_add_ps(_mm256_fmadd_ps(four, s34, s12), bv);
            out[4 * h + 3] = _mm256_add_ps(_mm256_add_ps(_mm256_fmadd_ps(eight, d34, d12), m5), bv);
          }
          subbit_transpose8(out);
          const long x0 = 4 * t, count = width - x0 < 8 ? width - x0 : 8;
          const long at = n * plane + y * width + x0;
          if (addend || positive) {
            // The residual's shortcut gradient, added where the result is stored, then the ReLU
            // mask of the map `positive` — bit for bit what separate passes afterwards would give.
            const __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count),
                                                    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            for (int k = 0; k < 8; k++) {
              const long o = (c0 + k) * channelStride + at;
              if (addend) out[k] = _mm256_add_ps(out[k], _mm256_maskload_ps(addend + o, keep));
              if (positive) {
                const __m256 p = _mm256_maskload_ps(positive + o, keep);
                out[k] = _mm256_blendv_ps(out[k], _mm256_setzero_ps(), _mm256_cmp_ps(p, _mm256_setzero_ps(), _CMP_LE_OQ));
              }
            }
          }
          if (count == 8) {
            for (int k = 0; k < 8; k++) _mm256_storeu_ps(dst + (c0 + k) * channelStride + x0, out[k]);
          } else {
            for (int k = 0; k < 8; k++) subbit_store_first(dst + (c0 + k) * channelStride + x0, out[k], count);
          }
        }
      }
    }
  }
}
