// Quantized dot products and activation quantizers for QuillEngine's hot loops.
//
// Why C: Swift's SIMD types on Linux compile an int8 dot product into stack spills and
// scalar shuffles (measured: a 32-element SIMD32<Int8> dot emits ~80 instructions with
// 20 spills), while the same loop here is 6 AVX2 instructions. Every kernel has a portable
// scalar path; the AVX2 path is chosen at run time, and both are tested against the Swift
// reference dequantization in QuillEngine.
#ifndef QUILL_KERNELS_H
#define QUILL_KERNELS_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the AVX2/FMA/F16C paths are in use.
int quill_kernels_have_avx2(void);
/// Forces the scalar paths (tests compare both).
void quill_kernels_force_scalar(int on);

float quill_f16_to_f32(uint16_t h);
uint16_t quill_f32_to_f16(float f);

// Activation quantizers. n is a multiple of the block size (32, or 256 for q8_K).
// a8 block (for every 32-element weight format): f32 d, f32 s = d * sum(qs), int8 qs[32] (40 bytes).
// q8_K block (for K-quants): f32 d, int8 qs[256], int16 bsums[16] (292 bytes).
void quill_quantize_a8(const float *x, void *y, int64_t n);
void quill_quantize_q8_K(const float *x, void *y, int64_t n);

// Dot products of one weight row (n elements) with `count` (1...8) quantized activation rows
// that start `x_stride` bytes apart; out[t] receives the product with row t, equal bit for bit
// to the product with row t alone. Sharing one unpacked weight block among several activation
// rows is what makes prompt processing faster per token than decoding: the K-quant kernels
// unpack each super-block once for up to eight rows (more rows are taken eight at a time).
#define QUILL_DOT_SIGNATURE(name) \
    void quill_dot_##name(const void *w, const void *x, int64_t x_stride, int count, int64_t n, float *out)
QUILL_DOT_SIGNATURE(q4_0);
QUILL_DOT_SIGNATURE(q4_1);
QUILL_DOT_SIGNATURE(q5_0);
QUILL_DOT_SIGNATURE(q5_1);
QUILL_DOT_SIGNATURE(q8_0);
QUILL_DOT_SIGNATURE(q4_K);
QUILL_DOT_SIGNATURE(q5_K);
QUILL_DOT_SIGNATURE(q6_K);

// Batched products for the 32-element formats: up to eight activation rows quantized into a
// tile (block_a8x8: the a8 blocks of every row, interleaved) meet each unpacked weight block
// together, and the per-row sums come out in one vector lane per activation row.
#define QUILL_TILE_ROWS 8
/// Bytes of one tile of n-element rows (n a multiple of 32): 352 per 32 elements.
static inline int64_t quill_tile_bytes(int64_t n) { return n / 32 * 352; }
/// Quantizes `count` (1...8) rows of n floats, `x_stride` floats apart, into a tile, exactly
/// as quill_quantize_a8 would; the tile's other rows are zeroed.
void quill_quantize_a8_tile(const float *x, int64_t x_stride, int count, int64_t n, void *tile);

// out[t * out_stride + r] = weight row r · activation row t, for `rows` weight rows starting
// `w_stride` bytes apart and the first `count` (1...8) rows of the tile.
#define QUILL_TILE_DOT_SIGNATURE(name) \
    void quill_tile_dot_##name(const void *w, int64_t w_stride, int rows, const void *tile, int count, int64_t n, \
                               float *out, int64_t out_stride)
QUILL_TILE_DOT_SIGNATURE(q4_0);
QUILL_TILE_DOT_SIGNATURE(q4_1);
QUILL_TILE_DOT_SIGNATURE(q5_0);
QUILL_TILE_DOT_SIGNATURE(q5_1);
QUILL_TILE_DOT_SIGNATURE(q8_0);

// Decoding one token: `rows` (any number) weight rows starting `w_stride` bytes apart, each
// times one a8 activation row (from quill_quantize_a8): out[r] = weight row r · x. Equal bit for
// bit to quill_dot_<fmt> with one row, row by row; the AVX2 kernels take four rows at a time,
// so four independent chains of float operations overlap and the activations are read once.
#define QUILL_ROWS_DOT_SIGNATURE(name) \
    void quill_rows_dot_##name(const void *w, int64_t w_stride, int rows, const void *x, int64_t n, float *out)
QUILL_ROWS_DOT_SIGNATURE(q4_0);
QUILL_ROWS_DOT_SIGNATURE(q4_1);
QUILL_ROWS_DOT_SIGNATURE(q5_0);
QUILL_ROWS_DOT_SIGNATURE(q5_1);
QUILL_ROWS_DOT_SIGNATURE(q8_0);

// Float kernels.
float quill_dot_f32(const float *a, const float *b, int64_t n);
float quill_dot_f16_f32(const uint16_t *a, const float *b, int64_t n);
/// y += a * x
void quill_axpy_f32(float a, const float *x, float *y, int64_t n);

// Attention of `heads` query heads over `count` cached rows, `stride` elements apart. The
// scores kernels take `kv_heads` KV heads, n elements each and side by side in a row; query
// head h (its query n floats after the previous one's) meets KV head h / (heads / kv_heads).
// The values kernels likewise, for a range of the row's elements. Equal, bit for bit, to a
// quill_dot_f32 per head and key times `scale`, and to a quill_axpy_f32 per head and value,
// in position order, into a zeroed output.
/// scores[h * scores_stride + j] = scale * (q[h * n ..< h * n + n] · keys[j * stride + g * n ..< j * stride + g * n + n]),
/// g = h / (heads / kv_heads)
void quill_attention_scores(const float *q, int heads, int kv_heads, const float *keys, int64_t stride, int64_t count, int64_t n,
                            float scale, float *scores, int64_t scores_stride);
/// out[h * out_stride + i] = Σ_j (weights[h * weights_stride + j] · inverse[h]) * values[j * stride + e] for the
/// row elements e in [first, last), where e = g * n + i belongs to KV head g and its heads h (g = h / (heads /
/// kv_heads)); `inverse` is NULL for weights already normalized. Each output element is summed over the
/// positions in order, blocks of rows at a time, so a range is read from memory once.
void quill_attention_values(const float *weights, int heads, int kv_heads, int64_t weights_stride, const float *inverse,
                            const float *values, int64_t stride, int64_t count, int64_t n, int64_t first, int64_t last,
                            float *out, int64_t out_stride);
/// The same over a half-precision cache: each element is widened to f32 as it is read, so the
/// results equal the f32 kernels' over the widened rows, bit for bit.
void quill_attention_scores_f16(const float *q, int heads, int kv_heads, const uint16_t *keys, int64_t stride, int64_t count,
                                int64_t n, float scale, float *scores, int64_t scores_stride);
void quill_attention_values_f16(const float *weights, int heads, int kv_heads, int64_t weights_stride, const float *inverse,
                                const uint16_t *values, int64_t stride, int64_t count, int64_t n, int64_t first, int64_t last,
                                float *out, int64_t out_stride);
/// A prompt's attention eight queries at a time (attention_tile.c): one query head of eight
/// consecutive tokens, in the lanes of a tile. Each lane's results equal the one-query
/// kernels' (quill_attention_scores(_f16), quill_softmax_f32 over its range,
/// quill_attention_values(_f16)) bit for bit. Cached rows are f32, or f16 when `half`.
#define QUILL_ATTENTION_TILE 8
/// scores[j·8 + t] = (query t · key row j) · scale for `count` rows `stride` elements apart;
/// qt[e·8 + t] is element e of query t (the queries transposed).
void quill_attention_tile_scores(const float *qt, const void *keys, int half, int64_t stride, int64_t count, int64_t n, float scale,
                                 float *scores);
/// In place, lane t becomes the softmax of its rows [first[t], end[t]) and 0 elsewhere.
void quill_attention_tile_softmax(float *scores, int64_t count, const int64_t *first, const int64_t *end);
/// out[t·out_stride + e] = Σ_j weights[j·8 + t] · value row j's element e (e < n), for the
/// first `lanes` lanes.
void quill_attention_tile_values(const float *weights, const void *values, int half, int64_t stride, int64_t count, int64_t n,
                                 float *out, int64_t out_stride, int lanes);
/// y[i] = x[i] rounded to half precision (to nearest, ties to even; as quill_f32_to_f16).
void quill_f32_to_f16_row(const float *x, uint16_t *y, int64_t n);

/// gate[i] = gelu_tanh(gate[i]) · up[i] (GeGLU), in place, with ggml's rounding of the GELU's
/// input and result to half precision (0 at or below -10, gate[i] · up[i] at or above 10).
void quill_geglu_f32(float *gate, const float *up, int64_t n);

/// exp(x), equal bit for bit to glibc's expf on every input (its method, in double; exp.c).
float quill_expf(float x);
/// The largest of x[0..<n], NaNs skipped; -infinity for none.
float quill_max_f32(const float *x, int64_t n);
/// x[i] = quill_expf(x[i] - top) in place; returns their sum in double (elements i ≡ l mod 4
/// summed in order in lane l, then (l0 + l1) + (l2 + l3)): softmax's middle step, also run
/// over parts of a row (attention split over positions).
double quill_exp_sum_f32(float *x, int64_t n, float top);
/// In-place softmax: x[i] = exp(x[i] - max) · (float)(1 / Σ), with quill_exp_sum_f32's sum.
void quill_softmax_f32(float *x, int64_t n);
/// gate[i] = gate[i] / (1 + exp(-gate[i])) · up[i] (SwiGLU), in place, with quill_expf.
void quill_swiglu_f32(float *gate, const float *up, int64_t n);
/// ln Σ exp(x[i]), computed stably (the row's maximum is subtracted first); log-probabilities
/// are logits minus this.
float quill_log_sum_exp_f32(const float *x, int64_t n);

/// The k largest of x[0..<n] (NaNs skipped), largest first and equal values in index order,
/// into values[0..<k] and ids[0..<k]; returns how many there are (min(k, non-NaN entries)).
/// One pass over the row (select.c), for small k: an entry that enters costs up to k moves.
int64_t quill_top_k_f32(const float *x, int64_t n, int64_t k, float *values, int32_t *ids);

/// A spin-wait hint for the thread pool's barrier.
static inline void quill_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#ifdef __cplusplus
}
#endif
#endif
