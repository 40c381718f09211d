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

/// Sum over sub-blocks of mins[j] times the activation sum of sub-block j (two bsums each).
static inline int k4_min_sum(const uint8_t *mins, const int16_t *bsums) {
    int s = 0;
    for (int j = 0; j < 8; j++) s += mins[j] * (bsums[2 * j] + bsums[2 * j + 1]);
    return s;
}

/// One Q4_K or Q5_K super-block times a q8_K block, added to `acc`; the minimums' term is
/// added to `*mins`. `qh` is the Q5_K fifth-bit plane, NULL for Q4_K (the branch folds away
/// when this is inlined into each caller).
__attribute__((always_inline)) AVX2_TARGET static inline __m256
k45_block(uint16_t d, uint16_t dmin, const uint8_t *scales, const uint8_t *qh, const uint8_t *qs,
          const block_q8_K *x, __m256 acc, float *mins) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    uint8_t sc[8], mn[8];
    for (int j = 0; j < 8; j++) quill_scale_min_k4(j, scales, &sc[j], &mn[j]);
    const __m256i high = qh ? _mm256_loadu_si256((const __m256i *)qh) : _mm256_setzero_si256();
    __m256i sumi = _mm256_setzero_si256();
    for (int k = 0; k < 4; k++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * k));
        __m256i lo = _mm256_and_si256(q, low4);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        if (qh) {
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2 * k), one), 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2 * k + 1), one), 4));
        }
        const __m256i y0 = _mm256_loadu_si256((const __m256i *)(x->qs + 64 * k));
        const __m256i y1 = _mm256_loadu_si256((const __m256i *)(x->qs + 64 * k + 32));
        const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, y0), _mm256_set1_epi16(sc[2 * k]));
        const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, y1), _mm256_set1_epi16(sc[2 * k + 1]));
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
    }
    *mins += x->d * half(dmin) * (float)k4_min_sum(mn, x->bsums);
    return _mm256_fmadd_ps(_mm256_set1_ps(x->d * half(d)), _mm256_cvtepi32_ps(sumi), acc);
}

AVX2_TARGET static float dot_q4_K_row(const void *vw, const void *vx, int64_t n) {
    const block_q4_K *w = vw; const block_q8_K *x = vx;
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int64_t i = 0; i < n / QK_K; i++) acc = k45_block(w[i].d, w[i].dmin, w[i].scales, NULL, w[i].qs, &x[i], acc, &mins);
    return hsum8(acc) - mins;
}

AVX2_TARGET static float dot_q5_K_row(const void *vw, const void *vx, int64_t n) {
    const block_q5_K *w = vw; const block_q8_K *x = vx;
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int64_t i = 0; i < n / QK_K; i++) acc = k45_block(w[i].d, w[i].dmin, w[i].scales, w[i].qh, w[i].qs, &x[i], acc, &mins);
    return hsum8(acc) - mins;
}

AVX2_TARGET static float dot_q6_K_row(const void *vw, const void *vx, int64_t n) {
    const block_q6_K *w = vw; const block_q8_K *x = vx;
    __m256 acc = _mm256_setzero_ps();
    const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(0x03);
    for (int64_t i = 0; i < n / QK_K; i++) {
        const int8_t *scales = w[i].scales;
        // The stored values are 6-bit unsigned; their -32 offset is applied once per
        // 16-lane group through the activation sums.
        int offset = 0;
        for (int g = 0; g < 16; g++) offset += scales[g] * x[i].bsums[g];
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w[i].ql + 64 * h, *qhp = w[i].qh + 32 * h;
            const int8_t *sc = scales + 8 * h, *y = x[i].qs + 128 * h;
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i qh = _mm256_loadu_si256((const __m256i *)qhp);
            const __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, low4), _mm256_slli_epi16(_mm256_and_si256(qh, low2), 4)),
                _mm256_or_si256(_mm256_and_si256(l1, low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), low2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), low2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), low2), 4)),
            };
            for (int k = 0; k < 4; k++) {
                const __m256i yk = _mm256_loadu_si256((const __m256i *)(y + 32 * k));
                const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q[k], yk), scale));
            }
        }
        const float d = x[i].d * half(w[i].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        acc = _mm256_add_ps(acc, _mm256_setr_ps(-32.0f * d * (float)offset, 0, 0, 0, 0, 0, 0, 0));
    }
    return hsum8(acc);
}

#define QUILL_AVX2_K(name) \
    AVX2_TARGET void quill_dot_##name##_avx2(const void *w, const void *x, int64_t stride, int count, int64_t n, float *out) { \
        for (int t = 0; t < count; t++) out[t] = dot_##name##_row(w, QUILL_ROW(x, stride, t), n); \
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
