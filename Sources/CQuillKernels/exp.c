// exp(x) in single precision, equal bit for bit to glibc's expf, and the row operations built
// on it: softmax's steps (attention), SwiGLU's gate, and log-sum-exp (log-probabilities).
//
// Why not libm: attention calls exp once per score, so a 2,048-token prompt makes ~60 million
// calls (11% of SmolLM2's prompt time went to __expf_fma, and as much again to the loop
// around it). Why not any vector exp: the result feeds 8-bit quantizers, and a vector exp
// within 1e-6 of libm moved near-tie arg-maxes (Qwen2.5's top-1 agreement with llama.cpp
// 322 → 317 of 326, measured). So this is glibc's own method (from Arm's optimized routines),
// done in double lanes: x·32/ln2 = k + r with k an integer and |r| ≤ 1/2, exp(x) = 2^(k/32) ·
// 2^(r/32), the first factor from a 32-entry table with k/32's integer part added into the
// exponent bits, the second a cubic in r. Every step is a correctly rounded double operation
// or fma, so the vector lanes and the scalar path give glibc's results exactly: checked for
// every float in [-103.97, 88.72] (2,239,849,421 values; ExpTests samples them), glibc's
// special cases are kept (0 below, +inf above, NaN propagated), and on other platforms the
// results are the same as here.
#include <math.h>
#include <string.h>
#include "quill_kernels.h"
#include "blocks.h"
#include "exp_lanes.h"

/// One exp, written so no expression mixes a product and a sum outside fma (the compiler may
/// not contract anything), and the steps are those of the vector lanes below.
float quill_expf(float x) {
    if (isnan(x)) return x + x;
    if (x > EXP_OVERFLOW) return INFINITY;
    if (x < EXP_UNDERFLOW) return 0;
    const double xd = x;
    double kd = fma(INV_LN2_32, xd, ROUND_SHIFT);
    uint64_t ki;
    memcpy(&ki, &kd, 8);
    kd -= ROUND_SHIFT;
    const double r = fma(INV_LN2_32, xd, -kd);
    const uint64_t t = exp2_table[ki % 32] + (ki << 47);
    double s;
    memcpy(&s, &t, 8);
    const double p = fma(EXP_C3, r, EXP_C2);
    const double r2 = r * r;
    double y = fma(EXP_C1, r, 1.0);
    y = fma(p, r2, y);
    y = y * s;
    return (float)y;
}

/// The largest of x[0..<n], NaNs ignored; -infinity for none.
static float max_scalar(const float *x, int64_t n) {
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}

/// Adds e, element i of a row, to lane i % 4 of the row's double sums: the order of the vector
/// path, so both paths give the same sum.
static inline void add_lane(double sums[4], int64_t i, float e) { sums[i % 4] += (double)e; }

static double lanes_total(const double sums[4]) { return (sums[0] + sums[1]) + (sums[2] + sums[3]); }

/// Σ exp(x[i] - top) in double; stores each term in out[i] unless out is NULL.
static double exp_sum_scalar(const float *x, float *out, int64_t n, float top, int64_t from, double sums[4]) {
    for (int64_t i = from; i < n; i++) {
        const float e = quill_expf(x[i] - top);
        if (out) out[i] = e;
        add_lane(sums, i, e);
    }
    return lanes_total(sums);
}

static void swiglu_scalar(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        gate[i] = g / (1 + quill_expf(-g)) * up[i];
    }
}

#if defined(__x86_64__) || defined(__i386__)
AVX2_TARGET static float max_avx2(const float *x, int64_t n) {
    __m256 m8 = _mm256_set1_ps(-INFINITY);
    int64_t i = 0;
    // vmaxps returns its second operand when either is NaN: NaNs are skipped, as in max_scalar.
    for (; i + 8 <= n; i += 8) m8 = _mm256_max_ps(_mm256_loadu_ps(x + i), m8);
    float lanes[8];
    _mm256_storeu_ps(lanes, m8);
    float m = max_scalar(lanes, 8);
    for (; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}

AVX2_TARGET static double exp_sum_avx2(const float *x, float *out, int64_t n, float top) {
    const __m256 t = _mm256_set1_ps(top);
    // Lane l of the accumulator sums elements l, l + 4, l + 8 … in order (the low half of
    // each 8-element step, then its high half), as add_lane does.
    __m256d acc = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), t));
        if (out) _mm256_storeu_ps(out + i, e);
        acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double sums[4];
    _mm256_storeu_pd(sums, acc);
    return exp_sum_scalar(x, out, n, top, i, sums);
}

AVX2_TARGET static void scale_avx2(float *x, int64_t n, float f) {
    const __m256 f8 = _mm256_set1_ps(f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), f8));
    for (; i < n; i++) x[i] *= f;
}

AVX2_TARGET static void swiglu_avx2(float *gate, const float *up, int64_t n) {
    const __m256 one = _mm256_set1_ps(1);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 e = exp8(_mm256_xor_ps(g, _mm256_set1_ps(-0.0f)));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
    }
    swiglu_scalar(gate + i, up + i, n - i);
}
#endif

#if defined(__x86_64__) || defined(__i386__)
#define IF_AVX2(statement) if (quill_use_avx2()) statement
#else
#define IF_AVX2(statement)
#endif

float quill_max_f32(const float *x, int64_t n) {
    IF_AVX2(return max_avx2(x, n));
    return max_scalar(x, n);
}

static double exp_sum(const float *x, float *out, int64_t n, float top) {
    IF_AVX2(return exp_sum_avx2(x, out, n, top));
    double sums[4] = { 0, 0, 0, 0 };
    return exp_sum_scalar(x, out, n, top, 0, sums);
}

double quill_exp_sum_f32(float *x, int64_t n, float top) { return exp_sum(x, x, n, top); }

void quill_softmax_f32(float *x, int64_t n) {
    const float inverse = (float)(1 / quill_exp_sum_f32(x, n, quill_max_f32(x, n)));
    IF_AVX2({ scale_avx2(x, n, inverse); return; });
    for (int64_t i = 0; i < n; i++) x[i] *= inverse;
}

void quill_swiglu_f32(float *gate, const float *up, int64_t n) {
    IF_AVX2({ swiglu_avx2(gate, up, n); return; });
    swiglu_scalar(gate, up, n);
}

float quill_log_sum_exp_f32(const float *x, int64_t n) {
    const float m = quill_max_f32(x, n);
    if (!(m > -INFINITY) || isinf(m)) return m;
    return m + (float)log(exp_sum(x, NULL, n, m));
}
