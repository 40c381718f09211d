// Portable quantized dot products: the fallback on CPUs without AVX2 and the baseline the
// AVX2 kernels are tested against.
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"
#include <string.h>

#define H(x) quill_f16_to_f32(x)

float quill_dot_q4_0_q8_0_scalar(const void *vw, const void *vx, int64_t n) {
    const block_q4_0 *w = vw; const block_q8_0 *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int s = 0;
        for (int j = 0; j < QK / 2; j++) {
            s += ((w[i].qs[j] & 0x0F) - 8) * x[i].qs[j];
            s += ((w[i].qs[j] >> 4) - 8) * x[i].qs[j + QK / 2];
        }
        sum += (float)s * H(w[i].d) * H(x[i].d);
    }
    return sum;
}

float quill_dot_q4_1_q8_1_scalar(const void *vw, const void *vx, int64_t n) {
    const block_q4_1 *w = vw; const block_q8_1 *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int s = 0;
        for (int j = 0; j < QK / 2; j++) {
            s += (w[i].qs[j] & 0x0F) * x[i].qs[j];
            s += (w[i].qs[j] >> 4) * x[i].qs[j + QK / 2];
        }
        sum += (float)s * H(w[i].d) * H(x[i].d) + H(w[i].m) * H(x[i].s);
    }
    return sum;
}

float quill_dot_q5_0_q8_0_scalar(const void *vw, const void *vx, int64_t n) {
    const block_q5_0 *w = vw; const block_q8_0 *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        uint32_t qh; memcpy(&qh, w[i].qh, 4);
        int s = 0;
        for (int j = 0; j < QK / 2; j++) {
            const int h0 = ((qh >> j) & 1) << 4, h1 = ((qh >> (j + 16)) & 1) << 4;
            s += (((w[i].qs[j] & 0x0F) | h0) - 16) * x[i].qs[j];
            s += (((w[i].qs[j] >> 4) | h1) - 16) * x[i].qs[j + QK / 2];
        }
        sum += (float)s * H(w[i].d) * H(x[i].d);
    }
    return sum;
}

float quill_dot_q5_1_q8_1_scalar(const void *vw, const void *vx, int64_t n) {
    const block_q5_1 *w = vw; const block_q8_1 *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        uint32_t qh; memcpy(&qh, w[i].qh, 4);
        int s = 0;
        for (int j = 0; j < QK / 2; j++) {
            const int h0 = ((qh >> j) & 1) << 4, h1 = ((qh >> (j + 16)) & 1) << 4;
            s += ((w[i].qs[j] & 0x0F) | h0) * x[i].qs[j];
            s += ((w[i].qs[j] >> 4) | h1) * x[i].qs[j + QK / 2];
        }
        sum += (float)s * H(w[i].d) * H(x[i].d) + H(w[i].m) * H(x[i].s);
    }
    return sum;
}

float quill_dot_q8_0_q8_0_scalar(const void *vw, const void *vx, int64_t n) {
    const block_q8_0 *w = vw; const block_q8_0 *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int s = 0;
        for (int j = 0; j < QK; j++) s += w[i].qs[j] * x[i].qs[j];
        sum += (float)s * H(w[i].d) * H(x[i].d);
    }
    return sum;
}

float quill_dot_q4_K_q8_K_scalar(const void *vw, const void *vx, int64_t n) {
    const block_q4_K *w = vw; const block_q8_K *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int sumi = 0, summ = 0;
        const uint8_t *q = w[i].qs; const int8_t *y = x[i].qs;
        for (int k = 0; k < 4; k++, q += 32, y += 64) {
            uint8_t sc0, m0, sc1, m1;
            quill_scale_min_k4(2 * k, w[i].scales, &sc0, &m0);
            quill_scale_min_k4(2 * k + 1, w[i].scales, &sc1, &m1);
            int s0 = 0, s1 = 0;
            for (int l = 0; l < 32; l++) { s0 += (q[l] & 0x0F) * y[l]; s1 += (q[l] >> 4) * y[l + 32]; }
            sumi += sc0 * s0 + sc1 * s1;
            summ += m0 * (x[i].bsums[4 * k] + x[i].bsums[4 * k + 1]) + m1 * (x[i].bsums[4 * k + 2] + x[i].bsums[4 * k + 3]);
        }
        sum += x[i].d * (H(w[i].d) * (float)sumi - H(w[i].dmin) * (float)summ);
    }
    return sum;
}

float quill_dot_q5_K_q8_K_scalar(const void *vw, const void *vx, int64_t n) {
    const block_q5_K *w = vw; const block_q8_K *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int sumi = 0, summ = 0;
        const uint8_t *q = w[i].qs, *qh = w[i].qh; const int8_t *y = x[i].qs;
        for (int k = 0; k < 4; k++, q += 32, y += 64) {
            uint8_t sc0, m0, sc1, m1;
            quill_scale_min_k4(2 * k, w[i].scales, &sc0, &m0);
            quill_scale_min_k4(2 * k + 1, w[i].scales, &sc1, &m1);
            int s0 = 0, s1 = 0;
            for (int l = 0; l < 32; l++) {
                s0 += ((q[l] & 0x0F) | (((qh[l] >> (2 * k)) & 1) << 4)) * y[l];
                s1 += ((q[l] >> 4) | (((qh[l] >> (2 * k + 1)) & 1) << 4)) * y[l + 32];
            }
            sumi += sc0 * s0 + sc1 * s1;
            summ += m0 * (x[i].bsums[4 * k] + x[i].bsums[4 * k + 1]) + m1 * (x[i].bsums[4 * k + 2] + x[i].bsums[4 * k + 3]);
        }
        sum += x[i].d * (H(w[i].d) * (float)sumi - H(w[i].dmin) * (float)summ);
    }
    return sum;
}

float quill_dot_q6_K_q8_K_scalar(const void *vw, const void *vx, int64_t n) {
    const block_q6_K *w = vw; const block_q8_K *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int sumi = 0;
        for (int half = 0; half < 2; half++) {
            const uint8_t *ql = w[i].ql + 64 * half, *qh = w[i].qh + 32 * half;
            const int8_t *sc = w[i].scales + 8 * half, *y = x[i].qs + 128 * half;
            for (int l = 0; l < 32; l++) {
                const int g = l / 16;
                const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                sumi += sc[g] * q1 * y[l] + sc[g + 2] * q2 * y[l + 32] + sc[g + 4] * q3 * y[l + 64] + sc[g + 6] * q4 * y[l + 96];
            }
        }
        sum += x[i].d * H(w[i].d) * (float)sumi;
    }
    return sum;
}

float quill_dot_f32_scalar(const float *a, const float *b, int64_t n) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

float quill_dot_f16_f32_scalar(const uint16_t *a, const float *b, int64_t n) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += H(a[i]) * b[i];
    return s;
}
