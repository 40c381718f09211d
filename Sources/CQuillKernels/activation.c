// Gemma's gated feed-forward activation, gelu_tanh(gate) · up over a layer's ffn rows. With
// libm's tanhf (and its expm1f) it took 14% of Gemma 3's prompt processing; here it comes from
// the vector exp of simd_avx2.h.
//
// 0.5·(1 + tanh(u)) = σ(2u) for the logistic σ, and σ(z) = 1 / (1 + e^-z) for z ≥ 0,
// e^z / (1 + e^z) for z < 0, so the exp only ever sees arguments ≤ 0 and cannot overflow.
#include <math.h>
#include "quill_kernels.h"
#include "blocks.h"

static const float sqrt_2_over_pi = 0.79788456080286535588f;

static void gelu_scalar(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        gate[i] = 0.5f * g * (1 + tanhf(sqrt_2_over_pi * g * (1 + 0.044715f * g * g))) * up[i];
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include "simd_avx2.h"

/// x · σ(z), eight lanes.
AVX2_TARGET static inline __m256 times_logistic(__m256 x, __m256 z) {
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    const __m256 e = exp_nonpositive(_mm256_or_ps(z, sign));   // e^-|z|
    const __m256 negative = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
    const __m256 numerator = _mm256_blendv_ps(x, _mm256_mul_ps(x, e), negative);
    return _mm256_div_ps(numerator, _mm256_add_ps(one, e));
}

AVX2_TARGET static void gelu_avx2(float *gate, const float *up, int64_t n) {
    // z = 2u = 2·√(2/π)·(g + 0.044715·g³)
    const __m256 a = _mm256_set1_ps(2 * sqrt_2_over_pi), b = _mm256_set1_ps(2 * sqrt_2_over_pi * 0.044715f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 z = _mm256_mul_ps(g, _mm256_fmadd_ps(_mm256_mul_ps(g, g), b, a));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(times_logistic(g, z), _mm256_loadu_ps(up + i)));
    }
    gelu_scalar(gate + i, up + i, n - i);
}
#endif

void quill_geglu_f32(float *gate, const float *up, int64_t n) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { gelu_avx2(gate, up, n); return; }
#endif
    gelu_scalar(gate, up, n);
}
