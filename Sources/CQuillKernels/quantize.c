// Activation quantizers: the float side of every quantized dot product is turned into
// 8-bit blocks once per matrix-vector product, as ggml does.
#include "quill_kernels.h"
#include "blocks.h"
#include <math.h>
#include <string.h>

static inline float block_amax(const float *x, int n) {
    float amax = 0;
    for (int j = 0; j < n; j++) {
        float a = fabsf(x[j]);
        if (a > amax) amax = a;
    }
    return amax;
}

static void quantize_a8_block_scalar(const float *x, block_a8 *y) {
    const float d = block_amax(x, QK) / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int j = 0; j < QK; j++) {
        const int q = (int)lrintf(x[j] * id);
        y->qs[j] = (int8_t)q;
        sum += q;
    }
    y->d = d;
    y->s = (float)sum * d;
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/// The scalar block quantizer's arithmetic, eight lanes at a time: the same scale and inverse,
/// and vcvtps2dq rounds to nearest even as lrintf does, so the blocks are identical. Returns
/// the 32 quantized values in order, with the scale and the integer sum.
AVX2_TARGET static inline __m256i quantize32_avx2(const float *x, float *scale, int *total) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 v[4], amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        // amax second: vmaxps returns it when the new lane is NaN, as the scalar loop skips NaN.
        amax = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), amax);
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float d = _mm_cvtss_f32(m) / 127.0f;
    const __m256 id = _mm256_set1_ps(d != 0 ? 1.0f / d : 0.0f);
    __m256i q[4];
    for (int k = 0; k < 4; k++) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], id));
    const __m256i sum4 = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum4), _mm256_extracti128_si256(sum4, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    *scale = d;
    *total = _mm_cvtsi128_si32(s);
    // Packing works within 128-bit halves; the permutation restores element order.
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    return _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

AVX2_TARGET static void quantize_a8_block_avx2(const float *x, block_a8 *y) {
    int sum;
    _mm256_storeu_si256((__m256i *)y->qs, quantize32_avx2(x, &y->d, &sum));
    y->s = (float)sum * y->d;
}

/// Quantizes four rows' blocks and transposes their 4-byte lanes (within each 128-bit half)
/// into the group's four vectors.
AVX2_TARGET static void quantize_a8_tile_avx2(const float *x, int64_t x_stride, int count, int64_t n, block_a8x8 *y) {
    for (int64_t i = 0; i < n / QK; i++) {
        block_a8x8 *b = &y[i];
        for (int g = 0; g < 2; g++) {
            __m256i q[4];
            for (int r = 0; r < 4; r++) {
                const int t = 4 * g + r;
                float d = 0;
                int sum = 0;
                q[r] = t < count ? quantize32_avx2(x + t * x_stride + i * QK, &d, &sum) : _mm256_setzero_si256();
                b->d[g][r] = b->d[g][4 + r] = d;
                b->s[t] = (float)sum * d;
            }
            const __m256i t0 = _mm256_unpacklo_epi32(q[0], q[1]), t1 = _mm256_unpackhi_epi32(q[0], q[1]);
            const __m256i t2 = _mm256_unpacklo_epi32(q[2], q[3]), t3 = _mm256_unpackhi_epi32(q[2], q[3]);
            _mm256_storeu_si256((__m256i *)b->qs[g][0], _mm256_unpacklo_epi64(t0, t2));
            _mm256_storeu_si256((__m256i *)b->qs[g][1], _mm256_unpackhi_epi64(t0, t2));
            _mm256_storeu_si256((__m256i *)b->qs[g][2], _mm256_unpacklo_epi64(t1, t3));
            _mm256_storeu_si256((__m256i *)b->qs[g][3], _mm256_unpackhi_epi64(t1, t3));
        }
    }
}
#endif

void quill_quantize_a8(const float *x, void *out, int64_t n) {
    block_a8 *y = out;
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) {
        for (int64_t i = 0; i < n / QK; i++) quantize_a8_block_avx2(x + i * QK, &y[i]);
        return;
    }
#endif
    for (int64_t i = 0; i < n / QK; i++) quantize_a8_block_scalar(x + i * QK, &y[i]);
}

void quill_quantize_a8_tile(const float *x, int64_t x_stride, int count, int64_t n, void *tile) {
    block_a8x8 *y = tile;
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { quantize_a8_tile_avx2(x, x_stride, count, n, y); return; }
#endif
    for (int64_t i = 0; i < n / QK; i++) {
        block_a8x8 *b = &y[i];
        for (int t = 0; t < QUILL_TILE_ROWS; t++) {
            block_a8 a;
            if (t < count) {
                quantize_a8_block_scalar(x + t * x_stride + i * QK, &a);
            } else {
                memset(&a, 0, sizeof a);
            }
            b->d[t / 4][t % 4] = b->d[t / 4][4 + t % 4] = a.d;
            b->s[t] = a.s;
            // Each 4-element run of the row lands in one 4-byte slot.
            for (int e = 0; e < QK; e += 4) memcpy(quill_a8x8_lane(b, t, e), &a.qs[e], 4);
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
/// One q8_K block, eight lanes at a time, identical to the scalar loop below: the signed
/// extreme is the first element of the largest magnitude, the products are the same, and
/// vcvtps2dq rounds to nearest even as lrintf does. Returns 0 (block left unwritten) for an
/// all-zero block, which the scalar path handles.
AVX2_TARGET static int quantize_q8_K_block_avx2(const float *x, block_q8_K *y) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 amax8 = _mm256_setzero_ps();
    for (int j = 0; j < QK_K; j += 8) amax8 = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), amax8);
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax8), _mm256_extractf128_ps(amax8, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float amax = _mm_cvtss_f32(m);
    if (amax == 0) return 0;
    const __m256 target = _mm256_set1_ps(amax);
    float max = 0;
    for (int j = 0; j < QK_K; j += 8) {
        const int hits = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), target, _CMP_EQ_OQ));
        if (hits) { max = x[j + __builtin_ctz(hits)]; break; }
    }
    const float iscale = -127.0f / max;
    const __m256 vscale = _mm256_set1_ps(iscale);
    const __m256i top = _mm256_set1_epi32(127);
    for (int j = 0; j < QK_K; j += 32) {
        __m256i q[4];
        for (int k = 0; k < 4; k++) {
            q[k] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(vscale, _mm256_loadu_ps(x + j + 8 * k))), top);
        }
        // Sums of the two 16-element groups (the values fit int16 sums exactly).
        for (int g = 0; g < 2; g++) {
            __m256i s = _mm256_add_epi32(q[2 * g], q[2 * g + 1]);
            __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            h = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 1));
            y->bsums[j / 16 + g] = (int16_t)_mm_cvtsi128_si32(h);
        }
        const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256((__m256i *)(y->qs + j), _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    }
    y->d = 1.0f / iscale;
    return 1;
}
#endif

void quill_quantize_q8_K(const float *x, void *out, int64_t n) {
    block_q8_K *y = out;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
#if defined(__x86_64__) || defined(__i386__)
        if (quill_use_avx2() && quantize_q8_K_block_avx2(x, &y[i])) continue;
#endif
        // Scale by the signed extreme so it maps to exactly -127 (ggml does the same).
        float amax = 0, max = 0;
        for (int j = 0; j < QK_K; j++) {
            const float a = fabsf(x[j]);
            if (a > amax) { amax = a; max = x[j]; }
        }
        if (amax == 0) {
            y[i].d = 0;
            for (int j = 0; j < QK_K; j++) y[i].qs[j] = 0;
            for (int j = 0; j < QK_K / 16; j++) y[i].bsums[j] = 0;
            continue;
        }
        const float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; j++) {
            int v = (int)lrintf(iscale * x[j]);
            y[i].qs[j] = (int8_t)(v > 127 ? 127 : v);
        }
        for (int j = 0; j < QK_K / 16; j++) {
            int sum = 0;
            for (int k = 0; k < 16; k++) sum += y[i].qs[j * 16 + k];
            y[i].bsums[j] = (int16_t)sum;
        }
        y[i].d = 1.0f / iscale;
    }
}
