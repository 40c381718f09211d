// AVX2 helpers shared by the kernels: widening a 32-element weight block to 32 int8 lanes,
// the int8 products, the float dot product. x86 only; include it inside the files' `#if`
// for x86.
#ifndef QUILL_SIMD_AVX2_H
#define QUILL_SIMD_AVX2_H
#include <immintrin.h>
#include <string.h>
#include "blocks.h"

AVX2_TARGET static inline float hsum8(__m256 v) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

AVX2_TARGET static inline float half(uint16_t h) { return _cvtsh_ss(h); }

/// Eight floats from element i of p: f32 elements, or (HALF) f16 ones widened, which is exact.
__attribute__((always_inline)) AVX2_TARGET static inline __m256 load8(const void *p, int64_t i, const int HALF) {
    return HALF ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)p + i)))
                : _mm256_loadu_ps((const float *)p + i);
}

/// Element i of p, f32 or (HALF) f16.
__attribute__((always_inline)) AVX2_TARGET static inline float load1(const void *p, int64_t i, const int HALF) {
    return HALF ? half(((const uint16_t *)p)[i]) : ((const float *)p)[i];
}

/// Σ a[i]·b[i] over four accumulators of 32-element steps, then 8-element steps, then one by
/// one; b holds f32 elements, or (HALF) f16 ones, with the same arithmetic on their values.
__attribute__((always_inline)) AVX2_TARGET static inline float dot_f32_kv(const float *a, const void *b, int64_t n, const int HALF) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load8(b, i, HALF), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), load8(b, i + 8, HALF), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), load8(b, i + 16, HALF), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), load8(b, i + 24, HALF), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load8(b, i, HALF), s0);
    float s = hsum8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) s += a[i] * load1(b, i, HALF);
    return s;
}

AVX2_TARGET static inline float dot_f32(const float *a, const float *b, int64_t n) { return dot_f32_kv(a, b, n, 0); }

/// dot_f32_kv of a with two rows at once, each with exactly its arithmetic: two independent
/// chains in one instruction stream, so the second's loads and fmas overlap the first's final
/// reduction (a single short dot product waits on that reduction's latency).
__attribute__((always_inline)) AVX2_TARGET static inline void
dot2_f32_kv(const float *a, const void *b0, const void *b1, int64_t n, const int HALF, float *out0, float *out1) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    __m256 t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps(), t2 = _mm256_setzero_ps(), t3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256 a0 = _mm256_loadu_ps(a + i), a1 = _mm256_loadu_ps(a + i + 8);
        const __m256 a2 = _mm256_loadu_ps(a + i + 16), a3 = _mm256_loadu_ps(a + i + 24);
        s0 = _mm256_fmadd_ps(a0, load8(b0, i, HALF), s0);
        t0 = _mm256_fmadd_ps(a0, load8(b1, i, HALF), t0);
        s1 = _mm256_fmadd_ps(a1, load8(b0, i + 8, HALF), s1);
        t1 = _mm256_fmadd_ps(a1, load8(b1, i + 8, HALF), t1);
        s2 = _mm256_fmadd_ps(a2, load8(b0, i + 16, HALF), s2);
        t2 = _mm256_fmadd_ps(a2, load8(b1, i + 16, HALF), t2);
        s3 = _mm256_fmadd_ps(a3, load8(b0, i + 24, HALF), s3);
        t3 = _mm256_fmadd_ps(a3, load8(b1, i + 24, HALF), t3);
    }
    for (; i + 8 <= n; i += 8) {
        const __m256 ai = _mm256_loadu_ps(a + i);
        s0 = _mm256_fmadd_ps(ai, load8(b0, i, HALF), s0);
        t0 = _mm256_fmadd_ps(ai, load8(b1, i, HALF), t0);
    }
    float s = hsum8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    float t = hsum8(_mm256_add_ps(_mm256_add_ps(t0, t1), _mm256_add_ps(t2, t3)));
    for (; i < n; i++) {
        s += a[i] * load1(b0, i, HALF);
        t += a[i] * load1(b1, i, HALF);
    }
    *out0 = s;
    *out1 = t;
}

/// 16 packed bytes -> 32 lanes: the low nibbles (elements 0..15), then the high nibbles (16..31).
AVX2_TARGET static inline __m256i nibbles(const uint8_t *qs) {
    const __m128i t = _mm_loadu_si128((const __m128i *)qs);
    const __m256i v = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
}

/// Lane i is 0xFF when bit i of x is set.
AVX2_TARGET static inline __m256i bit_lanes(uint32_t x) {
    const __m256i spread = _mm256_setr_epi64x(0x0000000000000000LL, 0x0101010101010101LL,
                                              0x0202020202020202LL, 0x0303030303030303LL);
    const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)x), spread);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
}

/// Sum of products of unsigned u and signed s lanes, as 8 int32 sums.
AVX2_TARGET static inline __m256i dot_us(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/// Sum of products of two signed vectors (vpmaddubsw needs one side unsigned: move the sign over).
AVX2_TARGET static inline __m256i dot_ss(__m256i a, __m256i b) {
    return dot_us(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
}

/// One 32-element weight block unpacked to 32 lanes, with its scale and bias coefficient:
/// the block's product with activations x is d * x.d * sum(q * x.qs) + bias * x.s.
typedef struct { __m256i q; float d, bias; } unpacked;

AVX2_TARGET static inline unpacked unpack_q4_0(const void *w, int64_t i) {
    const block_q4_0 *b = (const block_q4_0 *)w + i;
    const float d = half(b->d);
    return (unpacked){ nibbles(b->qs), d, -8 * d };
}

AVX2_TARGET static inline unpacked unpack_q4_1(const void *w, int64_t i) {
    const block_q4_1 *b = (const block_q4_1 *)w + i;
    return (unpacked){ nibbles(b->qs), half(b->d), half(b->m) };
}

AVX2_TARGET static inline __m256i fifth_bits(const uint8_t *qh4) {
    uint32_t qh; memcpy(&qh, qh4, 4);
    return _mm256_and_si256(bit_lanes(qh), _mm256_set1_epi8(0x10));
}

AVX2_TARGET static inline unpacked unpack_q5_0(const void *w, int64_t i) {
    const block_q5_0 *b = (const block_q5_0 *)w + i;
    const float d = half(b->d);
    return (unpacked){ _mm256_or_si256(nibbles(b->qs), fifth_bits(b->qh)), d, -16 * d };
}

AVX2_TARGET static inline unpacked unpack_q5_1(const void *w, int64_t i) {
    const block_q5_1 *b = (const block_q5_1 *)w + i;
    return (unpacked){ _mm256_or_si256(nibbles(b->qs), fifth_bits(b->qh)), half(b->d), half(b->m) };
}

AVX2_TARGET static inline unpacked unpack_q8_0(const void *w, int64_t i) {
    const block_q8_0 *b = (const block_q8_0 *)w + i;
    return (unpacked){ _mm256_loadu_si256((const __m256i *)b->qs), half(b->d), 0 };
}

/// A block's scale and bias coefficient (as in `unpacked`) in all eight lanes, for the tiled
/// kernels, which apply them to eight activation rows at once.
typedef struct { __m256 d, bias; } scales8;

AVX2_TARGET static inline __m256 half8(uint16_t h) { return _mm256_set1_ps(half(h)); }

/// An fp16 (d, m) pair from one 4-byte load and one conversion.
AVX2_TARGET static inline scales8 half_pair8(const void *p) {
    uint32_t v; memcpy(&v, p, 4);
    const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128((int)v));
    return (scales8){ _mm256_broadcastss_ps(f), _mm256_broadcastss_ps(_mm_movehdup_ps(f)) };
}

// Multiplying by -8 or -16 is exact, so the bias equals the scalar path's.
AVX2_TARGET static inline scales8 scales8_q4_0(const void *w, int64_t i) {
    const __m256 d = half8(((const block_q4_0 *)w + i)->d);
    return (scales8){ d, _mm256_mul_ps(d, _mm256_set1_ps(-8)) };
}
AVX2_TARGET static inline scales8 scales8_q4_1(const void *w, int64_t i) { return half_pair8(&((const block_q4_1 *)w + i)->d); }
AVX2_TARGET static inline scales8 scales8_q5_0(const void *w, int64_t i) {
    const __m256 d = half8(((const block_q5_0 *)w + i)->d);
    return (scales8){ d, _mm256_mul_ps(d, _mm256_set1_ps(-16)) };
}
AVX2_TARGET static inline scales8 scales8_q5_1(const void *w, int64_t i) { return half_pair8(&((const block_q5_1 *)w + i)->d); }
AVX2_TARGET static inline scales8 scales8_q8_0(const void *w, int64_t i) {
    return (scales8){ half8(((const block_q8_0 *)w + i)->d), _mm256_setzero_ps() };
}
#endif
