// AVX2 quantized dot products. Each weight block is widened to 32 int8 lanes and multiplied
// with the 8-bit activations by vpmaddubsw (unsigned x signed pairs into int16), then
// vpmaddwd sums pairs into int32 and the block scales are applied in float.
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"

#if defined(__x86_64__) || defined(__i386__)
#include "simd_avx2.h"

/// One weight row times one activation row, with the float arithmetic of the tiled kernels
/// (tile_avx2.c) so a token's result is the same bit for bit alone or in a tile: per block the
/// exact integer sums of elements 0..15 and 16..31 each feed their own fma chain with the
/// block's scale product, the bias its own chain, and the result is (low + high) + bias.
/// Lanes 0 and 1 of `acc` are the two chains; the others carry zeros.
#define DOT32_ROW(UNPACK, SIGNED) do { \
    __m128 acc = _mm_setzero_ps(); float bias = 0; \
    for (int64_t i = 0; i < n / QK; i++) { \
        const unpacked u = UNPACK(w, i); \
        const block_a8 *a = (const block_a8 *)x + i; \
        const __m256i y = _mm256_loadu_si256((const __m256i *)a->qs); \
        const __m256i p = SIGNED ? dot_ss(u.q, y) : dot_us(u.q, y); \
        /* Each 128-bit half holds one half-block's four partial sums; add them up. */ \
        const __m128i h = _mm_hadd_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1)); \
        const __m128i halves = _mm_hadd_epi32(h, _mm_setzero_si128()); \
        acc = _mm_fmadd_ps(_mm_set1_ps(u.d * a->d), _mm_cvtepi32_ps(halves), acc); \
        if (!SIGNED) bias = __builtin_fmaf(u.bias, a->s, bias); \
    } \
    *out = (_mm_cvtss_f32(acc) + _mm_cvtss_f32(_mm_shuffle_ps(acc, acc, 1))) + bias; \
} while (0)

#define QUILL_AVX2_32(name, SIGNED) \
    AVX2_TARGET static void name##_x1(const void *w, const void *x, int64_t n, float *out) { \
        DOT32_ROW(unpack_##name, SIGNED); \
    } \
    AVX2_TARGET void quill_dot_##name##_avx2(const void *w, const void *x, int64_t stride, int count, int64_t n, float *out) { \
        for (int t = 0; t < count; t++) name##_x1(w, QUILL_ROW(x, stride, t), n, out + t); \
    }
QUILL_AVX2_32(q4_0, 0)
QUILL_AVX2_32(q4_1, 0)
QUILL_AVX2_32(q5_0, 0)
QUILL_AVX2_32(q5_1, 0)
QUILL_AVX2_32(q8_0, 1)

// K-quants. Up to K_ROWS activation rows (a prompt's tokens) meet each weight super-block
// together: its nibbles are split, the high bits merged and the scales decoded once, and each
// row keeps its own accumulators. Per row the arithmetic is the one-row kernel's, in the same
// order (exact int32 lane sums per super-block, then the same float operations), so a row's
// result is the same bit for bit whichever rows share the call. `rows` is a constant in each
// inlined copy and the loops over it are unrolled, so the per-row arrays live in registers.
#define K_ROWS 8
#define UNROLL _Pragma("GCC unroll 8")

/// Lane t: the sum of the int32 lanes of v[t], for t < rows <= 4; one reduction for four rows
/// instead of one per row.
__attribute__((always_inline)) AVX2_TARGET static inline __m128i hsum4_epi32(int rows, const __m256i v[]) {
    const __m256i z = _mm256_setzero_si256();
    const __m256i ab = _mm256_hadd_epi32(v[0], rows > 1 ? v[1] : z);
    const __m256i cd = rows > 2 ? _mm256_hadd_epi32(v[2], rows > 3 ? v[3] : z) : z;
    const __m256i s = _mm256_hadd_epi32(ab, cd);
    return _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

/// sums[t] = the sum of the int32 lanes of v[t], for t < rows.
__attribute__((always_inline)) AVX2_TARGET static inline void hsum_rows_epi32(int rows, const __m256i v[], int sums[]) {
    _mm_storeu_si128((__m128i *)sums, hsum4_epi32(rows > 4 ? 4 : rows, v));
    if (rows > 4) _mm_storeu_si128((__m128i *)(sums + 4), hsum4_epi32(rows - 4, v + 4));
}

/// A vpshufb mask that spreads int16 lane `lo` (of eight, repeated in both 128-bit halves)
/// across the low half and lane `hi` across the high half: a scale vector in one instruction.
#define SPLAT_WORD(w) (short)(0x0100 + 0x0202 * (w))
#define WORD_SPLAT(lo, hi) _mm256_setr_epi16(SPLAT_WORD(lo), SPLAT_WORD(lo), SPLAT_WORD(lo), SPLAT_WORD(lo), \
    SPLAT_WORD(lo), SPLAT_WORD(lo), SPLAT_WORD(lo), SPLAT_WORD(lo), SPLAT_WORD(hi), SPLAT_WORD(hi), SPLAT_WORD(hi), \
    SPLAT_WORD(hi), SPLAT_WORD(hi), SPLAT_WORD(hi), SPLAT_WORD(hi), SPLAT_WORD(hi))

/// The eight 6-bit scales (bytes 0..7) and minimums (8..15) of a Q4_K/Q5_K super-block, as
/// quill_scale_min_k4 decodes them, four at a time in 32-bit words.
static inline __m128i k4_scales_mins(const uint8_t *q) {
    uint32_t a, b, c;
    memcpy(&a, q, 4); memcpy(&b, q + 4, 4); memcpy(&c, q + 8, 4);
    const uint32_t low6 = 0x3F3F3F3F, low4 = 0x0F0F0F0F, top2 = 0x03030303;
    // Sub-blocks 0..3 keep 6 bits in bytes 0..3 (scales) and 4..7 (minimums); 4..7 take their
    // low 4 bits from bytes 8..11 and their top 2 from the top bits of bytes 0..3 and 4..7.
    return _mm_setr_epi32((int)(a & low6), (int)((c & low4) | (((a >> 6) & top2) << 4)),
                          (int)(b & low6), (int)(((c >> 4) & low4) | (((b >> 6) & top2) << 4)));
}

/// One Q4_K or Q5_K super-block times block i of `rows` q8_K rows (`stride` bytes apart),
/// added to each row's `acc` and `mins`. `qh` is the Q5_K fifth-bit plane, NULL for Q4_K (the
/// branch folds away when this is inlined into each caller).
__attribute__((always_inline)) AVX2_TARGET static inline void
k45_block(int rows, uint16_t d, uint16_t dmin, const uint8_t *scales, const uint8_t *qh, const uint8_t *qs,
          const void *x, int64_t stride, int64_t i, __m256 acc[], float mins[]) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    const block_q8_K *y[K_ROWS];
    UNROLL for (int t = 0; t < rows; t++) y[t] = (const block_q8_K *)QUILL_ROW(x, stride, t) + i;
    const __m128i scmn = k4_scales_mins(scales);
    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scmn));
    const __m256i high = qh ? _mm256_loadu_si256((const __m256i *)qh) : _mm256_setzero_si256();
    __m256i sumi[K_ROWS];
    UNROLL for (int t = 0; t < rows; t++) sumi[t] = _mm256_setzero_si256();
    // Group k: the low nibbles meet activations 64k..64k+31 (scale 2k), the high ones the next
    // 32 (scale 2k + 1). A vpmaddubsw lane is at most 2 * 31 * 127, so it does not saturate.
    UNROLL for (int k = 0; k < 4; k++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * k));
        __m256i lo = _mm256_and_si256(q, low4);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        if (qh) {
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2 * k), one), 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2 * k + 1), one), 4));
        }
        const __m256i sc0 = _mm256_shuffle_epi8(sc16, WORD_SPLAT(2 * k, 2 * k));
        const __m256i sc1 = _mm256_shuffle_epi8(sc16, WORD_SPLAT(2 * k + 1, 2 * k + 1));
        UNROLL for (int t = 0; t < rows; t++) {
            const __m256i y0 = _mm256_loadu_si256((const __m256i *)(y[t]->qs + 64 * k));
            const __m256i y1 = _mm256_loadu_si256((const __m256i *)(y[t]->qs + 64 * k + 32));
            const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, y0), sc0);
            const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, y1), sc1);
            sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(p0, p1));
        }
    }
    // The minimums' term, Σ_j mins[j] * (bsums[2j] + bsums[2j+1]): each minimum sits in two
    // int16 lanes, so one vpmaddwd meets both of its sub-block's 16-element activation sums.
    // Exact: a lane is at most 2 * 63 * 16 * 127.
    const __m256i mins2 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(scmn, scmn));
    __m256i mp[K_ROWS];
    UNROLL for (int t = 0; t < rows; t++) mp[t] = _mm256_madd_epi16(mins2, _mm256_loadu_si256((const __m256i *)y[t]->bsums));
    int m[K_ROWS];
    hsum_rows_epi32(rows, mp, m);
    const float df = half(d), dminf = half(dmin);
    UNROLL for (int t = 0; t < rows; t++) {
        mins[t] += y[t]->d * dminf * (float)m[t];
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(y[t]->d * df), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
}

__attribute__((always_inline)) AVX2_TARGET static inline void
dot_q4_K_rows(int rows, const void *vw, const void *x, int64_t stride, int64_t n, float *out) {
    const block_q4_K *w = vw;
    __m256 acc[K_ROWS];
    float mins[K_ROWS];
    UNROLL for (int t = 0; t < rows; t++) { acc[t] = _mm256_setzero_ps(); mins[t] = 0; }
    for (int64_t i = 0; i < n / QK_K; i++) k45_block(rows, w[i].d, w[i].dmin, w[i].scales, NULL, w[i].qs, x, stride, i, acc, mins);
    UNROLL for (int t = 0; t < rows; t++) out[t] = hsum8(acc[t]) - mins[t];
}

__attribute__((always_inline)) AVX2_TARGET static inline void
dot_q5_K_rows(int rows, const void *vw, const void *x, int64_t stride, int64_t n, float *out) {
    const block_q5_K *w = vw;
    __m256 acc[K_ROWS];
    float mins[K_ROWS];
    UNROLL for (int t = 0; t < rows; t++) { acc[t] = _mm256_setzero_ps(); mins[t] = 0; }
    for (int64_t i = 0; i < n / QK_K; i++) k45_block(rows, w[i].d, w[i].dmin, w[i].scales, w[i].qh, w[i].qs, x, stride, i, acc, mins);
    UNROLL for (int t = 0; t < rows; t++) out[t] = hsum8(acc[t]) - mins[t];
}

__attribute__((always_inline)) AVX2_TARGET static inline void
dot_q6_K_rows(int rows, const void *vw, const void *x, int64_t stride, int64_t n, float *out) {
    const block_q6_K *w = vw;
    const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(0x03);
    __m256 acc[K_ROWS];
    UNROLL for (int t = 0; t < rows; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        const block_q8_K *y[K_ROWS];
        UNROLL for (int t = 0; t < rows; t++) y[t] = (const block_q8_K *)QUILL_ROW(x, stride, t) + i;
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w[i].scales));
        // The stored values are 6-bit unsigned; their -32 offset is applied once per 16-lane
        // group through the activation sums (exact in int32: a lane is at most 2 * 128 * 16 * 127).
        __m256i op[K_ROWS];
        UNROLL for (int t = 0; t < rows; t++) op[t] = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)y[t]->bsums));
        int offset[K_ROWS];
        hsum_rows_epi32(rows, op, offset);
        __m256i sumi[K_ROWS];
        UNROLL for (int t = 0; t < rows; t++) sumi[t] = _mm256_setzero_si256();
        UNROLL for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w[i].ql + 64 * h;
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i qh = _mm256_loadu_si256((const __m256i *)(w[i].qh + 32 * h));
            const __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, low4), _mm256_slli_epi16(_mm256_and_si256(qh, low2), 4)),
                _mm256_or_si256(_mm256_and_si256(l1, low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), low2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), low2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), low2), 4)),
            };
            // Scales 8h..8h+7 in both halves: run k takes scale 8h+2k on its first 16 elements
            // and 8h+2k+1 on the rest. A vpmaddubsw lane is at most 2 * 63 * 127: no saturation.
            const __m256i sch = h ? _mm256_permute2x128_si256(sc16, sc16, 0x11) : _mm256_permute2x128_si256(sc16, sc16, 0x00);
            UNROLL for (int k = 0; k < 4; k++) {
                const __m256i scale = _mm256_shuffle_epi8(sch, WORD_SPLAT(2 * k, 2 * k + 1));
                UNROLL for (int t = 0; t < rows; t++) {
                    const __m256i yk = _mm256_loadu_si256((const __m256i *)(y[t]->qs + 128 * h + 32 * k));
                    sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(_mm256_maddubs_epi16(q[k], yk), scale));
                }
            }
        }
        const float wd = half(w[i].d);
        UNROLL for (int t = 0; t < rows; t++) {
            const float d = y[t]->d * wd;
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
            acc[t] = _mm256_add_ps(acc[t], _mm256_setr_ps(-32.0f * d * (float)offset[t], 0, 0, 0, 0, 0, 0, 0));
        }
    }
    UNROLL for (int t = 0; t < rows; t++) out[t] = hsum8(acc[t]);
}

/// Rows in groups of K_ROWS; each group size has its own inlined copy.
#define QUILL_AVX2_K(name) \
    AVX2_TARGET void quill_dot_##name##_avx2(const void *w, const void *x, int64_t stride, int count, int64_t n, float *out) { \
        for (int t = 0; t < count; t += K_ROWS) { \
            const void *xt = QUILL_ROW(x, stride, t); \
            switch (count - t) { \
            case 1: dot_##name##_rows(1, w, xt, stride, n, out + t); break; \
            case 2: dot_##name##_rows(2, w, xt, stride, n, out + t); break; \
            case 3: dot_##name##_rows(3, w, xt, stride, n, out + t); break; \
            case 4: dot_##name##_rows(4, w, xt, stride, n, out + t); break; \
            case 5: dot_##name##_rows(5, w, xt, stride, n, out + t); break; \
            case 6: dot_##name##_rows(6, w, xt, stride, n, out + t); break; \
            case 7: dot_##name##_rows(7, w, xt, stride, n, out + t); break; \
            default: dot_##name##_rows(8, w, xt, stride, n, out + t); break; \
            } \
        } \
    }
QUILL_AVX2_K(q4_K)
QUILL_AVX2_K(q5_K)
QUILL_AVX2_K(q6_K)

AVX2_TARGET float quill_dot_f32_avx2(const float *a, const float *b, int64_t n) { return dot_f32(a, b, n); }

AVX2_TARGET float quill_dot_f16_f32_avx2(const uint16_t *a, const float *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i))), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i + 8))), _mm256_loadu_ps(b + i + 8), s1);
    }
    float s = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += half(a[i]) * b[i];
    return s;
}

AVX2_TARGET void quill_axpy_f32_avx2(float a, const float *x, float *y, int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

#else
// Not x86: the scalar paths are always chosen; these keep the dispatch table linkable.
#define QUILL_UNUSED_AVX2(name) \
    void quill_dot_##name##_avx2(const void *w, const void *x, int64_t stride, int count, int64_t n, float *out) { \
        quill_dot_##name##_scalar(w, x, stride, count, n, out); \
    }
QUILL_DOT_KERNELS(QUILL_UNUSED_AVX2)
float quill_dot_f32_avx2(const float *a, const float *b, int64_t n) { return quill_dot_f32_scalar(a, b, n); }
float quill_dot_f16_f32_avx2(const uint16_t *a, const float *b, int64_t n) { return quill_dot_f16_f32_scalar(a, b, n); }
void quill_axpy_f32_avx2(float a, const float *x, float *y, int64_t n) { for (int64_t i = 0; i < n; i++) y[i] += a * x[i]; }
#endif
