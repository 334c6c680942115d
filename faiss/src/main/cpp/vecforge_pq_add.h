// IndexIVFPQ's add with the PQ encoding of 4-dimensional sub-vectors done on centroids transposed once per batch:
// Faiss's AVX512 and AVX2 kernels (fvec_L2sqr_ny_nearest_D4) transpose every 16 (8) centroids again for every
// sub-vector of every row. The distances and the choice among them are Faiss's own, operation for operation, so the codes,
// and the index, are the bytes Faiss's add writes.
#pragma once

#include <faiss/IndexIVFPQ.h>
#include <faiss/impl/FaissAssert.h>
#include <faiss/invlists/DirectMap.h>
#include <immintrin.h>

#include "vecforge_simd.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <typeinfo>
#include <vector>

namespace vecforge {

class TransposedPqAdd {
public:
    /**
     * Whether add() writes what this index's own add would: an exact IndexIVFPQ encoding residuals with 8-bit
     * codes of 4-dimensional sub-vectors, while Faiss dispatches to its AVX512 or AVX2 kernels (whose arithmetic
     * and choice among equal distances encodeD4 repeats; at any other level Faiss's own add runs).
     */
    static bool serves(const faiss::Index* index) {
        if (index == nullptr || typeid(*index) != typeid(faiss::IndexIVFPQ)) return false;
        const auto* ivfpq = static_cast<const faiss::IndexIVFPQ*>(index);
        return ivfpq->is_trained && ivfpq->by_residual && ivfpq->pq.dsub == 4 && ivfpq->pq.nbits == 8
                && ivfpq->pq.ksub == 256 && ivfpq->pq.transposed_centroids.empty() && ivfpq->quantizer != nullptr
                && ivfpq->invlists != nullptr
                && level() != Level::NONE;
    }

    /**
     * Adds n rows (ids xids, or ntotal onwards when null) already assigned to their lists, as IndexIVFPQ's
     * add_core does: residuals from the coarse quantizer, PQ codes, entries appended to each list in row order,
     * the direct map kept, ntotal moved on. Rows assigned to no list (-1) are ignored, as Faiss ignores them.
     */
    static void add(faiss::IndexIVFPQ* index, faiss::idx_t n, const float* x, const faiss::idx_t* xids,
                    const faiss::idx_t* assign) {
        FAISS_THROW_IF_NOT(serves(index));
        index->direct_map.check_can_add(xids);
        const size_t d = index->d;
        const size_t M = index->pq.M;
        const size_t codeSize = index->code_size;
        std::vector<float> transposed(M * 4 * 256);
        for (size_t m = 0; m < M; m++) {
            for (size_t c = 0; c < 256; c++) {
                const float* centroid = index->pq.get_centroids(m, c);
                for (size_t k = 0; k < 4; k++) transposed[(m * 4 + k) * 256 + c] = centroid[k];
            }
        }
        const Level level = TransposedPqAdd::level();
        std::vector<uint8_t> codes((size_t)n * codeSize);
        std::vector<float> residual(d);
        for (faiss::idx_t i = 0; i < n; i++) {
            if (assign[i] < 0) {
                std::memset(residual.data(), 0, sizeof(float) * d);
            } else {
                index->quantizer->compute_residual(x + (size_t)i * d, residual.data(), assign[i]);
            }
            if (level == Level::AVX512) {
                encodeD4(residual.data(), M, transposed.data(), codes.data() + (size_t)i * codeSize);
            } else {
                encodeD4Avx2(residual.data(), M, transposed.data(), codes.data() + (size_t)i * codeSize);
            }
        }
        faiss::DirectMapAdd directMap(index->direct_map, (size_t)n, xids);
        for (faiss::idx_t i = 0; i < n; i++) {
            const faiss::idx_t list = assign[i];
            if (list < 0) {
                directMap.add((size_t)i, -1, 0);
                continue;
            }
            const faiss::idx_t id = xids != nullptr ? xids[i] : index->ntotal + i;
            const size_t offset = index->invlists->add_entry(list, id, codes.data() + (size_t)i * codeSize);
            directMap.add((size_t)i, list, offset);
        }
        index->ntotal += n;
    }

private:
    using Level = simd::Level;

    /** The kernels Faiss dispatches to now (AVX512_SPR and others: Faiss's own add). */
    static Level level() { return simd::dispatched(); }

    /**
     * encodeD4 for Faiss's AVX2 kernel (fvec_L2sqr_ny_nearest_D4<AVX2>): 8 lanes, and among equal distances in a
     * lane the later centroid (its blend keeps the old index only when the old distance is strictly smaller);
     * then the first lane holding the smallest distance.
     */
    __attribute__((target("avx2,fma"))) static void encodeD4Avx2(const float* x, size_t M, const float* transposed,
                                                                   uint8_t* code) {
        size_t m = 0;
        for (; m + 4 <= M; m += 4) nearestD4Avx2<4>(x, m, transposed, code);
        for (; m < M; m++) nearestD4Avx2<1>(x, m, transposed, code);
    }

    template <int G>
    __attribute__((target("avx2,fma"), always_inline)) static inline void nearestD4Avx2(const float* x,
                                                                                          size_t first,
                                                                                          const float* transposed,
                                                                                          uint8_t* code) {
        const __m256i increment = _mm256_set1_epi32(8);
        __m256 m0[G], m1[G], m2[G], m3[G], minDistances[G];
        __m256i minIndices[G];
        const float* t[G];
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            const size_t m = first + g;
            t[g] = transposed + m * 4 * 256;
            m0[g] = _mm256_set1_ps(x[m * 4 + 0]);
            m1[g] = _mm256_set1_ps(x[m * 4 + 1]);
            m2[g] = _mm256_set1_ps(x[m * 4 + 2]);
            m3[g] = _mm256_set1_ps(x[m * 4 + 3]);
            minDistances[g] = _mm256_set1_ps(HUGE_VALF);
            minIndices[g] = _mm256_set1_epi32(0);
        }
        __m256i indices = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        for (size_t c = 0; c < 256; c += 8) {
#pragma GCC unroll 4
            for (int g = 0; g < G; g++) {
                const __m256 d0 = _mm256_sub_ps(m0[g], _mm256_loadu_ps(t[g] + 0 * 256 + c));
                const __m256 d1 = _mm256_sub_ps(m1[g], _mm256_loadu_ps(t[g] + 1 * 256 + c));
                const __m256 d2 = _mm256_sub_ps(m2[g], _mm256_loadu_ps(t[g] + 2 * 256 + c));
                const __m256 d3 = _mm256_sub_ps(m3[g], _mm256_loadu_ps(t[g] + 3 * 256 + c));
                __m256 distances = _mm256_mul_ps(d0, d0);
                distances = _mm256_fmadd_ps(d1, d1, distances);
                distances = _mm256_fmadd_ps(d2, d2, distances);
                distances = _mm256_fmadd_ps(d3, d3, distances);
                const __m256 keepOld = _mm256_cmp_ps(minDistances[g], distances, _CMP_LT_OS);
                minDistances[g] = _mm256_min_ps(distances, minDistances[g]);
                minIndices[g] = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(indices),
                                                                     _mm256_castsi256_ps(minIndices[g]), keepOld));
            }
            indices = _mm256_add_epi32(indices, increment);
        }
        // the first lane holding the smallest distance, as Faiss's scan of the 8 lanes finds it
        alignas(32) uint32_t laneIndices[8];
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            const __m256 lanes = minDistances[g];
            __m256 best = _mm256_min_ps(lanes, _mm256_permute2f128_ps(lanes, lanes, 1));
            best = _mm256_min_ps(best, _mm256_shuffle_ps(best, best, _MM_SHUFFLE(1, 0, 3, 2)));
            best = _mm256_min_ps(best, _mm256_shuffle_ps(best, best, _MM_SHUFFLE(2, 3, 0, 1)));
            const unsigned holders = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(lanes, best, _CMP_EQ_OQ));
            _mm256_store_si256(reinterpret_cast<__m256i*>(laneIndices), minIndices[g]);
            code[first + g] = (uint8_t)(holders == 0 ? 0 : laneIndices[__builtin_ctz(holders)]);
        }
    }

    /**
     * The nearest of each sub-quantizer's 256 centroids (transposed: for sub-quantizer m, component k of centroid
     * c at (m * 4 + k) * 256 + c) to each 4-dimensional sub-vector of x: fvec_L2sqr_ny_nearest_D4<AVX512>'s
     * loop and its choice among equal distances (the first of each lane, then the first lane), step for step.
     * Four sub-quantizers go through the loop together: each one's running minimum waits on the previous
     * step's, and four independent chains keep the vector units busy where one left them waiting.
     */
    __attribute__((target("avx512f"))) static void encodeD4(const float* x, size_t M, const float* transposed,
                                                              uint8_t* code) {
        size_t m = 0;
        for (; m + 4 <= M; m += 4) nearestD4<4>(x, m, transposed, code);
        for (; m < M; m++) nearestD4<1>(x, m, transposed, code);
    }

    template <int G>
    __attribute__((target("avx512f"), always_inline)) static inline void nearestD4(const float* x, size_t first,
                                                                                     const float* transposed,
                                                                                     uint8_t* code) {
        const __m512i increment = _mm512_set1_epi32(16);
        __m512 m0[G], m1[G], m2[G], m3[G], minDistances[G];
        __m512i minIndices[G];
        const float* t[G];
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            const size_t m = first + g;
            t[g] = transposed + m * 4 * 256;
            m0[g] = _mm512_set1_ps(x[m * 4 + 0]);
            m1[g] = _mm512_set1_ps(x[m * 4 + 1]);
            m2[g] = _mm512_set1_ps(x[m * 4 + 2]);
            m3[g] = _mm512_set1_ps(x[m * 4 + 3]);
            minDistances[g] = _mm512_set1_ps(HUGE_VALF);
            minIndices[g] = _mm512_set1_epi32(0);
        }
        __m512i indices = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (size_t c = 0; c < 256; c += 16) {
#pragma GCC unroll 4
            for (int g = 0; g < G; g++) {
                const __m512 d0 = _mm512_sub_ps(m0[g], _mm512_loadu_ps(t[g] + 0 * 256 + c));
                const __m512 d1 = _mm512_sub_ps(m1[g], _mm512_loadu_ps(t[g] + 1 * 256 + c));
                const __m512 d2 = _mm512_sub_ps(m2[g], _mm512_loadu_ps(t[g] + 2 * 256 + c));
                const __m512 d3 = _mm512_sub_ps(m3[g], _mm512_loadu_ps(t[g] + 3 * 256 + c));
                __m512 distances = _mm512_mul_ps(d0, d0);
                distances = _mm512_fmadd_ps(d1, d1, distances);
                distances = _mm512_fmadd_ps(d2, d2, distances);
                distances = _mm512_fmadd_ps(d3, d3, distances);
                const __mmask16 closer = _mm512_cmp_ps_mask(distances, minDistances[g], _CMP_LT_OS);
                minDistances[g] = simd::min(distances, minDistances[g]);
                minIndices[g] = _mm512_mask_blend_epi32(closer, minIndices[g], indices);
            }
            indices = _mm512_add_epi32(indices, increment);
        }
        // Faiss scans the 16 lanes for a strictly smaller distance: the first lane holding the smallest one wins
        // (found here without its unpredictable branches)
        alignas(64) uint32_t laneIndices[16];
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            const float best = simd::lowest(minDistances[g]);
            const __mmask16 holders = _mm512_cmp_ps_mask(minDistances[g], _mm512_set1_ps(best), _CMP_EQ_OQ);
            _mm512_store_epi32(laneIndices, minIndices[g]);
            const unsigned lanes = (unsigned)holders; // never 0 for finite distances (the inputs are checked)
            code[first + g] = (uint8_t)(lanes == 0 ? 0 : laneIndices[__builtin_ctz(lanes)]);
        }
    }
};

} // namespace vecforge
