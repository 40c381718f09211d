// Activation quantizers: the float side of every quantized dot product is turned into
// 8-bit blocks once per matrix-vector product, as ggml does.
#include "quill_kernels.h"
#include "blocks.h"
#include <math.h>

static inline float block_amax(const float *x, int n) {
    float amax = 0;
    for (int j = 0; j < n; j++) {
        float a = fabsf(x[j]);
        if (a > amax) amax = a;
    }
    return amax;
}

void quill_quantize_a8(const float *x, void *out, int64_t n) {
    block_a8 *y = out;
    for (int64_t i = 0; i < n / QK; i++, x += QK) {
        const float d = block_amax(x, QK) / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < QK; j++) {
            const int q = (int)lrintf(x[j] * id);
            y[i].qs[j] = (int8_t)q;
            sum += q;
        }
        y[i].d = d;
        y[i].s = (float)sum * d;
    }
}

void quill_quantize_q8_K(const float *x, void *out, int64_t n) {
    block_q8_K *y = out;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
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
