// The two halves of attention over a KV cache: the query heads' scores against every cached
// key, and their weighted sums of the cached values (grouped-query attention: the heads that
// share a KV head meet its part of each row together, and a call may cover every KV head of
// the row). One call covers all positions and heads, where a call per position and head
// (quill_dot_f32, quill_axpy_f32) pays a call and a dispatch, reads each cached row once per
// head, and for the values stores and reloads the output row every time. The arithmetic is
// that of the per-position calls, in the same order, so the results are identical. A
// half-precision cache is read through the same kernels, each element widened to f32 (exact)
// as it is loaded: half the bytes to read, and the f32 arithmetic.
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"

/// Element i of a cached row: f32, or (half) f16.
static inline float kv_element(const void *row, int64_t i, int half) {
    return half ? quill_f16_to_f32(((const uint16_t *)row)[i]) : ((const float *)row)[i];
}

static void scores_scalar(const float *q, int heads, int kv_heads, const void *keys, int half, int64_t stride, int64_t count,
                          int64_t n, float scale, float *scores, int64_t scores_stride) {
    const size_t element = half ? 2 : 4;
    const int group = heads / kv_heads;
    float row[kv_heads * n];
    for (int64_t j = 0; j < count; j++) {
        const void *key = (const char *)keys + j * stride * element;
        for (int64_t i = 0; i < kv_heads * n; i++) row[i] = kv_element(key, i, half);
        for (int h = 0; h < heads; h++) {
            scores[h * scores_stride + j] = quill_dot_f32_scalar(q + h * n, row + (h / group) * n, n) * scale;
        }
    }
}

static void values_scalar(const float *weights, int heads, int kv_heads, int64_t weights_stride, const float *inverse,
                          const void *values, int half, int64_t stride, int64_t count, int64_t n, int64_t first, int64_t last,
                          float *out, int64_t out_stride) {
    const size_t element = half ? 2 : 4;
    const int group = heads / kv_heads;
    for (int64_t e = first; e < last; e++) {
        const int64_t g = e / n, i = e % n;
        for (int64_t h = g * group; h < (g + 1) * group; h++) {
            const float *w = weights + h * weights_stride;
            const float f = inverse ? inverse[h] : 1;
            float o = 0;
            for (int64_t j = 0; j < count; j++) {
                const float wj = w[j] * f;
                o += wj * kv_element((const char *)values + j * stride * element, e, half);
            }
            out[h * out_stride + i] = o;
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include "simd_avx2.h"

/// How many cached rows ahead the kernels prefetch.
#define PREFETCH_ROWS 8

/// Asks for the bytes of cached row j + PREFETCH_ROWS (of n elements, `element` bytes each):
/// long caches come from memory, and a prefetch never faults, so running past the end is
/// harmless.
__attribute__((always_inline)) static inline void prefetch_row(const void *rows, int64_t j, int64_t stride, int64_t first,
                                                               int64_t n, size_t element) {
    const char *p = (const char *)rows + ((j + PREFETCH_ROWS) * stride + first) * (int64_t)element;
    for (int64_t b = 0; b < n * (int64_t)element; b += 64) _mm_prefetch(p + b, _MM_HINT_T0);
}

__attribute__((always_inline)) AVX2_TARGET static inline void
scores_avx2(const float *q, int heads, int kv_heads, const void *keys, int64_t stride, int64_t count, int64_t n, float scale,
            float *scores, int64_t scores_stride, const int HALF) {
    const size_t element = HALF ? 2 : 4;
    const int group = heads / kv_heads;
    // Positions outside, heads inside: each cached row (every KV head's part of it) is read
    // from memory once, in address order, and from L1 for the heads that share it.
    int64_t j = 0;
    // Two positions at a time: two independent dot products in flight per head.
    for (; j + 2 <= count; j += 2) {
        prefetch_row(keys, j, stride, 0, kv_heads * n, element);
        prefetch_row(keys, j + 1, stride, 0, kv_heads * n, element);
        for (int g = 0; g < kv_heads; g++) {
            const char *key = (const char *)keys + (j * stride + g * n) * (int64_t)element;
            for (int h = g * group; h < (g + 1) * group; h++) {
                float s0, s1;
                dot2_f32_kv(q + h * n, key, key + stride * (int64_t)element, n, HALF, &s0, &s1);
                scores[h * scores_stride + j] = s0 * scale;
                scores[h * scores_stride + j + 1] = s1 * scale;
            }
        }
    }
    for (; j < count; j++) {
        prefetch_row(keys, j, stride, 0, kv_heads * n, element);
        for (int g = 0; g < kv_heads; g++) {
            const void *key = (const char *)keys + (j * stride + g * n) * (int64_t)element;
            for (int h = g * group; h < (g + 1) * group; h++) scores[h * scores_stride + j] = dot_f32_kv(q + h * n, key, n, HALF) * scale;
        }
    }
}

/// Positions per block of the values kernels: every slice of a row that a call covers is
/// summed over one block (its rows stay in L1) before the next block is read.
#define VALUES_BLOCK 64

/// Elements [e, e + 8·VECTORS) of the cached rows, output elements [i, i + 8·VECTORS) of HEADS
/// heads, summed over positions [j0, j1) in registers and added to the sums of the earlier
/// blocks (stored in `out`; exact): each value vector is loaded once for all the heads, and
/// each position adds one fma per element, as quill_axpy_f32_avx2 does. Head h's weights
/// are multiplied by f[h] as they are read (1 when the weights are already normalized: exact).
__attribute__((always_inline)) AVX2_TARGET static inline void
values_run(const float *weights, int64_t weights_stride, const float *f, const void *values, int64_t stride, int64_t j0, int64_t j1,
           float *out, int64_t out_stride, int64_t e, int64_t i, const int HEADS, const int VECTORS, const int HALF) {
    __m256 acc[3][4];
    for (int h = 0; h < HEADS; h++) {
        for (int k = 0; k < VECTORS; k++) acc[h][k] = j0 == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(out + h * out_stride + i + 8 * k);
    }
    for (int64_t j = j0; j < j1; j++) {
        prefetch_row(values, j, stride, e, 8 * VECTORS, HALF ? 2 : 4);
        // The weights first, then one value vector at a time: 12 accumulators, 3 weights and
        // 1 value fill the 16 registers without spilling.
        __m256 w[3];
        for (int h = 0; h < HEADS; h++) w[h] = _mm256_set1_ps(weights[h * weights_stride + j] * f[h]);
        for (int k = 0; k < VECTORS; k++) {
            const __m256 v = load8(values, j * stride + e + 8 * k, HALF);
            for (int h = 0; h < HEADS; h++) acc[h][k] = _mm256_fmadd_ps(w[h], v, acc[h][k]);
        }
    }
    for (int h = 0; h < HEADS; h++) {
        for (int k = 0; k < VECTORS; k++) _mm256_storeu_ps(out + h * out_stride + i + 8 * k, acc[h][k]);
    }
}

/// Row elements [e0, e1) (output elements from i0) of up to three heads (twelve accumulators
/// and four value vectors fill the sixteen registers) over positions [j0, j1): 32 elements at
/// a time, then 8 at a time, then the scalar tail.
__attribute__((always_inline)) AVX2_TARGET static inline void
values_heads(const float *weights, int64_t weights_stride, const float *f, const void *values, int64_t stride, int64_t j0, int64_t j1,
             int64_t e0, int64_t e1, int64_t i0, float *out, int64_t out_stride, const int HEADS, const int HALF) {
    int64_t e = e0;
    for (; e + 32 <= e1; e += 32) values_run(weights, weights_stride, f, values, stride, j0, j1, out, out_stride, e, i0 + e - e0, HEADS, 4, HALF);
    for (; e + 8 <= e1; e += 8) values_run(weights, weights_stride, f, values, stride, j0, j1, out, out_stride, e, i0 + e - e0, HEADS, 1, HALF);
    for (; e < e1; e++) {
        const int64_t i = i0 + e - e0;
        for (int h = 0; h < HEADS; h++) {
            float s = j0 == 0 ? 0 : out[h * out_stride + i];
            for (int64_t j = j0; j < j1; j++) s += weights[h * weights_stride + j] * f[h] * load1(values, j * stride + e, HALF);
            out[h * out_stride + i] = s;
        }
    }
}

__attribute__((always_inline)) AVX2_TARGET static inline void
values_avx2(const float *weights, int heads, int kv_heads, int64_t weights_stride, const float *inverse, const void *values,
            int64_t stride, int64_t count, int64_t n, int64_t first, int64_t last, float *out, int64_t out_stride, const int HALF) {
    const int group = heads / kv_heads;
    float f[3];
    // One block even for no positions, so the outputs are written (zeros).
    for (int64_t j0 = 0; j0 == 0 || j0 < count; j0 += VALUES_BLOCK) {
        const int64_t j1 = count < j0 + VALUES_BLOCK ? count : j0 + VALUES_BLOCK;
        // The range's part in each KV head, and that head's query heads three at a time.
        for (int64_t e = first; e < last;) {
            const int64_t g = e / n, end = last < (g + 1) * n ? last : (g + 1) * n;
            for (int64_t h = g * group; h < (g + 1) * group; h += 3) {
                const int chunk = (g + 1) * group - h < 3 ? (int)((g + 1) * group - h) : 3;
                for (int c = 0; c < chunk; c++) f[c] = inverse ? inverse[h + c] : 1;
                const float *w = weights + h * weights_stride;
                float *o = out + h * out_stride;
                if (chunk == 3) values_heads(w, weights_stride, f, values, stride, j0, j1, e, end, e - g * n, o, out_stride, 3, HALF);
                if (chunk == 2) values_heads(w, weights_stride, f, values, stride, j0, j1, e, end, e - g * n, o, out_stride, 2, HALF);
                if (chunk == 1) values_heads(w, weights_stride, f, values, stride, j0, j1, e, end, e - g * n, o, out_stride, 1, HALF);
            }
            e = end;
        }
    }
}

// One copy of each kernel per cache type, with the type a constant inside.
AVX2_TARGET static void scores_any_avx2(const float *q, int heads, int kv_heads, const void *keys, int half, int64_t stride,
                                        int64_t count, int64_t n, float scale, float *scores, int64_t scores_stride) {
    if (half) scores_avx2(q, heads, kv_heads, keys, stride, count, n, scale, scores, scores_stride, 1);
    else scores_avx2(q, heads, kv_heads, keys, stride, count, n, scale, scores, scores_stride, 0);
}
AVX2_TARGET static void values_any_avx2(const float *weights, int heads, int kv_heads, int64_t weights_stride,
                                        const float *inverse, const void *values, int half, int64_t stride, int64_t count,
                                        int64_t n, int64_t first, int64_t last, float *out, int64_t out_stride) {
    if (half) values_avx2(weights, heads, kv_heads, weights_stride, inverse, values, stride, count, n, first, last, out, out_stride, 1);
    else values_avx2(weights, heads, kv_heads, weights_stride, inverse, values, stride, count, n, first, last, out, out_stride, 0);
}

AVX2_TARGET static void f32_to_f16_avx2(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < n; i++) y[i] = quill_f32_to_f16(x[i]);
}
#endif

/// The AVX2 kernels when in use, else the scalar ones; `half` says the cache's type.
void quill_attention_scores_any(const float *q, int heads, int kv_heads, const void *keys, int half, int64_t stride, int64_t count,
                       int64_t n, float scale, float *scores, int64_t scores_stride) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { scores_any_avx2(q, heads, kv_heads, keys, half, stride, count, n, scale, scores, scores_stride); return; }
#endif
    scores_scalar(q, heads, kv_heads, keys, half, stride, count, n, scale, scores, scores_stride);
}

void quill_attention_values_any(const float *weights, int heads, int kv_heads, int64_t weights_stride, const float *inverse,
                       const void *values, int half, int64_t stride, int64_t count, int64_t n, int64_t first, int64_t last,
                       float *out, int64_t out_stride) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) {
        values_any_avx2(weights, heads, kv_heads, weights_stride, inverse, values, half, stride, count, n, first, last, out, out_stride);
        return;
    }
#endif
    values_scalar(weights, heads, kv_heads, weights_stride, inverse, values, half, stride, count, n, first, last, out, out_stride);
}

void quill_attention_scores(const float *q, int heads, int kv_heads, const float *keys, int64_t stride, int64_t count, int64_t n,
                            float scale, float *scores, int64_t scores_stride) {
    quill_attention_scores_any(q, heads, kv_heads, keys, 0, stride, count, n, scale, scores, scores_stride);
}

void quill_attention_scores_f16(const float *q, int heads, int kv_heads, const uint16_t *keys, int64_t stride, int64_t count,
                                int64_t n, float scale, float *scores, int64_t scores_stride) {
    quill_attention_scores_any(q, heads, kv_heads, keys, 1, stride, count, n, scale, scores, scores_stride);
}

void quill_attention_values(const float *weights, int heads, int kv_heads, int64_t weights_stride, const float *inverse,
                            const float *values, int64_t stride, int64_t count, int64_t n, int64_t first, int64_t last,
                            float *out, int64_t out_stride) {
    quill_attention_values_any(weights, heads, kv_heads, weights_stride, inverse, values, 0, stride, count, n, first, last, out, out_stride);
}

void quill_attention_values_f16(const float *weights, int heads, int kv_heads, int64_t weights_stride, const float *inverse,
                                const uint16_t *values, int64_t stride, int64_t count, int64_t n, int64_t first, int64_t last,
                                float *out, int64_t out_stride) {
    quill_attention_values_any(weights, heads, kv_heads, weights_stride, inverse, values, 1, stride, count, n, first, last, out, out_stride);
}

void quill_f32_to_f16_row(const float *x, uint16_t *y, int64_t n) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { f32_to_f16_avx2(x, y, n); return; }
#endif
    for (int64_t i = 0; i < n; i++) y[i] = quill_f32_to_f16(x[i]);
}
