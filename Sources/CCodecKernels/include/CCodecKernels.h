// AVX2 kernels of the tANS codec (EntropyCoding's TANSSIMDKernels), chosen at run time: a caller
// checks `subbit_tans_avx2_available()` and otherwise runs the portable Swift kernels, which
// produce the same bytes and symbols.
//
// The kernels work on split-layout lanes in groups of four ("quads"): the four lanes' states,
// bit containers and stream pointers sit in the 64-bit elements of AVX2 registers, and every
// table entry or stream word is fetched by a gather. Decoding a quad follows FSE's / Giesen's
// forward bit container (a 64-bit buffer refilled once per four steps, R ≤ 14); see
// TANSKernels.swift for the scalar form of the same arithmetic.
#ifndef SUBBIT_CCODECKERNELS_H
#define SUBBIT_CCODECKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU runs the AVX2 (+ BMI2, POPCNT) kernels below, else 0 (callers must then not
/// call them).
int subbit_tans_avx2_available(void);

/// The escape values a main-stream decode kernel patches in when its table has an escape
/// symbol (see TANSEscape): the escape lane decoded beforehand, `count` values followed by at
/// least 4·lanes + 8 readable bytes. `cursor` (updated in place) is the next value's index.
typedef struct {
  const uint8_t *values;
  long count;
  long cursor;
  long symbol;   ///< the main-table escape symbol (0…255)
  long dense;    ///< 1: patch without branches (many escapes); 0: branch on the rare hits
} subbit_tans_escapes;

/// Decodes `lanes` split lanes (`lanes` a multiple of 4, at least 8) for at most `maxSteps`
/// steps each, every step reading the lane's next state (so `maxSteps` must be ≤ each lane's
/// symbol count − 1). Step k of lane l writes output[k·lanes + l]. `bits[l]` and `states[l]`
/// hold each lane's next unread bit and state on entry and on return. `entries` is the packed
/// table (bits 0–7: 63 − nbBits, 8–15: symbol, 16–31: newStateBase; every newStateBase +
/// 2^nbBits ≤ table size) of table log ≤ 14, followed by one more readable entry (the gathers
/// load 8 bytes per state). Every 8-byte stream load starts at a byte index ≤ `limit`, whatever
/// the stream holds; the kernel stops early (at a multiple of 4 steps) where that could not be
/// guaranteed. With `escapes` non-NULL, every escape symbol is replaced, in symbol order, by the
/// next escape value. Returns the steps done (a multiple of 4), or −1 when the stream holds
/// more escapes than values (a corrupt stream).
long subbit_tans_decode_split_avx2(const uint32_t *entries, const uint8_t *stream, long limit, long lanes,
                                   long *bits, long *states, uint8_t *output, long maxSteps,
                                   subbit_tans_escapes *escapes);

/// A backward bit writer (TANSKernels.swift's BackwardBitWriter): pending bits in `acc`, the
/// chunk written last highest; each flush stores the 8 bytes ending at `position` big-endian
/// and moves `position` back by the whole bytes pending (so 8 bytes of slack precede a stream).
typedef struct {
  uint64_t acc;
  uint64_t bits;
  long position;
} subbit_tans_writer;

/// Encodes `steps` steps of `lanes` split lanes (a multiple of 4), k = steps − 1 down to 0:
/// lane l encodes symbol src[k·lanes + l] from encoder state states[l] ∈ [L, 2L) — prepending
/// the low nb = (x + deltaNbBits) >> 16 bits of x to writers[l] and moving to
/// stateTable32[(x >> nb) + deltaFindState] — exactly as the portable per-lane encoder does.
/// `transform[s]`: low 32 bits deltaNbBits, high 32 bits deltaFindState (two's complement);
/// `stateTable32` has L = 2^tableLog entries. The codes of four steps (two when tableLog = 15)
/// are merged per lane in the vector registers and prepended with one flush.
///
/// With `rare` non-NULL, the visited symbols flagged in rare[256] are also collected in
/// decreasing index order by branchless backward compaction: each is stored at
/// escapeOut[*escapeCursor] and the cursor drops by one per rare symbol (the caller sizes
/// escapeOut from the histogram, so every store stays inside it). When `rareSpan` ≥ 0, the
/// present non-rare symbols are exactly those s with (s − rareLow) mod 256 ≤ rareSpan, which
/// lets the kernel test a whole step at once. With `rareDense` non-zero as well (rare symbols
/// frequent enough that a per-step test would mispredict), every step is compacted with vector
/// shuffles instead, which store whole 8-byte words ending at the cursor: escapeOut must then
/// have 7 writable bytes before index 0 (the bytes at or below the final cursor are garbage).
void subbit_tans_encode_split_avx2(const uint8_t *src, long lanes, long steps, uint64_t *states,
                                   const uint64_t *transform, const uint32_t *stateTable32, long tableLog,
                                   subbit_tans_writer *writers, uint8_t *buffer, const uint8_t *rare, long rareLow,
                                   long rareSpan, long rareDense, uint8_t *escapeOut, long *escapeCursor);

/// The AVX2 form of SymbolStatistics.windowedCount: counts the bytes of `base[0..<32·v]`, for
/// the v whole 32-byte vectors it processes, into `counts[0..<256]` (added to) — the first
/// `compared` (≤ 6) of `values` by vector comparison, every byte outside the window
/// `(b − low) mod 256 ≤ span` one by one after packing them (branch-free) into `outside`
/// (≥ 255·32 + 8 bytes of scratch) — and leaves the window's other bytes uncounted (the caller
/// assigns them to its left-over value). Stops after a block of 255 vectors once more than a
/// quarter of the bytes so far fell outside the window. Returns 32·v.
long subbit_count_window_avx2(const uint8_t *base, long n, const uint8_t *values, long compared, long low, long span,
                              long *counts, uint8_t *outside);

#ifdef __cplusplus
}
#endif

#endif
