// Portable quantized dot products: the fallback on CPUs without AVX2 and the baseline the
// AVX2 kernels are tested against.
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"
#include <string.h>

#define H(x) quill_f16_to_f32(x)

/// The integer sum of one 32-element weight block with an activation block, and the
/// block's scale and bias coefficient: block value = d * (sum) + bias * x.s.
typedef int (*block_sum_fn)(const void *w, int64_t i, const int8_t *y, float *d, float *bias);

static int sum_q4_0(const void *vw, int64_t i, const int8_t *y, float *d, float *bias) {
    const block_q4_0 *w = (const block_q4_0 *)vw + i;
    int s = 0;
    for (int j = 0; j < QK / 2; j++) s += (w->qs[j] & 0x0F) * y[j] + (w->qs[j] >> 4) * y[j + QK / 2];
    *d = H(w->d);
    *bias = -8 * *d;
    return s;
}

static int sum_q4_1(const void *vw, int64_t i, const int8_t *y, float *d, float *bias) {
    const block_q4_1 *w = (const block_q4_1 *)vw + i;
    int s = 0;
    for (int j = 0; j < QK / 2; j++) s += (w->qs[j] & 0x0F) * y[j] + (w->qs[j] >> 4) * y[j + QK / 2];
    *d = H(w->d);
    *bias = H(w->m);
    return s;
}

static int sum_q5(const uint8_t *qh4, const uint8_t *qs, const int8_t *y) {
    uint32_t qh; memcpy(&qh, qh4, 4);
    int s = 0;
    for (int j = 0; j < QK / 2; j++) {
        const int h0 = ((qh >> j) & 1) << 4, h1 = ((qh >> (j + 16)) & 1) << 4;
        s += ((qs[j] & 0x0F) | h0) * y[j] + ((qs[j] >> 4) | h1) * y[j + QK / 2];
    }
    return s;
}

static int sum_q5_0(const void *vw, int64_t i, const int8_t *y, float *d, float *bias) {
    const block_q5_0 *w = (const block_q5_0 *)vw + i;
    *d = H(w->d);
    *bias = -16 * *d;
    return sum_q5(w->qh, w->qs, y);
}

static int sum_q5_1(const void *vw, int64_t i, const int8_t *y, float *d, float *bias) {
    const block_q5_1 *w = (const block_q5_1 *)vw + i;
    *d = H(w->d);
    *bias = H(w->m);
    return sum_q5(w->qh, w->qs, y);
}

static int sum_q8_0(const void *vw, int64_t i, const int8_t *y, float *d, float *bias) {
    const block_q8_0 *w = (const block_q8_0 *)vw + i;
    int s = 0;
    for (int j = 0; j < QK; j++) s += w->qs[j] * y[j];
    *d = H(w->d);
    *bias = 0;
    return s;
}

static void dot32(block_sum_fn sum, const void *w, const void *vx, int64_t stride, int count, int64_t n, float *out) {
    for (int t = 0; t < count; t++) {
        const block_a8 *x = QUILL_ROW(vx, stride, t);
        float total = 0;
        for (int64_t i = 0; i < n / QK; i++) {
            float d, bias;
            const int s = sum(w, i, x[i].qs, &d, &bias);
            total += d * x[i].d * (float)s + bias * x[i].s;
        }
        out[t] = total;
    }
}

#define QUILL_SCALAR_32(name) \
    void quill_dot_##name##_scalar(const void *w, const void *x, int64_t stride, int count, int64_t n, float *out) { \
        dot32(sum_##name, w, x, stride, count, n, out); \
    }
QUILL_SCALAR_32(q4_0)
QUILL_SCALAR_32(q4_1)
QUILL_SCALAR_32(q5_0)
QUILL_SCALAR_32(q5_1)
QUILL_SCALAR_32(q8_0)

/// The tiled products, row by row and in the same order as dot32, so each result equals the
/// one-row scalar product bit for bit.
static void tile32(block_sum_fn sum, const void *w, int64_t w_stride, int rows, const void *tile, int count, int64_t n,
                   float *out, int64_t out_stride) {
    block_a8x8 *x = (block_a8x8 *)tile;
    for (int r = 0; r < rows; r++) {
        const void *row = (const char *)w + r * w_stride;
        for (int t = 0; t < count; t++) {
            float total = 0;
            for (int64_t i = 0; i < n / QK; i++) {
                int8_t y[QK];
                for (int e = 0; e < QK; e++) y[e] = *quill_a8x8_lane(&x[i], t, e);
                float d, bias;
                const int s = sum(row, i, y, &d, &bias);
                total += d * x[i].d[t / 4][t % 4] * (float)s + bias * x[i].s[t];
            }
            out[t * out_stride + r] = total;
        }
    }
}

#define QUILL_SCALAR_TILE(name) \
    void quill_tile_dot_##name##_scalar(const void *w, int64_t w_stride, int rows, const void *tile, int count, int64_t n, \
                                        float *out, int64_t out_stride) { \
        tile32(sum_##name, w, w_stride, rows, tile, count, n, out, out_stride); \
    }
QUILL_TILE_KERNELS(QUILL_SCALAR_TILE)

/// Several weight rows against one activation row: the one-row products, row by row.
#define QUILL_SCALAR_ROWS(name) \
    void quill_rows_dot_##name##_scalar(const void *w, int64_t w_stride, int rows, const void *x, int64_t n, float *out) { \
        for (int r = 0; r < rows; r++) quill_dot_##name##_scalar((const char *)w + r * w_stride, x, 0, 1, n, out + r); \
    }
QUILL_ROWS_KERNELS(QUILL_SCALAR_ROWS)

/// One Q4_K or Q5_K super-block times a q8_K block (qh NULL for Q4_K).
static float k45_block(uint16_t d, uint16_t dmin, const uint8_t *scales, const uint8_t *qh, const uint8_t *q,
                       const block_q8_K *x) {
    int sumi = 0, summ = 0;
    const int8_t *y = x->qs;
    for (int k = 0; k < 4; k++, q += 32, y += 64) {
        uint8_t sc0, m0, sc1, m1;
        quill_scale_min_k4(2 * k, scales, &sc0, &m0);
        quill_scale_min_k4(2 * k + 1, scales, &sc1, &m1);
        int s0 = 0, s1 = 0;
        for (int l = 0; l < 32; l++) {
            const int h0 = qh ? ((qh[l] >> (2 * k)) & 1) << 4 : 0, h1 = qh ? ((qh[l] >> (2 * k + 1)) & 1) << 4 : 0;
            s0 += ((q[l] & 0x0F) | h0) * y[l];
            s1 += ((q[l] >> 4) | h1) * y[l + 32];
        }
        sumi += sc0 * s0 + sc1 * s1;
        summ += m0 * (x->bsums[4 * k] + x->bsums[4 * k + 1]) + m1 * (x->bsums[4 * k + 2] + x->bsums[4 * k + 3]);
    }
    return x->d * (H(d) * (float)sumi - H(dmin) * (float)summ);
}

static float dot_q4_K_row(const void *vw, const void *vx, int64_t n) {
    const block_q4_K *w = vw; const block_q8_K *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) sum += k45_block(w[i].d, w[i].dmin, w[i].scales, NULL, w[i].qs, &x[i]);
    return sum;
}

static float dot_q5_K_row(const void *vw, const void *vx, int64_t n) {
    const block_q5_K *w = vw; const block_q8_K *x = vx;
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) sum += k45_block(w[i].d, w[i].dmin, w[i].scales, w[i].qh, w[i].qs, &x[i]);
    return sum;
}

static float dot_q6_K_row(const void *vw, const void *vx, int64_t n) {
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

#define QUILL_SCALAR_K(name) \
    void quill_dot_##name##_scalar(const void *w, const void *x, int64_t stride, int count, int64_t n, float *out) { \
        for (int t = 0; t < count; t++) out[t] = dot_##name##_row(w, QUILL_ROW(x, stride, t), n); \
    }
QUILL_SCALAR_K(q4_K)
QUILL_SCALAR_K(q5_K)
QUILL_SCALAR_K(q6_K)

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
