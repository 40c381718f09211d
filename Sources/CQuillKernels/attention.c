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

static void values_scalar(const float *weights, int heads, int64_t weights_stride, const float *values, int64_t stride,
                          int64_t count, int64_t n, float *out) {
    for (int h = 0; h < heads; h++) {
        float *o = out + h * n;
        const float *w = weights + h * weights_stride;
        for (int64_t i = 0; i < n; i++) o[i] = 0;
        for (int64_t j = 0; j < count; j++) {
            for (int64_t i = 0; i < n; i++) o[i] += w[j] * values[j * stride + i];
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include "simd_avx2.h"

AVX2_TARGET static void scores_avx2(const float *q, int heads, const float *keys, int64_t stride, int64_t count, int64_t n,
                                    float scale, float *scores, int64_t scores_stride) {
    // Heads inside: a key row is read from memory once and from L1 for the other heads.
    for (int64_t j = 0; j < count; j++) {
        for (int h = 0; h < heads; h++) scores[h * scores_stride + j] = dot_f32(q + h * n, keys + j * stride, n) * scale;
    }
}

/// Output elements [i, i + 8·VECTORS) of HEADS heads, held in registers over all positions:
/// each value vector is loaded once for all the heads, and each position adds one fma per
/// element, as quill_axpy_f32_avx2 does.
__attribute__((always_inline)) AVX2_TARGET static inline void
values_run(const float *weights, int64_t weights_stride, const float *values, int64_t stride, int64_t count, int64_t n,
           float *out, int64_t i, const int HEADS, const int VECTORS) {
    __m256 acc[3][4];
    for (int h = 0; h < HEADS; h++) {
        for (int k = 0; k < VECTORS; k++) acc[h][k] = _mm256_setzero_ps();
    }
    for (int64_t j = 0; j < count; j++) {
        __m256 v[4];
        for (int k = 0; k < VECTORS; k++) v[k] = _mm256_loadu_ps(values + j * stride + i + 8 * k);
        for (int h = 0; h < HEADS; h++) {
            const __m256 w = _mm256_set1_ps(weights[h * weights_stride + j]);
            for (int k = 0; k < VECTORS; k++) acc[h][k] = _mm256_fmadd_ps(w, v[k], acc[h][k]);
        }
    }
    for (int h = 0; h < HEADS; h++) {
        for (int k = 0; k < VECTORS; k++) _mm256_storeu_ps(out + h * n + i + 8 * k, acc[h][k]);
    }
}

/// Up to three heads at a time (twelve accumulators and four value vectors fill the sixteen
/// registers), 32 elements at a time, then 8 at a time, then the scalar tail.
__attribute__((always_inline)) AVX2_TARGET static inline void
values_heads(const float *weights, int64_t weights_stride, const float *values, int64_t stride, int64_t count, int64_t n,
             float *out, const int HEADS) {
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) values_run(weights, weights_stride, values, stride, count, n, out, i, HEADS, 4);
    for (; i + 8 <= n; i += 8) values_run(weights, weights_stride, values, stride, count, n, out, i, HEADS, 1);
    for (; i < n; i++) {
        for (int h = 0; h < HEADS; h++) {
            float s = 0;
            for (int64_t j = 0; j < count; j++) s += weights[h * weights_stride + j] * values[j * stride + i];
            out[h * n + i] = s;
        }
    }
}

AVX2_TARGET static void values_avx2(const float *weights, int heads, int64_t weights_stride, const float *values,
                                    int64_t stride, int64_t count, int64_t n, float *out) {
    int h = 0;
    for (; h + 3 <= heads; h += 3) values_heads(weights + h * weights_stride, weights_stride, values, stride, count, n, out + h * n, 3);
    if (heads - h == 2) values_heads(weights + h * weights_stride, weights_stride, values, stride, count, n, out + h * n, 2);
    if (heads - h == 1) values_heads(weights + h * weights_stride, weights_stride, values, stride, count, n, out + h * n, 1);
}
#endif

void quill_attention_scores(const float *q, int heads, const float *keys, int64_t stride, int64_t count, int64_t n,
                            float scale, float *scores, int64_t scores_stride) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { scores_avx2(q, heads, keys, stride, count, n, scale, scores, scores_stride); return; }
#endif
    scores_scalar(q, heads, keys, stride, count, n, scale, scores, scores_stride);
}

void quill_attention_values(const float *weights, int heads, int64_t weights_stride, const float *values, int64_t stride,
                            int64_t count, int64_t n, float *out) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { values_avx2(weights, heads, weights_stride, values, stride, count, n, out); return; }
#endif
    values_scalar(weights, heads, weights_stride, values, stride, count, n, out);
}
