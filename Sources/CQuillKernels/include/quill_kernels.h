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
// q8_0 block: f16 d, int8 qs[32] (34 bytes).
// q8_1 block: f16 d, f16 s = d * sum(qs), int8 qs[32] (36 bytes).
// q8_K block: f32 d, int8 qs[256], int16 bsums[16] (292 bytes).
void quill_quantize_q8_0(const float *x, void *y, int64_t n);
void quill_quantize_q8_1(const float *x, void *y, int64_t n);
void quill_quantize_q8_K(const float *x, void *y, int64_t n);

// Dot products of one weight row (n elements) with quantized activations.
float quill_dot_q4_0_q8_0(const void *w, const void *x, int64_t n);
float quill_dot_q4_1_q8_1(const void *w, const void *x, int64_t n);
float quill_dot_q5_0_q8_0(const void *w, const void *x, int64_t n);
float quill_dot_q5_1_q8_1(const void *w, const void *x, int64_t n);
float quill_dot_q8_0_q8_0(const void *w, const void *x, int64_t n);
float quill_dot_q4_K_q8_K(const void *w, const void *x, int64_t n);
float quill_dot_q5_K_q8_K(const void *w, const void *x, int64_t n);
float quill_dot_q6_K_q8_K(const void *w, const void *x, int64_t n);

// Float kernels.
float quill_dot_f32(const float *a, const float *b, int64_t n);
float quill_dot_f16_f32(const uint16_t *a, const float *b, int64_t n);
/// y += a * x
void quill_axpy_f32(float a, const float *x, float *y, int64_t n);

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
