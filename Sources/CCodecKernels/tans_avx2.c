// AVX2 tANS kernels over split-layout lanes in quads (see include/CCodecKernels.h).
//
// Decode: each quad keeps four states, bit containers, bit counts and stream pointers in the
// 64-bit elements of four registers. A step gathers the four table entries by state (as 8-byte
// words, so nothing widens them on the state's dependency chain), extracts the next-state bits
// with variable shifts and writes four symbols as one 32-bit store; a refill every four steps
// gathers the four lanes' next 8 stream bytes and byte-swaps them. The quads are independent
// dependency chains, stepped in turn (unrolled in registers for P = 8 and 16) so that their
// gathers overlap. Escapes: the caller decodes the escape lane first; the 8 symbols of each
// pair of quads (one 8-byte word of the output; an odd last quad's 4 alone) are patched from
// it in order (exact zero-byte mask, pdep) — on every word when escapes are dense, behind a
// rarely taken branch otherwise. (Pairs instead of single quads: p0 = 0.98 + spike-and-slab
// P = 16 decode 1160 → 1285 M symbols/s, issue #23 note, session 3.) A step visits its lanes in increasing index
// order and the steps follow one another, so the values are consumed in symbol order.
//
// Encode: per quad, the symbols' transforms are gathered, the four codes computed with variable
// shifts, the next states gathered from a 32-bit copy of the state table; each lane's codes of
// four steps are merged in the registers and prepended to the lane's backward writer with one
// flush. Escapes are collected by branchless backward compaction: of the steps that hold one
// when they are sparse, of every step when they are dense — then with one byte shuffle per 8
// lanes when the non-rare symbols form a range, else byte by byte.
//
// Measured on the reference machine (AMD EPYC, Zen 4 class, 2.6 GHz, one core; `subbit bench
// codec`, 4 Mi symbols per stream, R = 12, P = 16): decode 1.0–1.5 G symbols/s, encode
// 0.41–0.71 G; see the issue #23 note for the commands.
#include "CCodecKernels.h"
#include <immintrin.h>
#include <string.h>

// The full-unroll pragmas below apply to the variants with a constant quad count (P = 8, 16);
// the generic variant keeps its loops.
#pragma clang diagnostic ignored "-Wpass-failed"

// Every AVX2 kernel may use BMI2 and POPCNT too (`subbit_tans_avx2_available` checks all three).
#define SUBBIT_AVX2 __attribute__((target("avx2,bmi2,popcnt")))
#define SUBBIT_INLINE __attribute__((always_inline)) static inline

int subbit_tans_avx2_available(void) {
  __builtin_cpu_init();
  // The escape patch uses pdep and popcnt (every AVX2 CPU has them; checked all the same).
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
}

static inline uint64_t load_be64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// ---------------------------------------------------------------------------------------------
// Decode.

typedef struct {
  __m256i x, buf, count, ptr;
} quad_decoder;

SUBBIT_AVX2 SUBBIT_INLINE void quad_refill(quad_decoder *q, const uint8_t *stream) {
  const __m256i bswap = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,
                                         7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
  const __m256i c63 = _mm256_set1_epi64x(63), c56 = _mm256_set1_epi64x(56);
  __m256i w = _mm256_i64gather_epi64((const long long *)stream, q->ptr, 1);
  w = _mm256_shuffle_epi8(w, bswap);
  q->buf = _mm256_or_si256(q->buf, _mm256_srlv_epi64(w, q->count));
  q->ptr = _mm256_add_epi64(q->ptr, _mm256_srli_epi64(_mm256_sub_epi64(c63, q->count), 3));
  q->count = _mm256_or_si256(q->count, c56);
}

// One decode step of a quad; returns its four symbols (lane 0 in the lowest byte). The entries
// are gathered as 8-byte words (entry x in the low half, entry x + 1 above it, unused), so no
// widening sits on the state's dependency chain: gather → shift count → peek → next state.
SUBBIT_AVX2 SUBBIT_INLINE uint32_t quad_step(quad_decoder *q, const uint32_t *entries) {
  const __m256i c63 = _mm256_set1_epi64x(63), c16 = _mm256_set1_epi64x(0xFFFF);
  const __m256i low = _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0);
  const __m128i symbols = _mm_setr_epi8(1, 5, 9, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i e = _mm256_i64gather_epi64((const long long *)entries, q->x, 4);
  const __m256i shift = _mm256_and_si256(e, c63);  // 63 − nbBits
  const __m256i nb = _mm256_sub_epi64(c63, shift);
  const __m256i peek = _mm256_srlv_epi64(_mm256_srli_epi64(q->buf, 1), shift);
  q->x = _mm256_add_epi64(_mm256_and_si256(_mm256_srli_epi64(e, 16), c16), peek);
  q->buf = _mm256_sllv_epi64(q->buf, nb);
  q->count = _mm256_sub_epi64(q->count, nb);
  const __m128i e32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(e, low));
  return (uint32_t)_mm_cvtsi128_si32(_mm_shuffle_epi8(e32, symbols));
}

// Replaces the escape symbols of the four symbols in `word` by the next escape values, in
// order, without branches: the escape bytes' mask by an exact zero-byte test, the values
// spread into them by pdep.
__attribute__((target("avx2,bmi2,popcnt"))) SUBBIT_INLINE uint32_t patch_word(uint32_t word, uint32_t pattern,
                                                                                const uint8_t *values, long *cursor) {
  const uint32_t v = word ^ pattern;
  const uint32_t zero = ~(((v & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | v) & 0x80808080u;  // 0x80 in each escape byte
  const uint32_t mask = (zero >> 7) * 0xFFu;
  uint32_t next;
  memcpy(&next, values + *cursor, 4);
  *cursor += __builtin_popcount(zero);
  return (word & ~mask) | _pdep_u32(next, mask);
}

// patch_word for the eight symbols of two quads' words (the lower quad in the low half): the
// same bytes, half the operations per symbol.
__attribute__((target("avx2,bmi2,popcnt"))) SUBBIT_INLINE uint64_t patch_word64(uint64_t word, uint64_t pattern,
                                                                                  const uint8_t *values, long *cursor) {
  const uint64_t v = word ^ pattern;
  const uint64_t zero = ~(((v & 0x7F7F7F7F7F7F7F7Full) + 0x7F7F7F7F7F7F7F7Full) | v) & 0x8080808080808080ull;
  const uint64_t mask = (zero >> 7) * 0xFFu;
  uint64_t next;
  memcpy(&next, values + *cursor, 8);
  *cursor += __builtin_popcountll(zero);
  return (word & ~mask) | _pdep_u64(next, mask);
}

SUBBIT_AVX2 SUBBIT_INLINE long max_ptr(const quad_decoder *q, long nq) {
  __m256i m = q[0].ptr;
  for (long i = 1; i < nq; i++) {
    const __m256i gt = _mm256_cmpgt_epi64(q[i].ptr, m);
    m = _mm256_blendv_epi8(m, q[i].ptr, gt);
  }
  long v[4];
  _mm256_storeu_si256((__m256i *)v, m);
  long r = v[0];
  for (int i = 1; i < 4; i++) r = v[i] > r ? v[i] : r;
  return r;
}

// The decode loop for `nq` quads (a constant after inlining for nq = 2 and 4, so the quads stay
// in registers). `mode`: 0 no escapes, 1 rare escapes (branch on a hit), 2 dense (branchless).
__attribute__((target("avx2,bmi2,popcnt"))) SUBBIT_INLINE long decode_quads(
    const long nq, const int mode, const uint32_t *entries, const uint8_t *stream, long limit, long lanes, long *bits,
    long *states, uint8_t *output, long maxSteps, subbit_tans_escapes *escapes) {
  quad_decoder q[16];
  for (long i = 0; i < nq; i++) {
    const __m256i b = _mm256_loadu_si256((const __m256i *)(bits + 4 * i));
    q[i].x = _mm256_loadu_si256((const __m256i *)(states + 4 * i));
    q[i].ptr = _mm256_srli_epi64(b, 3);
    q[i].buf = _mm256_setzero_si256();
    q[i].count = _mm256_setzero_si256();
    quad_refill(&q[i], stream);
    const __m256i skip = _mm256_and_si256(b, _mm256_set1_epi64x(7));
    q[i].buf = _mm256_sllv_epi64(q[i].buf, skip);
    q[i].count = _mm256_sub_epi64(q[i].count, skip);
  }
  const uint32_t pattern = mode ? 0x01010101u * (uint32_t)escapes->symbol : 0;
  const uint64_t pattern64 = (uint64_t)pattern << 32 | pattern;
  const uint8_t *values = mode ? escapes->values : 0;
  const long valueCount = mode ? escapes->count : 0;
  long cursor = mode ? escapes->cursor : 0;
  const long groups = maxSteps / 4;
  long g = 0;
  int failed = 0;
  uint8_t *out = output;
  while (g < groups && !failed) {
    // Each refill advances a pointer by at most 7 bytes: `chunk` more refills stay ≤ limit.
    const long top = max_ptr(q, nq);
    if (top > limit) break;
    long chunk = (limit - top) / 7 + 1;
    if (chunk > groups - g) chunk = groups - g;
    for (long c = 0; c < chunk; c++) {
      // A group patches at most 4·lanes values: the values' slack covers one group past `count`.
      if (mode && cursor > valueCount) { failed = 1; chunk = c; break; }
#pragma clang loop unroll(full)
      for (long i = 0; i < nq; i++) quad_refill(&q[i], stream);
#pragma clang loop unroll(full)
      for (long k = 0; k < 4; k++) {
        // Quads in pairs: their two words are adjacent in the output, patched as one 8-byte
        // word (an odd last quad alone).
#pragma clang loop unroll(full)
        for (long i = 0; i + 1 < nq; i += 2) {
          const uint32_t w0 = quad_step(&q[i], entries), w1 = quad_step(&q[i + 1], entries);
          uint64_t word = (uint64_t)w1 << 32 | w0;
          if (mode == 2) {
            word = patch_word64(word, pattern64, values, &cursor);
          } else if (mode == 1) {
            const uint64_t v = word ^ pattern64;
            if (__builtin_expect(((v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull) != 0, 0))
              word = patch_word64(word, pattern64, values, &cursor);
          }
          memcpy(out + k * lanes + 4 * i, &word, 8);
        }
        if (nq & 1) {
          uint32_t word = quad_step(&q[nq - 1], entries);
          if (mode == 2) {
            word = patch_word(word, pattern, values, &cursor);
          } else if (mode == 1) {
            const uint32_t v = word ^ pattern;
            if (__builtin_expect(((v - 0x01010101u) & ~v & 0x80808080u) != 0, 0))
              word = patch_word(word, pattern, values, &cursor);
          }
          memcpy(out + k * lanes + 4 * (nq - 1), &word, 4);
        }
      }
      out += 4 * lanes;
    }
    g += chunk;
  }
  if (mode && cursor > valueCount) failed = 1;
  for (long i = 0; i < nq; i++) {
    const __m256i b = _mm256_sub_epi64(_mm256_slli_epi64(q[i].ptr, 3), q[i].count);
    _mm256_storeu_si256((__m256i *)(bits + 4 * i), b);
    _mm256_storeu_si256((__m256i *)(states + 4 * i), q[i].x);
  }
  if (mode) escapes->cursor = cursor;
  return failed ? -1 : 4 * g;
}

#define SUBBIT_DECODE(NQ, MODE) decode_quads(NQ, MODE, entries, stream, limit, lanes, bits, states, output, maxSteps, escapes)

__attribute__((target("avx2,bmi2,popcnt")))
long subbit_tans_decode_split_avx2(const uint32_t *entries, const uint8_t *stream, long limit, long lanes,
                                   long *bits, long *states, uint8_t *output, long maxSteps,
                                   subbit_tans_escapes *escapes) {
  if (lanes % 4 != 0 || lanes < 8 || lanes > 64 || maxSteps < 4) return 0;
  for (long l = 0; l < lanes; l++)
    if ((bits[l] >> 3) > limit) return 0;
  const long nq = lanes / 4;
  if (escapes && escapes->dense) {
    if (nq == 2) return SUBBIT_DECODE(2, 2);
    if (nq == 4) return SUBBIT_DECODE(4, 2);
    return SUBBIT_DECODE(nq, 2);
  }
  if (escapes) {
    if (nq == 2) return SUBBIT_DECODE(2, 1);
    if (nq == 4) return SUBBIT_DECODE(4, 1);
    return SUBBIT_DECODE(nq, 1);
  }
  if (nq == 2) return SUBBIT_DECODE(2, 0);
  if (nq == 4) return SUBBIT_DECODE(4, 0);
  return SUBBIT_DECODE(nq, 0);
}
#undef SUBBIT_DECODE

// ---------------------------------------------------------------------------------------------
// Encode.

// Branchless backward compaction of one step's rare symbols, highest index first.
static inline void collect_step(const uint8_t *p, long lanes, const uint8_t *rare, uint8_t *out, long *cursor) {
  long c = *cursor;
  for (long i = lanes - 1; i >= 0; i--) {
    out[c] = p[i];
    c -= rare[p[i]];
  }
  *cursor = c;
}

// pack_right[m]: the pshufb control that moves the bytes j of an 8-byte word whose bit j is set
// in `m` to the top of the word, in increasing order of j (zeros below them). Filled before main.
static uint64_t pack_right[256];

__attribute__((constructor)) static void fill_pack_right(void) {
  for (unsigned m = 0; m < 256; m++) {
    const int count = __builtin_popcount(m);
    uint64_t control = 0;
    int j = 8 - count;
    for (int b = 0; b < 8; b++) control |= (uint64_t)0x80 << (8 * b);
    for (int b = 0; b < 8; b++)
      if (m >> b & 1) {
        control &= ~((uint64_t)0xFF << (8 * j));
        control |= (uint64_t)b << (8 * j);
        j++;
      }
    pack_right[m] = control;
  }
}

// pack_left[m]: the pshufb control that moves the bytes j of an 8-byte word whose bit j is set
// in `m` to the bottom of the word, in increasing order of j (zeros above them).
static uint64_t pack_left[256];

__attribute__((constructor)) static void fill_pack_left(void) {
  for (unsigned m = 0; m < 256; m++) {
    uint64_t control = 0;
    for (int b = 0; b < 8; b++) control |= (uint64_t)0x80 << (8 * b);
    int j = 0;
    for (int b = 0; b < 8; b++)
      if (m >> b & 1) {
        control &= ~((uint64_t)0xFF << (8 * j));
        control |= (uint64_t)b << (8 * j);
        j++;
      }
    pack_left[m] = control;
  }
}

// The bytes of `v` (its low 8 bytes) outside the non-rare range (`(b − low) mod 256 ≥ above`) as
// a bit mask, restricted to `valid`.
SUBBIT_AVX2 SUBBIT_INLINE unsigned rare_mask(__m128i v, __m128i low, __m128i above, unsigned valid) {
  const __m128i t = _mm_sub_epi8(v, low);
  const __m128i hit = _mm_cmpeq_epi8(_mm_max_epu8(t, above), t);  // t ≥ span + 1
  return (unsigned)_mm_movemask_epi8(hit) & valid;
}

// The same backward compaction as `collect_step` (the same bytes end up in out[cursor'+1…cursor]),
// without a branch or a per-symbol store: for each 8 lanes (4 for the lowest when P ≡ 4 mod 8),
// highest first, the rare bytes are packed to the top of a word by one shuffle and the word is
// stored to end at out[cursor]. Its lower bytes are garbage at indices ≤ the new cursor, which
// later stores overwrite, so `out` needs 7 writable bytes before index 0.
SUBBIT_AVX2 SUBBIT_INLINE void compact_step(const uint8_t *p, long lanes, __m128i low,
                                                                         __m128i above, uint8_t *out, long *cursor) {
  long c = *cursor;
  long o = lanes;
  while (o > 0) {
    __m128i v;
    unsigned valid;
    if (o >= 8) {
      o -= 8;
      v = _mm_loadl_epi64((const __m128i *)(p + o));
      valid = 0xFF;
    } else {
      o -= 4;
      uint32_t w;
      memcpy(&w, p + o, 4);
      v = _mm_cvtsi32_si128((int)w);
      valid = 0xF;
    }
    const unsigned m = rare_mask(v, low, above, valid);
    const __m128i packed = _mm_shuffle_epi8(v, _mm_cvtsi64_si128((long long)pack_right[m]));
    _mm_storel_epi64((__m128i *)(out + c - 7), packed);
    c -= __builtin_popcount(m);
  }
  *cursor = c;
}

// Whether one of the `lanes` symbols at p lies outside the non-rare range (see the header).
SUBBIT_AVX2 SUBBIT_INLINE int step_has_rare(const uint8_t *p, long lanes, __m128i low, __m128i above) {
  for (long o = 0; o < lanes; o += 16) {
    __m128i v;
    unsigned valid;
    if (lanes - o >= 16) {
      v = _mm_loadu_si128((const __m128i *)(p + o));
      valid = 0xFFFF;
    } else if (lanes - o >= 8) {
      v = _mm_loadl_epi64((const __m128i *)(p + o));
      if (lanes - o >= 12) {
        uint32_t w;
        memcpy(&w, p + o + 8, 4);
        v = _mm_insert_epi32(v, (int)w, 2);
        valid = 0xFFF;
      } else {
        valid = 0xFF;
      }
    } else {
      uint32_t w;
      memcpy(&w, p + o, 4);
      v = _mm_cvtsi32_si128((int)w);
      valid = 0xF;
    }
    const __m128i t = _mm_sub_epi8(v, low);
    const __m128i hit = _mm_cmpeq_epi8(_mm_max_epu8(t, above), t);  // t ≥ span + 1
    if ((unsigned)_mm_movemask_epi8(hit) & valid) return 1;
  }
  return 0;
}

static inline void store_be64(uint64_t value, uint8_t *p) {
  value = __builtin_bswap64(value);
  memcpy(p, &value, 8);
}

// Prepends `count` bits `value` to a writer and flushes (count + 7 ≤ 63).
static inline void writer_put(subbit_tans_writer *w, uint8_t *buffer, uint64_t value, uint64_t count) {
  uint64_t acc = w->acc | (value << w->bits);
  const uint64_t bits = w->bits + count;
  store_be64(acc, buffer + w->position - 8);
  const uint64_t whole = bits >> 3;
  w->position -= (long)whole;
  w->acc = acc >> (whole << 3);
  w->bits = bits & 7;
}

// `count` encode steps (k, k − 1, …) of every quad, each lane's codes merged (the later code in
// the higher bits, as the writer would place them), then prepended to the lanes' writers.
SUBBIT_AVX2 SUBBIT_INLINE void encode_group(const long nq, const long count, const uint8_t *src, long lanes, long k,
                                            __m256i *x, const uint64_t *transform, const uint32_t *stateTable32,
                                            subbit_tans_writer *writers, uint8_t *buffer, const uint8_t *rare,
                                            __m128i low, __m128i above, long rareSpan, long rareDense,
                                            uint8_t *escapeOut, long *escapeCursor) {
  const __m256i lo32 = _mm256_set1_epi64x(0xFFFFFFFF);
  __m256i merged[16], mergedBits[16];
  for (long i = 0; i < nq; i++) merged[i] = mergedBits[i] = _mm256_setzero_si256();
  for (long s = 0; s < count; s++) {
    const uint8_t *p = src + (k - s) * lanes;
    if (rare && rareDense && rareSpan >= 0) compact_step(p, lanes, low, above, escapeOut, escapeCursor);
    else if (rare && (rareSpan < 0 || step_has_rare(p, lanes, low, above))) collect_step(p, lanes, rare, escapeOut, escapeCursor);
    for (long i = 0; i < nq; i++) {
      uint32_t w;
      memcpy(&w, p + 4 * i, 4);
      const __m256i symbol = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128((int)w));
      const __m256i t = _mm256_i64gather_epi64((const long long *)transform, symbol, 8);
      const __m256i nb = _mm256_srli_epi64(_mm256_add_epi64(x[i], _mm256_and_si256(t, lo32)), 16);
      const __m256i high = _mm256_srlv_epi64(x[i], nb);
      const __m256i lowBits = _mm256_sub_epi64(x[i], _mm256_sllv_epi64(high, nb));
      merged[i] = _mm256_or_si256(merged[i], _mm256_sllv_epi64(lowBits, mergedBits[i]));
      mergedBits[i] = _mm256_add_epi64(mergedBits[i], nb);
      // high + deltaFindState in the low 32 bits (the high halves are zero in both terms).
      const __m256i index = _mm256_add_epi32(high, _mm256_srli_epi64(t, 32));
      x[i] = _mm256_cvtepu32_epi64(_mm256_i64gather_epi32((const int *)stateTable32, index, 4));
    }
  }
  for (long i = 0; i < nq; i++) {
    uint64_t m[4], b[4];
    _mm256_storeu_si256((__m256i *)m, merged[i]);
    _mm256_storeu_si256((__m256i *)b, mergedBits[i]);
    for (int j = 0; j < 4; j++) writer_put(&writers[4 * i + j], buffer, m[j], b[j]);
  }
}

SUBBIT_AVX2 SUBBIT_INLINE void encode_quads(const long nq, const uint8_t *src, long lanes, long steps, uint64_t *states,
                                            const uint64_t *transform, const uint32_t *stateTable32, long tableLog,
                                            subbit_tans_writer *writers, uint8_t *buffer, const uint8_t *rare,
                                            long rareLow, long rareSpan, long rareDense, uint8_t *escapeOut,
                                            long *escapeCursor) {
  __m256i x[16];
  for (long i = 0; i < nq; i++) x[i] = _mm256_loadu_si256((const __m256i *)(states + 4 * i));
  const __m128i low = _mm_set1_epi8((char)rareLow), above = _mm_set1_epi8((char)(rareSpan + 1));
  long k = steps - 1;
  if (tableLog <= 14) {
    // Four codes of ≤ 14 bits: ≤ 56 merged bits, + 7 pending ≤ 63.
    for (; k >= 3; k -= 4)
      encode_group(nq, 4, src, lanes, k, x, transform, stateTable32, writers, buffer, rare, low, above, rareSpan,
                   rareDense, escapeOut, escapeCursor);
  } else {
    for (; k >= 1; k -= 2)
      encode_group(nq, 2, src, lanes, k, x, transform, stateTable32, writers, buffer, rare, low, above, rareSpan,
                   rareDense, escapeOut, escapeCursor);
  }
  for (; k >= 0; k--)
    encode_group(nq, 1, src, lanes, k, x, transform, stateTable32, writers, buffer, rare, low, above, rareSpan,
                 rareDense, escapeOut, escapeCursor);
  for (long i = 0; i < nq; i++) _mm256_storeu_si256((__m256i *)(states + 4 * i), x[i]);
}

SUBBIT_AVX2
void subbit_tans_encode_split_avx2(const uint8_t *src, long lanes, long steps, uint64_t *states,
                                   const uint64_t *transform, const uint32_t *stateTable32, long tableLog,
                                   subbit_tans_writer *writers, uint8_t *buffer, const uint8_t *rare, long rareLow,
                                   long rareSpan, long rareDense, uint8_t *escapeOut, long *escapeCursor) {
  if (lanes % 4 != 0 || lanes > 64 || steps <= 0) return;
  const long nq = lanes / 4;
#define SUBBIT_ENCODE(NQ) encode_quads(NQ, src, lanes, steps, states, transform, stateTable32, tableLog, writers, buffer, \
                                       rare, rareLow, rareSpan, rareDense, escapeOut, escapeCursor)
  if (nq == 2) SUBBIT_ENCODE(2);
  else if (nq == 4) SUBBIT_ENCODE(4);
  else SUBBIT_ENCODE(nq);
#undef SUBBIT_ENCODE
}

// ---------------------------------------------------------------------------------------------
// Histogram.

// Appends the bytes of the 8-byte chunk `v` (low half) whose bit is set in `m` at `o` (one
// 8-byte store: the bytes past the appended ones are garbage the next store overwrites).
SUBBIT_AVX2 SUBBIT_INLINE uint8_t *append_packed(uint8_t *o, __m128i v, unsigned m) {
  _mm_storel_epi64((__m128i *)o, _mm_shuffle_epi8(v, _mm_cvtsi64_si128((long long)pack_left[m])));
  return o + __builtin_popcount(m);
}

SUBBIT_AVX2
long subbit_count_window_avx2(const uint8_t *base, long n, const uint8_t *values, long compared, long low, long span,
                              long *counts, uint8_t *outside) {
  __m256i s[6];
  for (int i = 0; i < 6; i++) s[i] = _mm256_set1_epi8((char)values[i]);
  const __m256i lowv = _mm256_set1_epi8((char)low), above = _mm256_set1_epi8((char)(span + 1));
  const __m256i zero = _mm256_setzero_si256();
  const long vectors = n / 32;
  long k = 0, outsideTotal = 0;
  while (k < vectors) {
    const long last = k + 255 < vectors ? k + 255 : vectors;
    __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero;
    uint8_t *o = outside;
    for (; k < last; k++) {
      const __m256i v = _mm256_loadu_si256((const __m256i *)(base + 32 * k));
      a0 = _mm256_sub_epi8(a0, _mm256_cmpeq_epi8(v, s[0]));
      a1 = _mm256_sub_epi8(a1, _mm256_cmpeq_epi8(v, s[1]));
      a2 = _mm256_sub_epi8(a2, _mm256_cmpeq_epi8(v, s[2]));
      a3 = _mm256_sub_epi8(a3, _mm256_cmpeq_epi8(v, s[3]));
      a4 = _mm256_sub_epi8(a4, _mm256_cmpeq_epi8(v, s[4]));
      a5 = _mm256_sub_epi8(a5, _mm256_cmpeq_epi8(v, s[5]));
      const __m256i t = _mm256_sub_epi8(v, lowv);
      const unsigned m = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(t, above), t));
      const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
      o = append_packed(o, lo, m & 0xFF);
      o = append_packed(o, _mm_unpackhi_epi64(lo, lo), (m >> 8) & 0xFF);
      o = append_packed(o, hi, (m >> 16) & 0xFF);
      o = append_packed(o, _mm_unpackhi_epi64(hi, hi), m >> 24);
    }
    const __m256i acc[6] = {a0, a1, a2, a3, a4, a5};
    for (long i = 0; i < compared && i < 6; i++) {
      long lanes[4];
      _mm256_storeu_si256((__m256i *)lanes, _mm256_sad_epu8(acc[i], zero));
      counts[values[i]] += lanes[0] + lanes[1] + lanes[2] + lanes[3];
    }
    for (const uint8_t *p = outside; p < o; p++) counts[*p]++;
    outsideTotal += o - outside;
    if (4 * outsideTotal > 32 * k) break;
  }
  return 32 * k;
}
