// What vecforge's kernels share: the Faiss SIMD level they repeat, and AVX-512 reductions. GCC 12's unmasked min
// and its _mm512_reduce_min_* pass _mm512_undefined_*() through and trip -Wmaybe-uninitialized (GCC bug 105593):
// these use the zero-masked forms, which compute the same lanes.
#pragma once

#include <faiss/utils/simd_levels.h>
#include <immintrin.h>

#include <cstdint>

namespace vecforge {
namespace simd {

/** The Faiss kernels vecforge repeats operation for operation: its AVX512 and AVX2 ones (others: Faiss's own). */
enum class Level { NONE, AVX2, AVX512 };

/** The level Faiss dispatches to now (AVX512_SPR and the rest: NONE, left to Faiss). */
inline Level dispatched() {
    switch (faiss::SIMDConfig::get_dispatched_level()) {
        case faiss::SIMDLevel::AVX512:
            return Level::AVX512;
        case faiss::SIMDLevel::AVX2:
            return Level::AVX2;
        default:
            return Level::NONE;
    }
}

__attribute__((target("avx512f"), always_inline)) inline __m512 min(__m512 a, __m512 b) {
    return _mm512_maskz_min_ps((__mmask16)0xFFFF, a, b);
}

/** The smallest of 16 lanes (exact: a minimum rounds nothing). */
__attribute__((target("avx512f"), always_inline)) inline float lowest(__m512 v) {
    const __mmask16 all = 0xFFFF;
    __m512 m = _mm512_maskz_min_ps(all, v, _mm512_maskz_shuffle_f32x4(all, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm512_maskz_min_ps(all, m, _mm512_maskz_shuffle_f32x4(all, m, m, _MM_SHUFFLE(2, 3, 0, 1)));
    m = _mm512_maskz_min_ps(all, m, _mm512_maskz_permute_ps(all, m, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm512_maskz_min_ps(all, m, _mm512_maskz_permute_ps(all, m, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm512_cvtss_f32(m);
}

/** The smallest of 16 unsigned lanes. */
__attribute__((target("avx512f"), always_inline)) inline uint32_t lowest(__m512i v) {
    const __mmask16 all = 0xFFFF;
    __m512i m = _mm512_maskz_min_epu32(all, v, _mm512_maskz_shuffle_i32x4(all, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm512_maskz_min_epu32(all, m, _mm512_maskz_shuffle_i32x4(all, m, m, _MM_SHUFFLE(2, 3, 0, 1)));
    m = _mm512_maskz_min_epu32(all, m, _mm512_maskz_shuffle_epi32(all, m, _MM_PERM_BADC));
    m = _mm512_maskz_min_epu32(all, m, _mm512_maskz_shuffle_epi32(all, m, _MM_PERM_CDAB));
    return (uint32_t)_mm512_cvtsi512_si32(m);
}

}  // namespace simd
}  // namespace vecforge
