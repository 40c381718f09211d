// The two implementations of every dot product; dot_dispatch.c picks one per call.
#ifndef QUILL_DOT_PATHS_H
#define QUILL_DOT_PATHS_H
#include <stdint.h>

#define QUILL_DOT_KERNELS(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0) X(q4_K) X(q5_K) X(q6_K)

#define QUILL_DECLARE_PATHS(name) \
    void quill_dot_##name##_scalar(const void *w, const void *x, int64_t x_stride, int count, int64_t n, float *out); \
    void quill_dot_##name##_avx2(const void *w, const void *x, int64_t x_stride, int count, int64_t n, float *out);
QUILL_DOT_KERNELS(QUILL_DECLARE_PATHS)
#undef QUILL_DECLARE_PATHS

#define QUILL_TILE_KERNELS(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0)

#define QUILL_DECLARE_TILE_PATHS(name) \
    void quill_tile_dot_##name##_scalar(const void *w, int64_t w_stride, int rows, const void *tile, int count, int64_t n, float *out, int64_t out_stride); \
    void quill_tile_dot_##name##_avx2(const void *w, int64_t w_stride, int rows, const void *tile, int count, int64_t n, float *out, int64_t out_stride);
QUILL_TILE_KERNELS(QUILL_DECLARE_TILE_PATHS)
#undef QUILL_DECLARE_TILE_PATHS

#define QUILL_ROWS_KERNELS(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0)

#define QUILL_DECLARE_ROWS_PATHS(name) \
    void quill_rows_dot_##name##_scalar(const void *w, int64_t w_stride, int rows, const void *x, int64_t n, float *out); \
    void quill_rows_dot_##name##_avx2(const void *w, int64_t w_stride, int rows, const void *x, int64_t n, float *out);
QUILL_ROWS_KERNELS(QUILL_DECLARE_ROWS_PATHS)
#undef QUILL_DECLARE_ROWS_PATHS

float quill_dot_f32_scalar(const float *a, const float *b, int64_t n);
float quill_dot_f32_avx2(const float *a, const float *b, int64_t n);
float quill_dot_f16_f32_scalar(const uint16_t *a, const float *b, int64_t n);
float quill_dot_f16_f32_avx2(const uint16_t *a, const float *b, int64_t n);
void quill_axpy_f32_avx2(float a, const float *x, float *y, int64_t n);

/// The attention kernels over either cache type (attention.c): quill_attention_scores(_f16)
/// and quill_attention_values(_f16), with `half` saying which.
void quill_attention_scores_any(const float *q, int heads, int kv_heads, const void *keys, int half, int64_t stride, int64_t count,
                                int64_t n, float scale, float *scores, int64_t scores_stride);
void quill_attention_values_any(const float *weights, int heads, int kv_heads, int64_t weights_stride, const float *inverse,
                                const void *values, int half, int64_t stride, int64_t count, int64_t n, int64_t first, int64_t last,
                                float *out, int64_t out_stride);

/// Activation row t of a multi-row dot product.
#define QUILL_ROW(x, stride, t) ((const void *)((const char *)(x) + (int64_t)(t) * (stride)))
#endif
