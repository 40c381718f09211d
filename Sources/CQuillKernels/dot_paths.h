// The two implementations of every dot product; dot_dispatch.c picks one per call.
#ifndef QUILL_DOT_PATHS_H
#define QUILL_DOT_PATHS_H
#include <stdint.h>

#define QUILL_DOT_KERNELS(X) \
    X(q4_0_q8_0) X(q4_1_q8_1) X(q5_0_q8_0) X(q5_1_q8_1) X(q8_0_q8_0) \
    X(q4_K_q8_K) X(q5_K_q8_K) X(q6_K_q8_K)

#define QUILL_DECLARE_PATHS(name) \
    float quill_dot_##name##_scalar(const void *w, const void *x, int64_t n); \
    float quill_dot_##name##_avx2(const void *w, const void *x, int64_t n);
QUILL_DOT_KERNELS(QUILL_DECLARE_PATHS)
#undef QUILL_DECLARE_PATHS

float quill_dot_f32_scalar(const float *a, const float *b, int64_t n);
float quill_dot_f32_avx2(const float *a, const float *b, int64_t n);
float quill_dot_f16_f32_scalar(const uint16_t *a, const float *b, int64_t n);
float quill_dot_f16_f32_avx2(const uint16_t *a, const float *b, int64_t n);
void quill_axpy_f32_avx2(float a, const float *x, float *y, int64_t n);
#endif
