// Direct 3×3 convolution over the flat padded layout (see include/CKernels.h).
//
// Forward: vectors run along output channels, so the result is position-major ([q][out]). A
// register block of 16 output channels × 6 positions (12 accumulators): for every input channel
// and tap, 2 weight vectors and 6 broadcast inputs feed 12 FMAs — 8 loads, none of them
// crossing a cache line (the weights are packed, the inputs are scalars). The first version
// ran along positions instead (4 channels × 24 positions: unaligned input vectors, split across
// cache lines ~40 % of the time) and was measured 14–40 % slower on ResNet-20's three stages.
//
// Weight gradient: a block of 4 output channels × the 3 horizontal taps of one (input channel,
// ky) row, reduced over positions 8 at a time, then summed across lanes.
//
// Both kernels also run with the three taps of one row only (`cols` or `taps` 1, constants once
// inlined): the 3×1 convolutions of the row-Winograd components (winograd43.c).
#include "CKernels.h"
#include "avx2.h"

int subbit_conv3x3_available(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

void subbit_conv3x3_pack(const float *weight, long oStride, long iStride, long tStride,
                         long outChannels, long inChannels, float *packed) {
  for (long ob = 0; ob < outChannels; ob += 16) {
    const long width = outChannels - ob >= 16 ? 16 : 8;
    for (long i = 0; i < inChannels; i++)
      for (long t = 0; t < 9; t++)
        for (long j = 0; j < width; j++)
          *packed++ = weight[(ob + j) * oStride + i * iStride + t * tStride];
  }
}

// Keeps the accumulators in registers across taps: without it clang interleaves the taps'
// loads and runs out of the 16 vector registers.
#define SUBBIT_PIN(a, b, c, d, e, f, g, h, i, j, k, l)                                         \
  __asm__ volatile("" : "+x"(a), "+x"(b), "+x"(c), "+x"(d), "+x"(e), "+x"(f), "+x"(g), "+x"(h), \
                   "+x"(i), "+x"(j), "+x"(k), "+x"(l))

#define SUBBIT_STEP16(k, a, b)                                                                  \
  x = _mm256_broadcast_ss(p + k);                                                              \
  a = _mm256_fmadd_ps(x, w0, a);                                                               \
  b = _mm256_fmadd_ps(x, w1, b);

// 16 output channels × 6 positions, over 3 rows × `cols` (3 or 1, a constant after inlining) taps.
SUBBIT_AVX2 SUBBIT_INLINE
static void subbit_forward16(const float *x0, long inStride, long inChannels, const float *w,
                             float *out, long outStride, long rowStride, int cols, long positions) {
  for (long q = 0; q < positions; q += 6) {
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
    __m256 a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
    const float *xi = x0 + q, *wt = w;
    for (long i = 0; i < inChannels; i++, xi += inStride) {
      for (int ky = 0; ky < 3; ky++) {
        const float *row = xi + ky * rowStride;
        for (int kx = 0; kx < cols; kx++, wt += 16) {
          const float *p = row + kx;
          const __m256 w0 = _mm256_loadu_ps(wt), w1 = _mm256_loadu_ps(wt + 8);
          __m256 x;
          SUBBIT_STEP16(0, a00, a01) SUBBIT_STEP16(1, a10, a11) SUBBIT_STEP16(2, a20, a21)
          SUBBIT_STEP16(3, a30, a31) SUBBIT_STEP16(4, a40, a41) SUBBIT_STEP16(5, a50, a51)
          SUBBIT_PIN(a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51);
        }
      }
    }
    float *o = out + q * outStride;
    _mm256_storeu_ps(o, a00); _mm256_storeu_ps(o + 8, a01); o += outStride;
    _mm256_storeu_ps(o, a10); _mm256_storeu_ps(o + 8, a11); o += outStride;
    _mm256_storeu_ps(o, a20); _mm256_storeu_ps(o + 8, a21); o += outStride;
    _mm256_storeu_ps(o, a30); _mm256_storeu_ps(o + 8, a31); o += outStride;
    _mm256_storeu_ps(o, a40); _mm256_storeu_ps(o + 8, a41); o += outStride;
    _mm256_storeu_ps(o, a50); _mm256_storeu_ps(o + 8, a51);
  }
}

#define SUBBIT_STEP8(k, a) a = _mm256_fmadd_ps(_mm256_broadcast_ss(p + k), w0, a);

// 8 output channels × 12 positions (the last block when the channels are 8 mod 16).
SUBBIT_AVX2 SUBBIT_INLINE
static void subbit_forward8(const float *x0, long inStride, long inChannels, const float *w,
                            float *out, long outStride, long rowStride, int cols, long positions) {
  for (long q = 0; q < positions; q += 12) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    __m256 a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    const float *xi = x0 + q, *wt = w;
    for (long i = 0; i < inChannels; i++, xi += inStride) {
      for (int ky = 0; ky < 3; ky++) {
        const float *row = xi + ky * rowStride;
        for (int kx = 0; kx < cols; kx++, wt += 8) {
          const float *p = row + kx;
          const __m256 w0 = _mm256_loadu_ps(wt);
          SUBBIT_STEP8(0, a0) SUBBIT_STEP8(1, a1) SUBBIT_STEP8(2, a2) SUBBIT_STEP8(3, a3)
          SUBBIT_STEP8(4, a4) SUBBIT_STEP8(5, a5) SUBBIT_STEP8(6, a6) SUBBIT_STEP8(7, a7)
          SUBBIT_STEP8(8, a8) SUBBIT_STEP8(9, a9) SUBBIT_STEP8(10, a10) SUBBIT_STEP8(11, a11)
          SUBBIT_PIN(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
        }
      }
    }
    float *o = out + q * outStride;
    _mm256_storeu_ps(o, a0); _mm256_storeu_ps(o + outStride, a1);
    _mm256_storeu_ps(o + 2 * outStride, a2); _mm256_storeu_ps(o + 3 * outStride, a3);
    _mm256_storeu_ps(o + 4 * outStride, a4); _mm256_storeu_ps(o + 5 * outStride, a5);
    _mm256_storeu_ps(o + 6 * outStride, a6); _mm256_storeu_ps(o + 7 * outStride, a7);
    _mm256_storeu_ps(o + 8 * outStride, a8); _mm256_storeu_ps(o + 9 * outStride, a9);
    _mm256_storeu_ps(o + 10 * outStride, a10); _mm256_storeu_ps(o + 11 * outStride, a11);
  }
}

SUBBIT_AVX2
void subbit_conv3x3_forward(const float *x, long inStride, long inChannels, const float *packed,
                            float *out, long outChannels, long rowStride, long positions) {
  long ob = 0;
  for (; ob + 16 <= outChannels; ob += 16)
    subbit_forward16(x, inStride, inChannels, packed + ob * inChannels * 9, out + ob, outChannels,
                     rowStride, 3, positions);
  if (ob < outChannels)
    subbit_forward8(x, inStride, inChannels, packed + ob * inChannels * 9, out + ob, outChannels,
                    rowStride, 3, positions);
}

SUBBIT_AVX2
void subbit_conv3x1_forward(const float *x, long inStride, long inChannels, const float *packed,
                            float *out, long outChannels, long outStride, long positions) {
  long ob = 0;
  for (; ob + 16 <= outChannels; ob += 16)
    subbit_forward16(x, inStride, inChannels, packed + ob * inChannels * 3, out + ob, outStride,
                     1, 1, positions);
  if (ob < outChannels)
    subbit_forward8(x, inStride, inChannels, packed + ob * inChannels * 3, out + ob, outStride,
                    1, 1, positions);
}

SUBBIT_AVX2
static inline float subbit_lane_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Over `taps` rows (3, or 1 for the row-Winograd products) of 3 horizontal taps each.
SUBBIT_AVX2 SUBBIT_INLINE
static void subbit_weight_gradient(const float *dy, long dyStride, long outChannels, const float *x,
                                   long inStride, long inChannels, float *gradWeight, long rowStride,
                                   int taps, long positions) {
  const long channelStride = inChannels * 3 * taps;
  for (long ob = 0; ob < outChannels; ob += 4) {
    const float *d0 = dy + ob * dyStride, *d1 = d0 + dyStride, *d2 = d1 + dyStride, *d3 = d2 + dyStride;
    for (long i = 0; i < inChannels; i++) {
      for (int ky = 0; ky < taps; ky++) {
        const float *row = x + i * inStride + ky * rowStride;
        __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        __m256 a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
        for (long q = 0; q < positions; q += 8) {
          __m256 x0 = _mm256_loadu_ps(row + q), x1 = _mm256_loadu_ps(row + q + 1);
          __m256 x2 = _mm256_loadu_ps(row + q + 2);
          __m256 d = _mm256_loadu_ps(d0 + q);
          a00 = _mm256_fmadd_ps(d, x0, a00); a01 = _mm256_fmadd_ps(d, x1, a01); a02 = _mm256_fmadd_ps(d, x2, a02);
          d = _mm256_loadu_ps(d1 + q);
          a10 = _mm256_fmadd_ps(d, x0, a10); a11 = _mm256_fmadd_ps(d, x1, a11); a12 = _mm256_fmadd_ps(d, x2, a12);
          d = _mm256_loadu_ps(d2 + q);
          a20 = _mm256_fmadd_ps(d, x0, a20); a21 = _mm256_fmadd_ps(d, x1, a21); a22 = _mm256_fmadd_ps(d, x2, a22);
          d = _mm256_loadu_ps(d3 + q);
          a30 = _mm256_fmadd_ps(d, x0, a30); a31 = _mm256_fmadd_ps(d, x1, a31); a32 = _mm256_fmadd_ps(d, x2, a32);
        }
        float *g = gradWeight + (ob * inChannels + i) * 3 * taps + ky * 3;
        g[0] += subbit_lane_sum(a00); g[1] += subbit_lane_sum(a01); g[2] += subbit_lane_sum(a02);
        g += channelStride;
        g[0] += subbit_lane_sum(a10); g[1] += subbit_lane_sum(a11); g[2] += subbit_lane_sum(a12);
        g += channelStride;
        g[0] += subbit_lane_sum(a20); g[1] += subbit_lane_sum(a21); g[2] += subbit_lane_sum(a22);
        g += channelStride;
        g[0] += subbit_lane_sum(a30); g[1] += subbit_lane_sum(a31); g[2] += subbit_lane_sum(a32);
      }
    }
  }
}

SUBBIT_AVX2
void subbit_conv3x3_weight_gradient(const float *dy, long dyStride, long outChannels,
                                    const float *x, long inStride, long inChannels,
                                    float *gradWeight, long rowStride, long positions) {
  subbit_weight_gradient(dy, dyStride, outChannels, x, inStride, inChannels, gradWeight, rowStride, 3,
                         positions);
}

SUBBIT_AVX2
void subbit_conv3x1_weight_gradient(const float *dy, long dyStride, long outChannels,
                                    const float *x, long inStride, long inChannels,
                                    float *gradWeight, long positions) {
  subbit_weight_gradient(dy, dyStride, outChannels, x, inStride, inChannels, gradWeight, 0, 1, positions);
}


SUBBIT_AVX2
void subbit_conv3x3_unpack(const float *flat, long channels, long images, long height, long width,
                           const float *bias, float *target, long channelStride) {
  const long rowStride = width + 1, imageStride = (height + 1) * rowStride, plane = height * width;
  for (long n = 0; n < images; n++) {
    for (long y = 0; y < height; y++) {
      const float *src = flat + (n * imageStride + y * rowStride) * channels;
      float *dst = target + n * plane + y * width;
      for (long c0 = 0; c0 < channels; c0 += 8) {
        __m256 b = bias ? _mm256_loadu_ps(bias + c0) : _mm256_setzero_ps();
        long x0 = 0;
        for (; x0 + 8 <= width; x0 += 8) {
          __m256 r[8];
          for (int k = 0; k < 8; k++) r[k] = _mm256_add_ps(_mm256_loadu_ps(src + (x0 + k) * channels + c0), b);
          subbit_transpose8(r);
          for (int j = 0; j < 8; j++) _mm256_storeu_ps(dst + (c0 + j) * channelStride + x0, r[j]);
        }
        for (; x0 < width; x0++) {
          float v[8];
          _mm256_storeu_ps(v, _mm256_add_ps(_mm256_loadu_ps(src + x0 * channels + c0), b));
          for (int j = 0; j < 8; j++) dst[(c0 + j) * channelStride + x0] = v[j];
        }
      }
    }
  }
}

