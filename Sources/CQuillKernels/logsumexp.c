// ln Σ exp(x[i]) over a logit row: the normalizer of every token's log-probability. It runs
// once per generated token over the whole vocabulary (49k–262k entries) on the thread that
// samples, while the pool's workers wait, so it is worth a vector exp: the scalar loop with
// libm's expf was 5% of batched generation.
#include <math.h>
#include "quill_kernels.h"
#include "blocks.h"

static float max_scalar(const float *x, int64_t n) {
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}

static float log_sum_exp_scalar(const float *x, int64_t n) {
    const float m = max_scalar(x, n);
    if (!(m > -INFINITY) || isinf(m)) return m;
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += (double)expf(x[i] - m);
    return m + (float)log(sum);
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/// exp(x) for x ≤ 0, 8 lanes: x = k·ln2 + r with |r| ≤ ln2/2, exp(r) by a degree-6 Taylor
/// polynomial (relative error below 2e-7 on that interval), 2^k through the exponent bits.
/// Lanes below -87 (where exp underflows float) give 0.
AVX2_TARGET static inline __m256 exp_nonpositive(__m256 x) {
    const __m256 low = _mm256_set1_ps(-87.0f);
    const __m256 underflow = _mm256_cmp_ps(x, low, _CMP_LT_OQ);
    x = _mm256_max_ps(x, low);
    const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    // r = x - k·ln2, with ln2 split in two so the product is exact enough.
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

AVX2_TARGET static float log_sum_exp_avx2(const float *x, int64_t n) {
    if (n < 8) return log_sum_exp_scalar(x, n);
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + i));
    float lanes[8];
    _mm256_storeu_ps(lanes, vmax);
    float m = max_scalar(lanes, 8);
    for (; i < n; i++) if (x[i] > m) m = x[i];
    if (!(m > -INFINITY) || isinf(m)) return m;
    // Each block of 8 exps is summed in float (8 terms ≤ 1), then widened into double
    // accumulators, so the row's sum keeps double precision like the scalar path.
    const __m256 vm = _mm256_set1_ps(m);
    __m256d low = _mm256_setzero_pd(), high = _mm256_setzero_pd();
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
        low = _mm256_add_pd(low, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        high = _mm256_add_pd(high, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double sums[4];
    _mm256_storeu_pd(sums, _mm256_add_pd(low, high));
    double sum = (sums[0] + sums[1]) + (sums[2] + sums[3]);
    for (; i < n; i++) sum += (double)expf(x[i] - m);
    return m + (float)log(sum);
}
#endif

float quill_log_sum_exp_f32(const float *x, int64_t n) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) return log_sum_exp_avx2(x, n);
#endif
    return log_sum_exp_scalar(x, n);
}
