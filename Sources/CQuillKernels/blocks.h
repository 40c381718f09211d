// Block layouts shared by the kernels; they match ggml's, so GGUF tensor bytes are read in place.
#ifndef QUILL_BLOCKS_H
#define QUILL_BLOCKS_H
#include <stdint.h>

#define QK 32
#define QK_K 256

typedef struct { uint16_t d; uint8_t qs[QK / 2]; } block_q4_0;
typedef struct { uint16_t d, m; uint8_t qs[QK / 2]; } block_q4_1;
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[QK / 2]; } block_q5_0;
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[QK / 2]; } block_q5_1;
typedef struct { uint16_t d; int8_t qs[QK]; } block_q8_0;
/// Activations for 32-element weight blocks; f32 scales save a conversion per block.
typedef struct { float d, s; int8_t qs[QK]; } block_a8;
/// Block i of a tile of up to eight a8 rows (the batched kernels' activations). Rows are in
/// two groups of four (g = 0, 1). `d[g]` holds the group's four scales twice over, `s` the
/// eight rows' sums, and for k = 0...3 `qs[g][k]` is a 32-byte vector with elements 4k..4k+3
/// of each row of the group, then elements 16+4k..16+4k+3 of each: one 4-byte weight lane
/// broadcast (vpshufd) meets four rows in one vpmaddubsw, and the halves of the result line
/// up with `d[g]`.
typedef struct { float d[2][8], s[8]; int8_t qs[2][4][QK]; } block_a8x8;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[QK_K / 2]; } block_q4_K;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } block_q5_K;
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; } block_q6_K;
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } block_q8_K;

_Static_assert(sizeof(block_q4_0) == 18, "q4_0 block");
_Static_assert(sizeof(block_q4_1) == 20, "q4_1 block");
_Static_assert(sizeof(block_q5_0) == 22, "q5_0 block");
_Static_assert(sizeof(block_q5_1) == 24, "q5_1 block");
_Static_assert(sizeof(block_q8_0) == 34, "q8_0 block");
_Static_assert(sizeof(block_a8) == 40, "a8 block");
_Static_assert(sizeof(block_a8x8) == 352, "a8x8 block");
_Static_assert(sizeof(block_q4_K) == 144, "q4_K block");
_Static_assert(sizeof(block_q5_K) == 176, "q5_K block");
_Static_assert(sizeof(block_q6_K) == 210, "q6_K block");
_Static_assert(sizeof(block_q8_K) == 292, "q8_K block");

/// The 6-bit scale and min of sub-block j of a Q4_K/Q5_K super-block (12 packed bytes).
static inline void quill_scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *mn) {
    if (j < 4) {
        *sc = q[j] & 63;
        *mn = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        *mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/// Where element e (0..31) of row t (0..7) sits in a block_a8x8's qs; its scale is d[t / 4][t % 4].
static inline int8_t *quill_a8x8_lane(block_a8x8 *b, int t, int e) {
    return &b->qs[t / 4][(e % 16) / 4][(e / 16) * 16 + (t % 4) * 4 + e % 4];
}

float quill_f16_to_f32(uint16_t h);

/// 1 when the AVX2 paths are in use, 0 when not, -1 before the first check (dispatch.c).
extern int quill_avx2_active;
int quill_avx2_detect(void);
/// Whether to take the AVX2 paths: a load and a predictable branch, for kernels called
/// hundreds of thousands of times per token (attention rows).
static inline int quill_use_avx2(void) {
    const int active = quill_avx2_active;
    return active >= 0 ? active : quill_avx2_detect();
}

#define AVX2_TARGET __attribute__((target("avx2,fma,f16c")))
#endif
