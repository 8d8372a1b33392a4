// Saturating narrowing stores for the inference kernels: int32 lanes to
// uint8 with every value below 0 stored as 0 and above 255 as 255, in a
// few vector instructions (Swift's generic SIMD narrowing is a library
// call). The lane vectors are Swift's SIMD8<Int32>.
#ifndef TEACHPAD_SHIM_PACK_H
#define TEACHPAD_SHIM_PACK_H

#include <stdint.h>
#include <string.h>

typedef int32_t shim_int32x8 __attribute__((ext_vector_type(8)));

#if defined(__x86_64__)
#include <immintrin.h>
// Not always_inline: inlining AVX2 code into a caller built without AVX2
// (the Embedded check) is an error; callers built for haswell inline it.
#define SHIM_PACK_TARGET __attribute__((target("avx2")))
#elif defined(__aarch64__)
#include <arm_neon.h>
#define SHIM_PACK_TARGET __attribute__((always_inline))
#else
#define SHIM_PACK_TARGET __attribute__((always_inline))
#endif

static inline uint8_t shim_saturate_byte(int32_t value) {
  return value < 0 ? 0 : value > 255 ? 255 : (uint8_t)value;
}

/// Stores the eight lanes of `values` to target[0..<8], saturated to 0...255.
static inline SHIM_PACK_TARGET void shim_store_saturated8(
    shim_int32x8 values, uint8_t *target) {
#if defined(__x86_64__)
  __m256i lanes;
  memcpy(&lanes, &values, sizeof lanes);
  __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(lanes),
                                  _mm256_extracti128_si256(lanes, 1));
  __m128i bytes = _mm_packus_epi16(words, words);
  _mm_storel_epi64((__m128i *)target, bytes);
#elif defined(__aarch64__)
  int32x4_t low, high;
  memcpy(&low, &values, sizeof low);
  memcpy(&high, (const char *)&values + sizeof low, sizeof high);
  int16x8_t words = vcombine_s16(vqmovn_s32(low), vqmovn_s32(high));
  vst1_u8(target, vqmovun_s16(words));
#else
  for (int lane = 0; lane < 8; lane++) target[lane] = shim_saturate_byte(values[lane]);
#endif
}

/// Stores `low` to target[0..<8] and `high` to target[8..<16], saturated to
/// 0...255, with one 16-byte store.
static inline SHIM_PACK_TARGET void shim_store_saturated16(
    shim_int32x8 low, shim_int32x8 high, uint8_t *target) {
#if defined(__x86_64__)
  __m256i a, b;
  memcpy(&a, &low, sizeof a);
  memcpy(&b, &high, sizeof b);
  // Per 128-bit half: [a0..a3 b0..b3 | a4..a7 b4..b7] as int16, then the
  // 64-bit quarters reordered to [a0..a7 | b0..b7].
  __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  __m128i bytes = _mm_packus_epi16(_mm256_castsi256_si128(words),
                                   _mm256_extracti128_si256(words, 1));
  _mm_storeu_si128((__m128i *)target, bytes);
#else
  shim_store_saturated8(low, target);
  shim_store_saturated8(high, target + 8);
#endif
}

#endif
