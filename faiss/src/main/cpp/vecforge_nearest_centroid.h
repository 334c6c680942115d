// The nearest of k centroids in a small sub-space (the k-means assignment of PQ codebooks and OPQ rotations):
// Faiss's fused distance + argmin kernel (exhaustive_L2sqr_fused_cmax, AVX512 and AVX2), its arithmetic operation
// for operation, with the last step, choosing among the lanes' minima, done in vector registers. Faiss merges the
// 16 (8) lanes of every row one by one with two unpredictable branches each: with 256 centroids that merge took
// more time than the distances themselves. Same distances, same labels, so k-means trains the same centroids.
#pragma once

#include "vecforge_simd.h"
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <vector>

namespace vecforge {

class NearestCentroid {
public:
    using Level = simd::Level;

    /**
     * Whether nearest() answers as Faiss's fused kernel would at the level Faiss dispatches now: L2 (the caller's
     * part), a sub-space of 2, 4 or 8 dimensions (whose norms this header computes as Faiss's build does;
     * the test checks that) and a number of centroids that fills whole vectors (Faiss computes the rest with its
     * scalar loop).
     */
    static bool serves(int d, int64_t k) {
        const Level at = simd::dispatched();
        if (at == Level::NONE || k <= 0 || k > INT32_MAX) return false;
        if (d != 2 && d != 4 && d != 8) return false;
        return k % (at == Level::AVX512 ? 16 : 8) == 0;
    }

    /** Keeps k centroids of d dimensions transposed (dimension-major) with their squared norms; serves(d, k). */
    void setCentroids(int d, int64_t k, const float* centroids) {
        d_ = d;
        k_ = k;
        level_ = simd::dispatched();
        transposed_.assign((size_t)d * (size_t)k, 0.0f);
        norms_.assign((size_t)k, 0.0f);
        for (int64_t j = 0; j < k; j++) {
            const float* c = centroids + (size_t)j * (size_t)d;
            for (int t = 0; t < d; t++) transposed_[(size_t)t * (size_t)k + (size_t)j] = c[t];
            norms_[(size_t)j] = level_ == Level::AVX512 ? normAvx512(d, c) : normAvx2(d, c);
        }
    }

    /** Whether Faiss still dispatches to the level the centroids were kept for (tests pin levels). */
    bool current() const { return level_ != Level::NONE && level_ == simd::dispatched(); }

    /** For each of n rows, its nearest centroid's squared L2 distance and index (Faiss's ties: the lower index). */
    void nearest(int64_t n, const float* x, float* distances, int64_t* labels) const {
        const int64_t blocks = (n + BLOCK - 1) / BLOCK;
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t b = 0; b < blocks; b++) {
            const int64_t first = b * BLOCK;
            const int64_t rows = std::min<int64_t>(BLOCK, n - first);
            if (level_ == Level::AVX512) {
                dispatchAvx512(rows, x + first * d_, distances + first, labels + first);
            } else {
                dispatchAvx2(rows, x + first * d_, distances + first, labels + first);
            }
        }
    }

private:
    static constexpr int64_t BLOCK = 256;

    /** Faiss's l2_sqr<4> of its AVX512 unit: squares, then two horizontal adds; other sizes: as its AVX2 unit. */
    __attribute__((target("avx512f,avx2,fma,sse3"))) static float normAvx512(int d, const float* x) {
        if (d != 4) return normAvx2(d, x);
        __m128 v = _mm_loadu_ps(x);
        __m128 v2 = _mm_mul_ps(v, v);
        v2 = _mm_hadd_ps(v2, v2);
        v2 = _mm_hadd_ps(v2, v2);
        return _mm_cvtss_f32(v2);
    }

    /**
     * Faiss's generic l2_sqr as GCC contracts it there (the sum x0² + x1² + ... with each addition fused into
     * the next product: the second square first, then the first fused onto it, then the rest in order).
     */
    __attribute__((target("avx2,fma"))) static float normAvx2(int d, const float* x) {
        float sum = x[1] * x[1];  // d >= 2
        sum = __builtin_fmaf(x[0], x[0], sum);
        for (int t = 2; t < d; t++) sum = __builtin_fmaf(x[t], x[t], sum);
        return sum;
    }

    /** Faiss's merge of the lanes, when a lane holds no finite candidate (NaN or infinite input): one at a time. */
    static void mergeLanes(int lanes, const float* minima, const uint32_t* indexes, float norm, float* distance,
                           int64_t* label) {
        float best = FLT_MAX;
        uint32_t bestIndex = (uint32_t)-1;
        for (int l = 0; l < lanes; l++) {
            float candidate = minima[l] + norm;
            if (candidate < 0) candidate = 0;
            const int64_t index = indexes[l];
            if (best > candidate) {
                best = candidate;
                bestIndex = (uint32_t)index;
            } else if (best == candidate && bestIndex > index) {
                bestIndex = (uint32_t)index;
            }
        }
        if (FLT_MAX > best) {  // Top1BlockResultHandler::add_result keeps only a better result
            *distance = best;
            *label = bestIndex;
        } else {
            *distance = FLT_MAX;
            *label = -1;
        }
    }

    __attribute__((target("avx512f,avx2,fma,sse3"))) void dispatchAvx512(int64_t n, const float* x, float* distances,
                                                                         int64_t* labels) const {
        switch (d_) {
            case 2: rowsAvx512<2, 8>(n, x, distances, labels); break;
            case 4: rowsAvx512<4, 4>(n, x, distances, labels); break;
            default: rowsAvx512<8, 2>(n, x, distances, labels); break;
        }
    }

    template <int D, int P>
    __attribute__((target("avx512f,avx2,fma,sse3"))) void rowsAvx512(int64_t n, const float* x, float* distances,
                                                                     int64_t* labels) const {
        int64_t i = 0;
        for (; i + P <= n; i += P) pointsAvx512<D, P>(x + i * D, distances + i, labels + i);
        for (; i < n; i++) pointsAvx512<D, 1>(x + i * D, distances + i, labels + i);
    }

    /**
     * P rows against every centroid, as Faiss's AVX512 kernel: -2x times the centroid (a product, then fused
     * multiply-adds in dimension order) plus the centroid's norm; each lane keeps its strictly smaller distance
     * (the first centroid among equals); then each lane's minimum plus the row's norm, negatives as zero, and the
     * smallest of those, the lowest index among equals.
     */
    template <int D, int P>
    __attribute__((target("avx512f,avx2,fma,sse3"), always_inline)) inline void pointsAvx512(
            const float* x, float* distances, int64_t* labels) const {
        float minusTwoX[P][D];
        float norm[P];
        __m512 minima[P];
        __m512i indexes[P];
        #pragma GCC unroll 16
        for (int p = 0; p < P; p++) {
            #pragma GCC unroll 16
            for (int t = 0; t < D; t++) minusTwoX[p][t] = -2 * x[p * D + t];
            norm[p] = normAvx512(D, x + p * D);
            minima[p] = _mm512_set1_ps(FLT_MAX - norm[p]);
            indexes[p] = _mm512_setzero_si512();
        }
        __m512i current = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i step = _mm512_set1_epi32(16);
        const float* t0 = transposed_.data();
        for (int64_t j = 0; j < k_; j += 16) {
            __m512 dp[P];
            const __m512 y0 = _mm512_loadu_ps(t0 + j);
            #pragma GCC unroll 16
            for (int p = 0; p < P; p++) dp[p] = _mm512_mul_ps(_mm512_set1_ps(minusTwoX[p][0]), y0);
            #pragma GCC unroll 16
            for (int t = 1; t < D; t++) {
                const __m512 yt = _mm512_loadu_ps(t0 + (size_t)t * (size_t)k_ + j);
                #pragma GCC unroll 16
                for (int p = 0; p < P; p++) dp[p] = _mm512_fmadd_ps(_mm512_set1_ps(minusTwoX[p][t]), yt, dp[p]);
            }
            const __m512 yNorm = _mm512_loadu_ps(norms_.data() + j);
            #pragma GCC unroll 16
            for (int p = 0; p < P; p++) {
                dp[p] = _mm512_add_ps(dp[p], yNorm);
                const __mmask16 less = _mm512_cmp_ps_mask(dp[p], minima[p], _CMP_LT_OS);
                minima[p] = _mm512_mask_blend_ps(less, minima[p], dp[p]);
                indexes[p] = _mm512_mask_blend_epi32(less, indexes[p], current);
            }
            current = _mm512_add_epi32(current, step);
        }
        const __m512 zero = _mm512_setzero_ps();
        #pragma GCC unroll 16
        for (int p = 0; p < P; p++) {
            __m512 candidate = _mm512_add_ps(minima[p], _mm512_set1_ps(norm[p]));
            candidate = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(candidate, zero, _CMP_LT_OS), candidate, zero);
            const float best = simd::lowest(candidate);
            // every lane a number and the best one finite: the merge below is Faiss's; otherwise its own loop
            if (_mm512_cmp_ps_mask(candidate, candidate, _CMP_ORD_Q) == 0xFFFF && best < FLT_MAX) {
                const __mmask16 equal = _mm512_cmp_ps_mask(candidate, _mm512_set1_ps(best), _CMP_EQ_OQ);
                distances[p] = best;
                labels[p] = (int64_t)simd::lowest(_mm512_mask_blend_epi32(equal, _mm512_set1_epi32(-1), indexes[p]));
            } else {
                alignas(64) float lanes[16];
                alignas(64) uint32_t lanesIndexes[16];
                _mm512_store_ps(lanes, minima[p]);
                _mm512_store_si512((__m512i*)lanesIndexes, indexes[p]);
                mergeLanes(16, lanes, lanesIndexes, norm[p], distances + p, labels + p);
            }
        }
    }

    __attribute__((target("avx2,fma"))) void dispatchAvx2(int64_t n, const float* x, float* distances,
                                                           int64_t* labels) const {
        switch (d_) {
            case 2: rowsAvx2<2, 4>(n, x, distances, labels); break;
            case 4: rowsAvx2<4, 2>(n, x, distances, labels); break;
            default: rowsAvx2<8, 1>(n, x, distances, labels); break;
        }
    }

    template <int D, int P>
    __attribute__((target("avx2,fma"))) void rowsAvx2(int64_t n, const float* x, float* distances,
                                                       int64_t* labels) const {
        int64_t i = 0;
        for (; i + P <= n; i += P) pointsAvx2<D, P>(x + i * D, distances + i, labels + i);
        for (; i < n; i++) pointsAvx2<D, 1>(x + i * D, distances + i, labels + i);
    }

    __attribute__((target("avx2,fma"), always_inline)) static inline float hmin(__m256 v) {
        __m256 m = _mm256_min_ps(v, _mm256_permute2f128_ps(v, v, 1));
        m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(1, 0, 3, 2)));
        m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
        return _mm256_cvtss_f32(m);
    }

    __attribute__((target("avx2,fma"), always_inline)) static inline uint32_t hminUnsigned(__m256i v) {
        __m256i m = _mm256_min_epu32(v, _mm256_permute2x128_si256(v, v, 1));
        m = _mm256_min_epu32(m, _mm256_shuffle_epi32(m, _MM_SHUFFLE(1, 0, 3, 2)));
        m = _mm256_min_epu32(m, _mm256_shuffle_epi32(m, _MM_SHUFFLE(2, 3, 0, 1)));
        return (uint32_t)_mm256_cvtsi256_si32(m);
    }

    /**
     * pointsAvx512 for Faiss's AVX2 kernel (simdlib's simd8float32): 8 lanes; a lane keeps its old index unless
     * the new distance is strictly smaller (min, and a blend on old <= new), which picks the same centroid.
     */
    template <int D, int P>
    __attribute__((target("avx2,fma"), always_inline)) inline void pointsAvx2(const float* x, float* distances,
                                                                              int64_t* labels) const {
        float minusTwoX[P][D];
        float norm[P];
        __m256 minima[P];
        __m256i indexes[P];
        #pragma GCC unroll 16
        for (int p = 0; p < P; p++) {
            #pragma GCC unroll 16
            for (int t = 0; t < D; t++) minusTwoX[p][t] = -2 * x[p * D + t];
            norm[p] = normAvx2(D, x + p * D);
            minima[p] = _mm256_set1_ps(FLT_MAX - norm[p]);
            indexes[p] = _mm256_setzero_si256();
        }
        __m256i current = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i step = _mm256_set1_epi32(8);
        const float* t0 = transposed_.data();
        for (int64_t j = 0; j < k_; j += 8) {
            __m256 dp[P];
            const __m256 y0 = _mm256_loadu_ps(t0 + j);
            #pragma GCC unroll 16
            for (int p = 0; p < P; p++) dp[p] = _mm256_mul_ps(_mm256_set1_ps(minusTwoX[p][0]), y0);
            #pragma GCC unroll 16
            for (int t = 1; t < D; t++) {
                const __m256 yt = _mm256_loadu_ps(t0 + (size_t)t * (size_t)k_ + j);
                #pragma GCC unroll 16
                for (int p = 0; p < P; p++) dp[p] = _mm256_fmadd_ps(_mm256_set1_ps(minusTwoX[p][t]), yt, dp[p]);
            }
            const __m256 yNorm = _mm256_loadu_ps(norms_.data() + j);
            #pragma GCC unroll 16
            for (int p = 0; p < P; p++) {
                dp[p] = _mm256_add_ps(dp[p], yNorm);
                const __m256 keep = _mm256_cmp_ps(minima[p], dp[p], _CMP_LE_OS);
                minima[p] = _mm256_min_ps(dp[p], minima[p]);
                indexes[p] = _mm256_castps_si256(
                        _mm256_blendv_ps(_mm256_castsi256_ps(current), _mm256_castsi256_ps(indexes[p]), keep));
            }
            current = _mm256_add_epi32(current, step);
        }
        const __m256 zero = _mm256_setzero_ps();
        #pragma GCC unroll 16
        for (int p = 0; p < P; p++) {
            __m256 candidate = _mm256_add_ps(minima[p], _mm256_set1_ps(norm[p]));
            candidate = _mm256_blendv_ps(candidate, zero, _mm256_cmp_ps(candidate, zero, _CMP_LT_OS));
            const float best = hmin(candidate);
            if (_mm256_movemask_ps(_mm256_cmp_ps(candidate, candidate, _CMP_ORD_Q)) == 0xFF && best < FLT_MAX) {
                const __m256 equal = _mm256_cmp_ps(candidate, _mm256_set1_ps(best), _CMP_EQ_OQ);
                const __m256i masked = _mm256_castps_si256(_mm256_blendv_ps(
                        _mm256_castsi256_ps(_mm256_set1_epi32(-1)), _mm256_castsi256_ps(indexes[p]), equal));
                distances[p] = best;
                labels[p] = (int64_t)hminUnsigned(masked);
            } else {
                alignas(32) float lanes[8];
                alignas(32) uint32_t lanesIndexes[8];
                _mm256_store_ps(lanes, minima[p]);
                _mm256_store_si256((__m256i*)lanesIndexes, indexes[p]);
                mergeLanes(8, lanes, lanesIndexes, norm[p], distances + p, labels + p);
            }
        }
    }

    int d_ = 0;
    int64_t k_ = 0;
    Level level_ = Level::NONE;
    std::vector<float> transposed_;
    std::vector<float> norms_;
};

}  // namespace vecforge
