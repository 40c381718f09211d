// AVX2 products of several weight rows with one activation row: the decoding of one token.
//
// The one-row kernel (DOT32_ROW in dot_avx2.c) keeps the tiled kernels' float arithmetic so a
// token's result is the same alone or in a tile: per block, two exact half-block integer sums
// each feed an fma chain. That chain is the loop's critical path (an fma's latency per block),
// and the two horizontal adds per block cost more than the products. Here four weight rows
// meet the activation block together: their eight half-block sums come out of one horizontal
// reduction into the eight lanes of one vector, one fma advances all eight chains, and the
// activation block is loaded once. Each lane's operations are the one-row kernel's, in the
// same order (the same exact integer sums; fma(d_w * d_x, sum, acc); the bias fma; (low +
// high) + bias), so every result equals quill_dot_<fmt> with one row bit for bit. Measured on
// an AMD EPYC (Zen 3): 1.8-2.2x less time per row from the cache, and from memory the speed of
// a plain streaming read.
//
// The K-quants have no such kernel: their one-row kernels already do a 256-element
// super-block's work per fma, so latency does not bind them, and a four-row version measured
// 0-15% faster.
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"

#if defined(__x86_64__) || defined(__i386__)
#include "simd_avx2.h"

#define ROWS_AT_ONCE 4
// Rows in a matrix are contiguous, and one row at a time reads it as one ascending stream,
// which the hardware prefetcher follows. Four rows at a time read four short interleaved
// streams (a row of Gemma 3's output matrix is 680 bytes), which it does not: without help
// this kernel read a matrix larger than the cache at 6 GB/s, against 10 for one row at a
// time. So each block step prefetches the same share (four blocks' bytes) of the next four
// rows in address order, one group ahead; then it reads at 13-15 GB/s, what a plain
// streaming read reaches on one core there. Prefetching past the matrix's end is harmless.

/// Lane r: row r's exact integer sum over elements 0..15 of the block; lane 4 + r: over
/// elements 16..31 (zero for rows past `rows`). For signed weights (Q8_0) p[r] is row r's
/// dot_ss, whose int32 lanes 0..3 and 4..7 hold the halves' partial sums.
__attribute__((always_inline)) AVX2_TARGET static inline __m256i half_sums4_ss(int rows, const __m256i p[]) {
    const __m256i z = _mm256_setzero_si256();
    const __m256i ab = _mm256_hadd_epi32(p[0], rows > 1 ? p[1] : z);
    const __m256i cd = rows > 2 ? _mm256_hadd_epi32(p[2], rows > 3 ? p[3] : z) : z;
    return _mm256_hadd_epi32(ab, cd);
}

/// The same for unsigned weights, from each row's vpmaddubsw pairs (int16 lanes 0..7 and
/// 8..15): a weight is at most 31, so a pair is at most 2·31·127 and four pairs still fit in
/// int16. Two rounds of int16 hadds leave four pairs' sums, two per row and half, and one
/// vpmaddwd widens and adds them: one vpmaddwd for four rows instead of one per row.
__attribute__((always_inline)) AVX2_TARGET static inline __m256i half_sums4_us(int rows, const __m256i p[]) {
    const __m256i z = _mm256_setzero_si256();
    const __m256i ab = _mm256_hadd_epi16(p[0], rows > 1 ? p[1] : z);
    const __m256i cd = rows > 2 ? _mm256_hadd_epi16(p[2], rows > 3 ? p[3] : z) : z;
    return _mm256_madd_epi16(_mm256_hadd_epi16(ab, cd), _mm256_set1_epi16(1));
}

/// The fp16 scale opening block i of each of `rows` weight rows, as four floats (zero past `rows`).
__attribute__((always_inline)) AVX2_TARGET static inline __m128
halves4(int rows, const char *const w[], int64_t block_bytes, int64_t i) {
    uint16_t h[4] = { 0, 0, 0, 0 };
    for (int r = 0; r < rows; r++) memcpy(&h[r], w[r] + i * block_bytes, 2);
    return _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)h));
}

/// The (d, m) fp16 pairs at the start of block i of each row: d in the low half, m in the high.
__attribute__((always_inline)) AVX2_TARGET static inline __m256
pairs4(int rows, const char *const w[], int64_t block_bytes, int64_t i) {
    uint32_t v[4] = { 0, 0, 0, 0 };
    for (int r = 0; r < rows; r++) memcpy(&v[r], w[r] + i * block_bytes, 4);
    const __m256 dm = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)v));
    return _mm256_permutevar8x32_ps(dm, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
}

/// Each row's block scale (d) and bias coefficient, as `unpacked` has them, for four rows.
typedef struct { __m128 d, bias; } scales4;

// Multiplying by -8 or -16 is exact, so the bias equals the one-row kernel's.
__attribute__((always_inline)) AVX2_TARGET static inline scales4 scales4_q4_0(int rows, const char *const w[], int64_t i) {
    const __m128 d = halves4(rows, w, sizeof(block_q4_0), i);
    return (scales4){ d, _mm_mul_ps(d, _mm_set1_ps(-8)) };
}
__attribute__((always_inline)) AVX2_TARGET static inline scales4 scales4_q5_0(int rows, const char *const w[], int64_t i) {
    const __m128 d = halves4(rows, w, sizeof(block_q5_0), i);
    return (scales4){ d, _mm_mul_ps(d, _mm_set1_ps(-16)) };
}
__attribute__((always_inline)) AVX2_TARGET static inline scales4 scales4_q8_0(int rows, const char *const w[], int64_t i) {
    return (scales4){ halves4(rows, w, sizeof(block_q8_0), i), _mm_setzero_ps() };
}
__attribute__((always_inline)) AVX2_TARGET static inline scales4 scales4_q4_1(int rows, const char *const w[], int64_t i) {
    const __m256 dm = pairs4(rows, w, sizeof(block_q4_1), i);
    return (scales4){ _mm256_castps256_ps128(dm), _mm256_extractf128_ps(dm, 1) };
}
__attribute__((always_inline)) AVX2_TARGET static inline scales4 scales4_q5_1(int rows, const char *const w[], int64_t i) {
    const __m256 dm = pairs4(rows, w, sizeof(block_q5_1), i);
    return (scales4){ _mm256_castps256_ps128(dm), _mm256_extractf128_ps(dm, 1) };
}

/// `rows` (1...4) weight rows, `w_stride` bytes apart, times one a8 row, into out[0..<rows].
/// Inlined with constant NAME, SIGNED and ROWS so the loops over rows unroll.
/// Lanes r and 4 + r of `acc` are row r's two chains, lane r of `bias` its bias chain.
#define ROWS32(NAME, SIGNED, ROWS) do { \
    const char *wr[ROWS_AT_ONCE]; \
    for (int r = 0; r < ROWS; r++) wr[r] = (const char *)w + r * w_stride; \
    __m256 acc = _mm256_setzero_ps(); \
    __m128 bias = _mm_setzero_ps(); \
    for (int64_t i = 0; i < n / QK; i++) { \
        const block_a8 *a = (const block_a8 *)x + i; \
        const __m256i y = _mm256_loadu_si256((const __m256i *)a->qs); \
        __m256i p[ROWS_AT_ONCE]; \
        /* The next ROWS rows, as one ascending stream (see the note at ROWS_AT_ONCE). */ \
        const char *next = wr[0] + ROWS * w_stride + i * ROWS * (int64_t)sizeof(block_##NAME); \
        for (int k = 0; k < ROWS * (int)sizeof(block_##NAME); k += 64) _mm_prefetch(next + k, _MM_HINT_T0); \
        for (int r = 0; r < ROWS; r++) { \
            const __m256i q = unpack_##NAME(wr[r], i).q; \
            p[r] = SIGNED ? dot_ss(q, y) : _mm256_maddubs_epi16(q, y); \
        } \
        const scales4 sc = scales4_##NAME(ROWS, wr, i); \
        const __m128 d = _mm_mul_ps(sc.d, _mm_set1_ps(a->d)); \
        acc = _mm256_fmadd_ps(_mm256_set_m128(d, d), _mm256_cvtepi32_ps(SIGNED ? half_sums4_ss(ROWS, p) : half_sums4_us(ROWS, p)), acc); \
        if (!SIGNED) bias = _mm_fmadd_ps(sc.bias, _mm_set1_ps(a->s), bias); \
    } \
    /* The one-row kernel's (low + high) + bias, with its zero bias for Q8_0 too (-0 + 0 is +0). */ \
    const __m128 sums = _mm_add_ps(_mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1)), bias); \
    if (ROWS == 4) _mm_storeu_ps(out, sums); \
    else { float lanes[4]; _mm_storeu_ps(lanes, sums); for (int r = 0; r < ROWS; r++) out[r] = lanes[r]; } \
} while (0)

#define QUILL_AVX2_ROWS(name, SIGNED) \
    AVX2_TARGET static void name##_rows4(const void *w, int64_t w_stride, const void *x, int64_t n, float *out) { \
        ROWS32(name, SIGNED, 4); \
    } \
    AVX2_TARGET static void name##_rows_tail(int rows, const void *w, int64_t w_stride, const void *x, int64_t n, float *out) { \
        switch (rows) { \
        case 1: ROWS32(name, SIGNED, 1); break; \
        case 2: ROWS32(name, SIGNED, 2); break; \
        default: ROWS32(name, SIGNED, 3); break; \
        } \
    } \
    AVX2_TARGET void quill_rows_dot_##name##_avx2(const void *w, int64_t w_stride, int rows, const void *x, int64_t n, float *out) { \
        int r = 0; \
        for (; r + ROWS_AT_ONCE <= rows; r += ROWS_AT_ONCE) name##_rows4((const char *)w + r * w_stride, w_stride, x, n, out + r); \
        if (r < rows) name##_rows_tail(rows - r, (const char *)w + r * w_stride, w_stride, x, n, out + r); \
    }
QUILL_AVX2_ROWS(q4_0, 0)
QUILL_AVX2_ROWS(q4_1, 0)
QUILL_AVX2_ROWS(q5_0, 0)
QUILL_AVX2_ROWS(q5_1, 0)
QUILL_AVX2_ROWS(q8_0, 1)

#else
// Not x86: the scalar paths are always chosen; these keep the dispatch table linkable.
#define QUILL_UNUSED_AVX2_ROWS(name) \
    void quill_rows_dot_##name##_avx2(const void *w, int64_t w_stride, int rows, const void *x, int64_t n, float *out) { \
        quill_rows_dot_##name##_scalar(w, w_stride, rows, x, n, out); \
    }
QUILL_ROWS_KERNELS(QUILL_UNUSED_AVX2_ROWS)
#endif
