// A prompt's attention eight queries at a time: the same query head of eight consecutive
// tokens, each vector lane one token. Per (token, head) the one-query kernels (attention.c)
// reduce every dot product across vector lanes, a latency chain of ~20 cycles for a 64-element
// head, and meet each cached row once per token. Here the lanes are the tokens: a key element
// is broadcast and meets the eight queries' elements in one fma, so nothing is reduced across
// lanes, and each cached row is read once per eight tokens. The operations per (token,
// position) pair are those of the one-query AVX2 kernels, in the same order, so each lane's
// results are theirs bit for bit:
// - a score: for each of dot_f32_kv's 32 partial sums (lane l of accumulator k), the chain of
//   fmas over the 32-element steps from zero, the accumulators added as (s0 + s1) + (s2 + s3),
//   then hsum8's tree over the eight lanes, then the scale;
// - softmax: quill_exp_sum_f32's exps and its sum order (row element i into double lane i % 4);
// - a weighted value: an fma chain over the positions in order, from zero.
// Positions outside a token's range get weight 0, which leaves the fma chains and the double
// sums unchanged, exactly. A half-precision cache's rows are widened to f32 (exact) a row or a
// block of rows at a time, then read as f32 rows, as the one-query kernels widen each element.
#include <math.h>
#include <stdlib.h>
#include "quill_kernels.h"
#include "blocks.h"
#include "dot_paths.h"
#include "exp_lanes.h"

#define LANES QUILL_ATTENTION_TILE

/// The one-query kernels for each lane: the scalar path, and the reference the tests compare
/// the tile kernels with. (They copy each lane's row out and back.)
static void tile_scores_each(const float *qt, const void *keys, int half, int64_t stride, int64_t count, int64_t n, float scale,
                             float *scores) {
    float *q = malloc(sizeof(float) * (size_t)(n + count)), *row = q + n;
    if (!q) abort();
    for (int t = 0; t < LANES; t++) {
        for (int64_t e = 0; e < n; e++) q[e] = qt[e * LANES + t];
        quill_attention_scores_any(q, 1, 1, keys, half, stride, count, n, scale, row, count);
        for (int64_t j = 0; j < count; j++) scores[j * LANES + t] = row[j];
    }
    free(q);
}

static void tile_values_each(const float *weights, const void *values, int half, int64_t stride, int64_t count, int64_t n,
                             float *out, int64_t out_stride, int lanes) {
    float *w = malloc(sizeof(float) * (size_t)(count + 1));
    if (!w) abort();
    for (int t = 0; t < lanes; t++) {
        for (int64_t j = 0; j < count; j++) w[j] = weights[j * LANES + t];
        quill_attention_values_any(w, 1, 1, count, NULL, values, half, stride, count, n, 0, n, out + t * out_stride, n);
    }
    free(w);
}

/// Lane t's exps (already in place, 0 outside its range) summed in quill_exp_sum_f32's order.
static double lane_sum(const float *scores, int t, int64_t first, int64_t end) {
    double sums[4] = { 0, 0, 0, 0 };
    for (int64_t j = first; j < end; j++) sums[(j - first) % 4] += (double)scores[j * LANES + t];
    return (sums[0] + sums[1]) + (sums[2] + sums[3]);
}

static void tile_softmax_scalar(float *scores, int64_t count, const int64_t *first, const int64_t *end) {
    for (int t = 0; t < LANES; t++) {
        float top = -INFINITY;
        for (int64_t j = first[t]; j < end[t]; j++) if (scores[j * LANES + t] > top) top = scores[j * LANES + t];
        for (int64_t j = 0; j < count; j++) {
            float *x = scores + j * LANES + t;
            *x = j >= first[t] && j < end[t] ? quill_expf(*x - top) : 0;
        }
        const float inverse = (float)(1 / lane_sum(scores, t, first[t], end[t]));
        for (int64_t j = 0; j < count; j++) scores[j * LANES + t] *= inverse;
    }
}

#if defined(__x86_64__) || defined(__i386__)

/// T_l of dot_f32_kv for the eight lanes: (s0 + s1) + (s2 + s3) of lane l of its four
/// accumulators, each an fma chain (from zero) over the STEPS 32-element steps.
__attribute__((always_inline)) AVX2_TARGET static inline __m256 dot_part(const float *qt, const float *key, int l, const int STEPS) {
    __m256 s[4];
    for (int k = 0; k < 4; k++) {
        const int e = 8 * k + l;
        s[k] = _mm256_fmadd_ps(_mm256_loadu_ps(qt + e * LANES), _mm256_broadcast_ss(key + e), _mm256_setzero_ps());
        for (int i = 1; i < STEPS; i++) {
            s[k] = _mm256_fmadd_ps(_mm256_loadu_ps(qt + (32 * i + e) * LANES), _mm256_broadcast_ss(key + 32 * i + e), s[k]);
        }
    }
    return _mm256_add_ps(_mm256_add_ps(s[0], s[1]), _mm256_add_ps(s[2], s[3]));
}

/// The eight lanes' scores at one position, with hsum8's tree over the T_l: the halves added
/// (T_m + T_{4+m}), then m with m + 2, then the two left. Taken in that order, few partial
/// sums are alive at once.
__attribute__((always_inline)) AVX2_TARGET static inline __m256 tile_dot(const float *qt, const float *key, const int STEPS) {
    const __m256 a = _mm256_add_ps(_mm256_add_ps(dot_part(qt, key, 4, STEPS), dot_part(qt, key, 0, STEPS)),
                                   _mm256_add_ps(dot_part(qt, key, 6, STEPS), dot_part(qt, key, 2, STEPS)));
    const __m256 b = _mm256_add_ps(_mm256_add_ps(dot_part(qt, key, 5, STEPS), dot_part(qt, key, 1, STEPS)),
                                   _mm256_add_ps(dot_part(qt, key, 7, STEPS), dot_part(qt, key, 3, STEPS)));
    return _mm256_add_ps(a, b);
}

/// Row j of a cache, as f32: the row itself, or (HALF) its elements widened into `wide`.
__attribute__((always_inline)) AVX2_TARGET static inline const float *f32_row(const void *rows, int64_t j, int64_t stride, int64_t n,
                                                                             float *wide, const int HALF) {
    if (!HALF) return (const float *)rows + j * stride;
    const uint16_t *row = (const uint16_t *)rows + j * stride;
    for (int64_t e = 0; e < n; e += 8) _mm256_storeu_ps(wide + e, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + e))));
    return wide;
}

__attribute__((always_inline)) AVX2_TARGET static inline void
tile_scores_steps(const float *qt, const void *keys, int64_t stride, int64_t count, float scale, float *scores, const int STEPS,
                  const int HALF) {
    const __m256 s = _mm256_set1_ps(scale);
    const size_t element = HALF ? 2 : 4;
    float wide[32 * STEPS];
    for (int64_t j = 0; j < count; j++) {
        // A prefetch never faults, so running past the last row is harmless.
        const char *ahead = (const char *)keys + (j + 4) * stride * (int64_t)element;
        for (size_t b = 0; b < 32 * STEPS * element; b += 64) _mm_prefetch(ahead + b, _MM_HINT_T0);
        const float *key = f32_row(keys, j, stride, 32 * STEPS, wide, HALF);
        _mm256_storeu_ps(scores + j * LANES, _mm256_mul_ps(tile_dot(qt, key, STEPS), s));
    }
}

/// One copy per head size in use (64, 128, 256 elements) and cache type; other multiples of 32
/// go per lane.
AVX2_TARGET static int tile_scores_avx2(const float *qt, const void *keys, int half, int64_t stride, int64_t count, int64_t n,
                                        float scale, float *scores) {
    switch (n * 2 + (half != 0)) {
    case 128: tile_scores_steps(qt, keys, stride, count, scale, scores, 2, 0); return 1;
    case 129: tile_scores_steps(qt, keys, stride, count, scale, scores, 2, 1); return 1;
    case 256: tile_scores_steps(qt, keys, stride, count, scale, scores, 4, 0); return 1;
    case 257: tile_scores_steps(qt, keys, stride, count, scale, scores, 4, 1); return 1;
    case 512: tile_scores_steps(qt, keys, stride, count, scale, scores, 8, 0); return 1;
    case 513: tile_scores_steps(qt, keys, stride, count, scale, scores, 8, 1); return 1;
    default: return 0;
    }
}

AVX2_TARGET static void tile_softmax_avx2(float *scores, int64_t count, const int64_t *first, const int64_t *end) {
    int32_t f[LANES], e[LANES];
    for (int t = 0; t < LANES; t++) { f[t] = (int32_t)first[t]; e[t] = (int32_t)end[t]; }
    const __m256i lo = _mm256_loadu_si256((const __m256i *)f), hi = _mm256_loadu_si256((const __m256i *)e);
    // Each lane's maximum over its range; the rest becomes -inf, whose exp is 0.
    const __m256 minus_inf = _mm256_set1_ps(-INFINITY);
    __m256 top = minus_inf;
    for (int64_t j = 0; j < count; j++) {
        const __m256i jj = _mm256_set1_epi32((int32_t)j);
        const __m256i in = _mm256_andnot_si256(_mm256_cmpgt_epi32(lo, jj), _mm256_cmpgt_epi32(hi, jj));
        const __m256 x = _mm256_blendv_ps(minus_inf, _mm256_loadu_ps(scores + j * LANES), _mm256_castsi256_ps(in));
        _mm256_storeu_ps(scores + j * LANES, x);
        top = _mm256_max_ps(x, top);
    }
    // The exps, and while the ranges start at the same offset mod 4 (no sliding window, or
    // all in one), the double sums per lane and residue of (j - first) mod 4 in vectors.
    int aligned = 1;
    for (int t = 1; t < LANES; t++) aligned &= (first[t] - first[0]) % 4 == 0;
    __m256d sum_lo[4], sum_hi[4];
    for (int r = 0; r < 4; r++) { sum_lo[r] = _mm256_setzero_pd(); sum_hi[r] = _mm256_setzero_pd(); }
    for (int64_t j = 0; j < count; j++) {
        const __m256 x = exp8(_mm256_sub_ps(_mm256_loadu_ps(scores + j * LANES), top));
        _mm256_storeu_ps(scores + j * LANES, x);
        if (!aligned) continue;
        const int r = (int)(((j - first[0]) % 4 + 4) % 4);
        sum_lo[r] = _mm256_add_pd(sum_lo[r], _mm256_cvtps_pd(_mm256_castps256_ps128(x)));
        sum_hi[r] = _mm256_add_pd(sum_hi[r], _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)));
    }
    float inverse[LANES];
    if (aligned) {
        const __m256d one = _mm256_set1_pd(1);
        const __m256d total_lo = _mm256_add_pd(_mm256_add_pd(sum_lo[0], sum_lo[1]), _mm256_add_pd(sum_lo[2], sum_lo[3]));
        const __m256d total_hi = _mm256_add_pd(_mm256_add_pd(sum_hi[0], sum_hi[1]), _mm256_add_pd(sum_hi[2], sum_hi[3]));
        _mm_storeu_ps(inverse, _mm256_cvtpd_ps(_mm256_div_pd(one, total_lo)));
        _mm_storeu_ps(inverse + 4, _mm256_cvtpd_ps(_mm256_div_pd(one, total_hi)));
    } else {
        for (int t = 0; t < LANES; t++) inverse[t] = (float)(1 / lane_sum(scores, t, first[t], end[t]));
    }
    const __m256 f8 = _mm256_loadu_ps(inverse);
    for (int64_t j = 0; j < count; j++) _mm256_storeu_ps(scores + j * LANES, _mm256_mul_ps(_mm256_loadu_ps(scores + j * LANES), f8));
}

/// Elements per pass of the values kernel (one accumulator each, eight lanes), and positions
/// per block (their rows stay in L1 while every pass meets them).
#define VALUE_ELEMENTS 8
#define VALUE_POSITIONS 64

/// Positions [j0, j1) of the weighted sums, added to `sums` (sums[e * LANES + t]) from f32
/// rows `stride` floats apart, starting at row j0.
__attribute__((always_inline)) AVX2_TARGET static inline void
values_block(const float *weights, const float *rows, int64_t stride, int64_t j0, int64_t j1, int64_t n, float *sums) {
    for (int64_t e0 = 0; e0 < n; e0 += VALUE_ELEMENTS) {
        __m256 acc[VALUE_ELEMENTS];
        for (int k = 0; k < VALUE_ELEMENTS; k++) acc[k] = j0 == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(sums + (e0 + k) * LANES);
        for (int64_t j = j0; j < j1; j++) {
            const __m256 w = _mm256_loadu_ps(weights + j * LANES);
            const float *v = rows + (j - j0) * stride + e0;
            for (int k = 0; k < VALUE_ELEMENTS; k++) acc[k] = _mm256_fmadd_ps(w, _mm256_broadcast_ss(v + k), acc[k]);
        }
        for (int k = 0; k < VALUE_ELEMENTS; k++) _mm256_storeu_ps(sums + (e0 + k) * LANES, acc[k]);
    }
}

AVX2_TARGET static void tile_values_avx2(const float *weights, const void *values, int half, int64_t stride, int64_t count, int64_t n,
                                         float *out, int64_t out_stride, int lanes) {
    float sums[n * LANES];                 // between position blocks
    float wide[half ? VALUE_POSITIONS * n : 1];  // a block of half-precision rows, widened
    for (int64_t j0 = 0; j0 == 0 || j0 < count; j0 += VALUE_POSITIONS) {
        const int64_t j1 = count < j0 + VALUE_POSITIONS ? count : j0 + VALUE_POSITIONS;
        if (half) {
            for (int64_t j = j0; j < j1; j++) f32_row(values, j, stride, n, wide + (j - j0) * n, 1);
            values_block(weights, wide, n, j0, j1, n, sums);
        } else {
            values_block(weights, (const float *)values + j0 * stride, stride, j0, j1, n, sums);
        }
    }
    for (int t = 0; t < lanes; t++) {
        for (int64_t e = 0; e < n; e++) out[t * out_stride + e] = sums[e * LANES + t];
    }
}
#endif

void quill_attention_tile_scores(const float *qt, const void *keys, int half, int64_t stride, int64_t count, int64_t n, float scale,
                                 float *scores) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2() && tile_scores_avx2(qt, keys, half, stride, count, n, scale, scores)) return;
#endif
    tile_scores_each(qt, keys, half, stride, count, n, scale, scores);
}

void quill_attention_tile_softmax(float *scores, int64_t count, const int64_t *first, const int64_t *end) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2()) { tile_softmax_avx2(scores, count, first, end); return; }
#endif
    tile_softmax_scalar(scores, count, first, end);
}

void quill_attention_tile_values(const float *weights, const void *values, int half, int64_t stride, int64_t count, int64_t n,
                                 float *out, int64_t out_stride, int lanes) {
#if defined(__x86_64__) || defined(__i386__)
    if (quill_use_avx2() && n % VALUE_ELEMENTS == 0) {
        tile_values_avx2(weights, values, half, stride, count, n, out, out_stride, lanes);
        return;
    }
#endif
    tile_values_each(weights, values, half, stride, count, n, out, out_stride, lanes);
}
