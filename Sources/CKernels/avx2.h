// Shared by the AVX2 kernels of this target (not part of its public header).
#ifndef SUBBIT_AVX2_H
#define SUBBIT_AVX2_H
#include <immintrin.h>

// Kernels are compiled for AVX2 + FMA whatever the target's baseline; callers check
// `subbit_conv3x3_available()` first.
#define SUBBIT_AVX2 __attribute__((target("avx2,fma")))
#define SUBBIT_INLINE __attribute__((always_inline)) inline

// Transposes the 8×8 block held in r[0..7] (r[k] lane j ↔ r[j] lane k).
SUBBIT_AVX2
static inline void subbit_transpose8(__m256 *r) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20); r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20); r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31); r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31); r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Stores the first `count` (< 8) lanes of v: the ends of rows whose width is not a multiple of 8
// (28, 14 and 7 end in 4, 6 and 7 pixels of a row-Winograd tile pair). A scalar loop compiled to
// a memcpy call per channel and row (2.5 % of a ResNet-20 step), and `vmaskmovps` stores
// measured slower still (harness, stage-1 output transform over the batch: 1.6 ms masked,
// 0.9–1.0 ms with these stores).
SUBBIT_AVX2 SUBBIT_INLINE
static void subbit_store_first(float *d, __m256 v, long count) {
  __m128 part = _mm256_castps256_ps128(v);
  if (count >= 4) {
    _mm_storeu_ps(d, part);
    d += 4, count -= 4;
    part = _mm256_extractf128_ps(v, 1);
  }
  if (count >= 2) {
    _mm_storel_pi((__m64 *)d, part);
    d += 2, count -= 2;
    part = _mm_movehl_ps(part, part);
  }
  if (count) _mm_store_ss(d, part);
}

#endif
