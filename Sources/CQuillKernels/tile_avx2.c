// AVX2 tiled products: one weight row against up to eight activation rows (a block_a8x8 tile).
//
// The one-row kernels spend per (row, block) pair a vpmaddubsw, a vpmaddwd, a conversion, an
// fma, and a scalar scale product and bias. Here each 4-byte lane k of the unpacked weight
// block is broadcast (vpshufd) and meets lane k of four activation rows in one vpmaddubsw;
// four such products add up in int16 and one vpmaddwd widens them, leaving per group of four
// rows one int32 lane per row and half block. Those are scaled and accumulated in float as
// they are (the halves are added once per row, not per block), and the bias of all eight rows
// is one fma, so per pair little beyond the vpmaddubsw remains.
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"

#if defined(__x86_64__) || defined(__i386__)
#include "simd_avx2.h"

/// Sum over k of weight lane k (w[k], broadcast) times lane k of four activation rows (y[k]):
/// int32 lane t holds row t's sum over elements 0..15, lane 4+t over elements 16..31.
/// Unsigned weights: a vpmaddubsw lane is at most 2·31·127, so four add up in int16.
AVX2_TARGET static inline __m256i group_sum_us(const __m256i w[4], const int8_t (*y)[QK]) {
    __m256i p[4];
    for (int k = 0; k < 4; k++) p[k] = _mm256_maddubs_epi16(w[k], _mm256_loadu_si256((const __m256i *)y[k]));
    const __m256i s = _mm256_add_epi16(_mm256_add_epi16(p[0], p[1]), _mm256_add_epi16(p[2], p[3]));
    return _mm256_madd_epi16(s, _mm256_set1_epi16(1));
}

/// The same for signed weights (Q8_0): the sign moves onto the activations, and a lane can
/// reach 2·128·127, so each product is widened before adding.
AVX2_TARGET static inline __m256i group_sum_ss(const __m256i w[4], const __m256i a[4], const int8_t (*y)[QK]) {
    __m256i s = _mm256_setzero_si256();
    for (int k = 0; k < 4; k++) {
        const __m256i yk = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)y[k]), w[k]);
        s = _mm256_add_epi32(s, dot_us(a[k], yk));
    }
    return s;
}

/// One weight row against GROUPS groups of four tile rows; `lanes` receives one result per row.
/// Inlined with constant NAME, SIGNED and GROUPS so the weight lanes stay in registers.
/// Group g's float lanes t and 4+t hold row 4g+t's sums over elements 0..15 and 16..31.
#define TILE32_ROW(NAME, SIGNED, GROUPS) do { \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), bias = _mm256_setzero_ps(); \
    for (int64_t i = 0; i < n / QK; i++) { \
        const __m256i q = unpack_##NAME(w, i).q; \
        const scales8 sc = scales8_##NAME(w, i); \
        const block_a8x8 *a = &x[i]; \
        __m256i wk[4], ak[4]; \
        wk[0] = _mm256_shuffle_epi32(q, 0x00); wk[1] = _mm256_shuffle_epi32(q, 0x55); \
        wk[2] = _mm256_shuffle_epi32(q, 0xAA); wk[3] = _mm256_shuffle_epi32(q, 0xFF); \
        if (SIGNED) for (int k = 0; k < 4; k++) ak[k] = _mm256_sign_epi8(wk[k], wk[k]); \
        const __m256i g0 = SIGNED ? group_sum_ss(wk, ak, a->qs[0]) : group_sum_us(wk, a->qs[0]); \
        acc0 = _mm256_fmadd_ps(_mm256_mul_ps(sc.d, _mm256_loadu_ps(a->d[0])), _mm256_cvtepi32_ps(g0), acc0); \
        if (GROUPS == 2) { \
            const __m256i g1 = SIGNED ? group_sum_ss(wk, ak, a->qs[1]) : group_sum_us(wk, a->qs[1]); \
            acc1 = _mm256_fmadd_ps(_mm256_mul_ps(sc.d, _mm256_loadu_ps(a->d[1])), _mm256_cvtepi32_ps(g1), acc1); \
        } \
        if (!SIGNED) bias = _mm256_fmadd_ps(sc.bias, _mm256_loadu_ps(a->s), bias); \
    } \
    /* Add each group's halves and place the groups side by side: rows 0..3, then 4..7. */ \
    const __m256 sums = _mm256_add_ps(_mm256_permute2f128_ps(acc0, acc1, 0x20), _mm256_permute2f128_ps(acc0, acc1, 0x31)); \
    _mm256_storeu_ps(lanes, _mm256_add_ps(sums, bias)); \
} while (0)

#define QUILL_AVX2_TILE(name, SIGNED) \
    AVX2_TARGET static void name##_tile_row(const void *w, const block_a8x8 *x, int groups, int64_t n, float *lanes) { \
        if (groups == 2) TILE32_ROW(name, SIGNED, 2); \
        else TILE32_ROW(name, SIGNED, 1); \
    } \
    AVX2_TARGET void quill_tile_dot_##name##_avx2(const void *w, int64_t w_stride, int rows, const void *tile, int count, \
                                                 int64_t n, float *out, int64_t out_stride) { \
        const int groups = count > 4 ? 2 : 1; \
        float lanes[8]; \
        for (int r = 0; r < rows; r++) { \
            name##_tile_row((const char *)w + r * w_stride, tile, groups, n, lanes); \
            for (int t = 0; t < count; t++) out[t * out_stride + r] = lanes[t]; \
        } \
    }
QUILL_AVX2_TILE(q4_0, 0)
QUILL_AVX2_TILE(q4_1, 0)
QUILL_AVX2_TILE(q5_0, 0)
QUILL_AVX2_TILE(q5_1, 0)
QUILL_AVX2_TILE(q8_0, 1)

#else
// Not x86: the scalar paths are always chosen; these keep the dispatch table linkable.
#define QUILL_UNUSED_AVX2_TILE(name) \
    void quill_tile_dot_##name##_avx2(const void *w, int64_t w_stride, int rows, const void *tile, int count, int64_t n, \
                                      float *out, int64_t out_stride) { \
        quill_tile_dot_##name##_scalar(w, w_stride, rows, tile, count, n, out, out_stride); \
    }
QUILL_TILE_KERNELS(QUILL_UNUSED_AVX2_TILE)
#endif
