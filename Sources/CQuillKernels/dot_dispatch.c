// Public entry points: the AVX2 path when the CPU has it, else the portable one.
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"

#define QUILL_DISPATCH(name) \
    QUILL_DOT_SIGNATURE(name) { \
        if (quill_use_avx2()) quill_dot_##name##_avx2(w, x, x_stride, count, n, out); \
        else quill_dot_##name##_scalar(w, x, x_stride, count, n, out); \
    }
QUILL_DOT_KERNELS(QUILL_DISPATCH)

#define QUILL_TILE_DISPATCH(name) \
    QUILL_TILE_DOT_SIGNATURE(name) { \
        if (quill_use_avx2()) quill_tile_dot_##name##_avx2(w, w_stride, rows, tile, count, n, out, out_stride); \
        else quill_tile_dot_##name##_scalar(w, w_stride, rows, tile, count, n, out, out_stride); \
    }
QUILL_TILE_KERNELS(QUILL_TILE_DISPATCH)

#define QUILL_ROWS_DISPATCH(name) \
    QUILL_ROWS_DOT_SIGNATURE(name) { \
        if (quill_use_avx2()) quill_rows_dot_##name##_avx2(w, w_stride, rows, x, n, out); \
        else quill_rows_dot_##name##_scalar(w, w_stride, rows, x, n, out); \
    }
QUILL_ROWS_KERNELS(QUILL_ROWS_DISPATCH)

float quill_dot_f32(const float *a, const float *b, int64_t n) {
    return quill_use_avx2() ? quill_dot_f32_avx2(a, b, n) : quill_dot_f32_scalar(a, b, n);
}

float quill_dot_f16_f32(const uint16_t *a, const float *b, int64_t n) {
    return quill_use_avx2() ? quill_dot_f16_f32_avx2(a, b, n) : quill_dot_f16_f32_scalar(a, b, n);
}

void quill_axpy_f32(float a, const float *x, float *y, int64_t n) {
    if (quill_use_avx2()) { quill_axpy_f32_avx2(a, x, y, n); return; }
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}
