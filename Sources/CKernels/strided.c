// im2col for 3×3, stride-2, padding-1 convolutions (ResNet-20's down-sampling convolutions), on
// the channel-major `[C, N, H, W]` maps of the Training module. The generic Swift loop copies one
// float at a time along a stride-2 row; here eight outputs come from two (masked) loads and one
// even-lane shuffle.
#include "CKernels.h"
#include "avx2.h"

SUBBIT_AVX2
void subbit_im2col3x3s2(const float *x, long channelStride, long channels, long images, long height, long width,
                        float *col) {
  const long outHeight = (height - 1) / 2 + 1, outWidth = (width - 1) / 2 + 1;
  const long outPlane = outHeight * outWidth, rowLength = images * outPlane, plane = height * width;
  const long blocks = (outWidth + 7) / 8;
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), limit = _mm256_set1_epi32((int)width);
  for (long c = 0; c < channels; c++) {
    for (long kh = 0; kh < 3; kh++) {
      for (long kw = 0; kw < 3; kw++) {
        float *row = col + ((c * 3 + kh) * 3 + kw) * rowLength;
        // Block b reads input columns iw = 16b + kw − 1 + i, i < 16, of which the even i are the
        // outputs ow = 8b + i/2; lanes outside [0, width) load as the zero padding.
        __m256i masks[2 * blocks];
        for (long b = 0; b < 2 * blocks; b++) {
          const __m256i iw = _mm256_add_epi32(lanes, _mm256_set1_epi32((int)(8 * b + kw - 1)));
          masks[b] = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), iw),
                                         _mm256_cmpgt_epi32(limit, iw));
        }
        for (long n = 0; n < images; n++) {
          for (long oh = 0; oh < outHeight; oh++) {
            float *d = row + n * outPlane + oh * outWidth;
            const long ih = 2 * oh + kh - 1;
            if (ih < 0 || ih >= height) {
              for (long ow = 0; ow < outWidth; ow++) d[ow] = 0;
              continue;
            }
            const float *s = x + c * channelStride + n * plane + ih * width + kw - 1;
            for (long b = 0; b < blocks; b++) {
              const __m256 lo = _mm256_maskload_ps(s + 16 * b, masks[2 * b]);
              const __m256 hi = _mm256_maskload_ps(s + 16 * b + 8, masks[2 * b + 1]);
              // Even lanes of lo and hi, in order: shuffle within 128-bit halves, then swap the middle quarters.
              const __m256 even = _mm256_castpd_ps(
                  _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
              const long count = outWidth - 8 * b;
              if (count >= 8) {
                _mm256_storeu_ps(d + 8 * b, even);
              } else {
                subbit_store_first(d + 8 * b, even, count);
              }
            }
          }
        }
      }
    }
  }
}

// The adjoint, writing each pixel of ∂x once instead of zeroing the map and scattering into it.
// A pixel (ih, iw) collects the col entries of the taps that read it: kh = 1 at even ih, kh = 0
// then kh = 2 at odd ih; kw likewise. They are added in the order the generic scatter adds them
// (kh, then kw, starting from zero), so the result is bit for bit the same.
SUBBIT_AVX2
void subbit_col2im3x3s2(const float *col, long channels, long images, long height, long width, float *dx,
                        long channelStride) {
  const long outHeight = (height - 1) / 2 + 1, outWidth = (width - 1) / 2 + 1;
  const long outPlane = outHeight * outWidth, rowLength = images * outPlane, plane = height * width;
  const long blocks = (outWidth + 7) / 8, odd = width / 2;
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (long c = 0; c < channels; c++) {
    for (long n = 0; n < images; n++) {
      for (long ih = 0; ih < height; ih++) {
        float *d = dx + c * channelStride + n * plane + ih * width;
        for (long b = 0; b < blocks; b++) {
          // Even pixels iw = 2u come from kw = 1 at ow = u; odd pixels iw = 2u + 1 from kw = 0 at
          // ow = u + 1, then kw = 2 at ow = u (u = 8b + lane).
          const __m256i u = _mm256_add_epi32(lanes, _mm256_set1_epi32((int)(8 * b)));
          const __m256i evenMask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)outWidth), u);
          const __m256i oddMask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)odd), u);
          const __m256i shiftedMask =
              _mm256_and_si256(oddMask, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)outWidth - 1), u));
          __m256 even = _mm256_setzero_ps(), oddSum = _mm256_setzero_ps();
          for (long kh = 0; kh < 3; kh++) {
            if ((ih + 1 - kh) % 2 != 0) continue;
            const long oh = (ih + 1 - kh) / 2;
            if (oh < 0 || oh >= outHeight) continue;
            const float *s = col + (c * 9 + kh * 3) * rowLength + n * outPlane + oh * outWidth + 8 * b;
            oddSum = _mm256_add_ps(oddSum, _mm256_maskload_ps(s + 1, shiftedMask));
            even = _mm256_add_ps(even, _mm256_maskload_ps(s + rowLength, evenMask));
            oddSum = _mm256_add_ps(oddSum, _mm256_maskload_ps(s + 2 * rowLength, oddMask));
          }
          const __m256 lo = _mm256_unpacklo_ps(even, oddSum), hi = _mm256_unpackhi_ps(even, oddSum);
          const __m256 first = _mm256_permute2f128_ps(lo, hi, 0x20), second = _mm256_permute2f128_ps(lo, hi, 0x31);
          const long count = width - 16 * b;
          if (count >= 16) {
            _mm256_storeu_ps(d + 16 * b, first);
            _mm256_storeu_ps(d + 16 * b + 8, second);
          } else if (count >= 8) {
            _mm256_storeu_ps(d + 16 * b, first);
            if (count > 8) subbit_store_first(d + 16 * b + 8, second, count - 8);
          } else {
            subbit_store_first(d + 16 * b, first, count);
          }
        }
      }
    }
  }
}
