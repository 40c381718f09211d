// The data of quill_expf (exp.c) and its vector lanes, shared by the files that take exps
// in vector code (exp.c, attention_tile.c). See exp.c for the method.
#ifndef QUILL_EXP_LANES_H
#define QUILL_EXP_LANES_H
#include <math.h>
#include <stdint.h>
#include "blocks.h"

/// 2^(i/32) correctly rounded to double, minus i << 47, so that adding k << 47 (k ≡ i mod 32)
/// gives the bits of 2^(k/32). Generated with Python's decimal module at 60 digits:
/// `float((Decimal(2).ln() * i / 32).exp())`.
static const uint64_t exp2_table[32] = {
    0x3ff0000000000000ULL, 0x3fefd9b0d3158574ULL, 0x3fefb5586cf9890fULL, 0x3fef9301d0125b51ULL,
    0x3fef72b83c7d517bULL, 0x3fef54873168b9aaULL, 0x3fef387a6e756238ULL, 0x3fef1e9df51fdee1ULL,
    0x3fef06fe0a31b715ULL, 0x3feef1a7373aa9cbULL, 0x3feedea64c123422ULL, 0x3feece086061892dULL,
    0x3feebfdad5362a27ULL, 0x3feeb42b569d4f82ULL, 0x3feeab07dd485429ULL, 0x3feea47eb03a5585ULL,
    0x3feea09e667f3bcdULL, 0x3fee9f75e8ec5f74ULL, 0x3feea11473eb0187ULL, 0x3feea589994cce13ULL,
    0x3feeace5422aa0dbULL, 0x3feeb737b0cdc5e5ULL, 0x3feec49182a3f090ULL, 0x3feed503b23e255dULL,
    0x3feee89f995ad3adULL, 0x3feeff76f2fb5e47ULL, 0x3fef199bdd85529cULL, 0x3fef3720dcef9069ULL,
    0x3fef5818dcfba487ULL, 0x3fef7c97337b9b5fULL, 0x3fefa4afa2a490daULL, 0x3fefd0765b6e4540ULL,
};

/// 32/ln 2; the shift whose addition rounds a double below 2^51 to an integer in its low bits;
/// the cubic's coefficients, scaled by 1/32 per power of r.
#define INV_LN2_32 (0x1.71547652b82fep+0 * 32)
#define ROUND_SHIFT 0x1.8p+52
#define EXP_C3 (0x1.c6af84b912394p-5 / 32 / 32 / 32)
#define EXP_C2 (0x1.ebfce50fac4f3p-3 / 32 / 32)
#define EXP_C1 (0x1.62e42ff0c52d6p-1 / 32)
/// Beyond these exp(x) is +inf and 0 in float (glibc's thresholds).
#define EXP_OVERFLOW 0x1.62e42ep6f
#define EXP_UNDERFLOW -0x1.9fe368p6f

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/// quill_expf of four lanes, as doubles before the final rounding to float.
__attribute__((always_inline)) AVX2_TARGET static inline __m128 exp4(__m128 x) {
    const __m256d xd = _mm256_cvtps_pd(x), shift = _mm256_set1_pd(ROUND_SHIFT), inv = _mm256_set1_pd(INV_LN2_32);
    __m256d kd = _mm256_fmadd_pd(inv, xd, shift);
    const __m256i ki = _mm256_castpd_si256(kd);
    kd = _mm256_sub_pd(kd, shift);
    const __m256d r = _mm256_fmsub_pd(inv, xd, kd);
    const __m256i entry = _mm256_i64gather_epi64((const long long *)exp2_table, _mm256_and_si256(ki, _mm256_set1_epi64x(31)), 8);
    const __m256d s = _mm256_castsi256_pd(_mm256_add_epi64(entry, _mm256_slli_epi64(ki, 47)));
    const __m256d p = _mm256_fmadd_pd(_mm256_set1_pd(EXP_C3), r, _mm256_set1_pd(EXP_C2));
    const __m256d r2 = _mm256_mul_pd(r, r);
    __m256d y = _mm256_fmadd_pd(_mm256_set1_pd(EXP_C1), r, _mm256_set1_pd(1.0));
    y = _mm256_fmadd_pd(p, r2, y);
    return _mm256_cvtpd_ps(_mm256_mul_pd(y, s));
}

/// quill_expf of eight lanes, special cases included.
__attribute__((always_inline)) AVX2_TARGET static inline __m256 exp8(__m256 x) {
    __m256 y = _mm256_set_m128(exp4(_mm256_extractf128_ps(x, 1)), exp4(_mm256_castps256_ps128(x)));
    y = _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, _mm256_set1_ps(EXP_OVERFLOW), _CMP_GT_OQ));
    y = _mm256_andnot_ps(_mm256_cmp_ps(x, _mm256_set1_ps(EXP_UNDERFLOW), _CMP_LT_OQ), y);
    return _mm256_blendv_ps(y, _mm256_add_ps(x, x), _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

#endif
#endif
