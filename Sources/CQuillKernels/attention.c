// The two halves of attention over a KV cache, for the query heads that share one KV head
// (grouped-query attention): their scores against every cached key, and their weighted sums
// of the cached values. One call covers all positions and heads, where a call per position
// and head (quill_dot_f32, quill_axpy_f32) pays a call and a dispatch, reads each cached row
// once per head, and for the values stores and reloads the output row every time. The
// arithmetic is that of the per-position calls, in the same order, so the results are
// identical.
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"

static void scores_scalar(const float *q, int heads, const float *keys, int64_t stride, int64_t count, int64_t n,
                          float scale, float *scores, int64_t scores_stride) {
    for (int64_t j = 0; j < count; j++) {
        for (int h = 0; h < heads; h++) scores[h * scores_stride + j] = quill_dot_f32_scalar(q + h * n, keys + j * stride, n) * scale;
    }
}

static void values_scalar(const float *weights, int heads, int64_t weights_stride, const float *inverse, const float *values,
                          int64_t stride, int64_t count, int64_t n, float *out, int64_t out_stride) {
    for (int h = 0; h < heads; h++) {
        float *o = out + h * out_stride;
        const float *w = weights + h * weights_stride;
        const float f = inverse ? inverse[h] : 1;
        for (int64_t i = 0; i < n; i++) o[i] = 0;
        for (int64_t j = 0; j < count; j++) {
            const float wj = w[j] * f;
            for (int64_t i = 0; i < n; i++) o[i] += wj * values[j * stride + i];
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include "simd_avx2.h"

/// How many cached rows ahead the kernels prefetch.
#define PREFETCH_ROWS 8

AVX2_TARGET static void scores_avx2(const float *q, int heads, const float *keys, int64_t stride, int64_t count, int64_t n,
                                    float scale, float *scores, int64_t scores_stride) {
    // Heads inside: a key row is read from memory once and from L1 for the other heads.
    for (int64_t j = 0; j < count; j++) {
        // Long caches come from memory: ask for the row a few positions ahead (a prefetch
        // never faults, so running past the end is harmless).
        for (int64_t i = 0; i < n; i += 16) _mm_prefetch((const char *)(keys + (j + PREFETCH_ROWS) * stride + i), _MM_HINT_T0);
        for (int h = 0; h < heads; h++) scores[h * scores_stride + j] = dot_f32(q + h * n, keys + j * stride, n) * scale;
    }
}

/// Output elements [i, i + 8·VECTORS) of HEADS heads, held in registers over all positions:
/// each value vector is loaded once for all the heads, and each position adds one fma per
/// element, as quill_axpy_f32_avx2 does. Head h's weights are multiplied by f[h] as they are
/// read (1 when the weights are already normalized: exact).
__attribute__((always_inline)) AVX2_TARGET static inline void
values_run(const float *weights, int64_t weights_stride, const float *f, const float *values, int64_t stride, int64_t count,
           float *out, int64_t out_stride, int64_t i, const int HEADS, const int VECTORS) {
    __m256 acc[3][4];
    for (int h = 0; h < HEADS; h++) {
        for (int k = 0; k < VECTORS; k++) acc[h][k] = _mm256_setzero_ps();
    }
    for (int64_t j = 0; j < count; j++) {
        for (int k = 0; k < VECTORS; k += 2) _mm_prefetch((const char *)(values + (j + PREFETCH_ROWS) * stride + i + 8 * k), _MM_HINT_T0);
        // The weights first, then one value vector at a time: 12 accumulators, 3 weights and
        // 1 value fill the 16 registers without spilling.
        __m256 w[3];
        for (int h = 0; h < HEADS; h++) w[h] = _mm256_set1_ps(weights[h * weights_stride + j] * f[h]);
        for (int k = 0; k < VECTORS; k++) {
            const __m256 v = _mm256_loadu_ps(values + j * stride + i + 8 * k);
            for (int h = 0; h < HEADS; h++) acc[h][k] = _mm256_fmadd_ps(w[h], v, acc[h][k]);
        }
    }
    for (int h = 0; h < HEADS; h++) {
        for (int k = 0; k < VECTORS; k++) _mm256_storeu_ps(out + h * out_stride + i + 8 * k, acc[h][k]);
    }
}

/// Up to three heads at a time (twelve accumulators and four value vectors fill the sixteen
/// registers), 32 elements at a time, then 8 at a time, then the scalar tail.
__attribute__((always_inline)) AVX2_TARGET static inline void
values_heads(const float *weights, int64_t weights_stride, const float *f, const float *values, int64_t stride, int64_t count,
             int64_t n, float *out, int64_t out_stride, const int HEADS) {
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) values_run(weights, weights_stride, f, values, stride, count, out, out_stride, i, HEADS, 4);
    for (; i + 8 <= n; i += 8) values_run(weights, weights_stride, f, values, stride, count, out, out_stride, i, HEADS, 1);
    for (; i < n; i++) {
        for (int h = 0; h < HEADS; h++) {
            float s = 0;
            for (int64_t j = 0; j < count; j++) s += weights[h * weights_stride + j] * f[h] * values[j * stride + i];
            out[h * out_stride + i] = s;
        }
    }
}

AVX2_TARGET static void values_avx2(const float *weights, int heads, int64_t weights_stride, const float *inverse,
                                    const float *values, int64_t stride, int64_t count, int64_t n, float *out, int64_t out_stride) {
    float f[3];
    int h = 0;
    for (; h < heads; h += 3) {
        const int group = heads - h < 3 ? heads - h : 3;
        for (int g = 0; g < group; g++) f[g] = inverse ? inverse[h + g] : 1;
        const float *w = weights + h * weights_stride;
        float *o = out + h * out_stride;
        if (group == 3) values_heads(w, weights_stride, f, values, stride, count, n, o, out_stride, 3);
        if (group == 2) values_heads(w, weights_stride, f, values, stride, count, n, o, out_stride, 2);
        if (group == 1) values_heads(w, weights_stride, f, values, stride, count, n, o, out_stride, 1);
    }
}
#endif

void quill_attention_scores(const float *q, int heads, const float *keys, int64_t stride, int64_t count, int64_t n,
                            float scale, float *scores, int64_t scores_stride) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { scores_avx2(q, heads, keys, stride, count, n, scale, scores, scores_stride); return; }
#endif
    scores_scalar(q, heads, keys, stride, count, n, scale, scores, scores_stride);
}

void quill_attention_values(const float *weights, int heads, int64_t weights_stride, const float *inverse, const float *values,
                            int64_t stride, int64_t count, int64_t n, float *out, int64_t out_stride) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { values_avx2(weights, heads, weights_stride, inverse, values, stride, count, n, out, out_stride); return; }
#endif
    values_scalar(weights, heads, weights_stride, inverse, values, stride, count, n, out, out_stride);
}
