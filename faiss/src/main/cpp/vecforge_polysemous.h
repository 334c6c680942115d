// Polysemous training (the reordering of each PQ sub-quantizer's centroids so that Hamming distances
// between codes follow the distances between centroids) with the swap's cost change computed along rows.
#pragma once

#include <faiss/IndexIVFPQ.h>
#include <faiss/IVFlib.h>
#include <faiss/impl/FaissAssert.h>
#include <faiss/impl/PolysemousTraining.h>
#include <faiss/impl/ProductQuantizer.h>
#include <faiss/utils/distances.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <typeinfo>
#include <vector>

namespace vecforge {

/**
 * The objective of Faiss's default polysemous training (OT_ReproduceDistances_affine): for a permutation of
 * the 2^nbits codes, the weighted squared gaps between the Hamming distances of the codes and the centroid
 * distances mapped affinely onto the Hamming range (mean nbits/2, spread sqrt(nbits/4) in Faiss's integer
 * arithmetic), weights exp(-decay * target) so that small distances count most.
 *
 * The tables are symmetric, so a swap of the codes at iw and jw changes only the row and column of each,
 * twice over: cost_update sums the two rows, contiguous in memory, in one pass. Faiss walks the same
 * terms down the columns, a cache line per term; the sums agree up to rounding.
 */
class HammingFitObjective : public faiss::PermutationObjective {
public:
    HammingFitObjective(int nbits, const std::vector<double>& distances, double decay)
            : target_(distances.size()), weights_(distances.size()), bits_((size_t)1 << nbits) {
        n = 1 << nbits;
        FAISS_THROW_IF_NOT(distances.size() == (size_t)n * n);
        for (int x = 0; x < n; x++) {
            bits_[x] = (double)__builtin_popcount((unsigned)x); // a table: without -mpopcnt the builtin is a call
        }
        double sum = 0, squares = 0;
        for (double d : distances) {
            sum += d;
            squares += d * d;
        }
        const double count = (double)distances.size();
        const double mean = sum / count;
        const double spread = std::sqrt(squares / count - mean * mean);
        const double scale = std::sqrt((double)(nbits / 4));
        const double centre = (double)(nbits / 2);
        for (size_t i = 0; i < distances.size(); i++) {
            target_[i] = (distances[i] - mean) / spread * scale + centre;
            weights_[i] = std::exp(-decay * target_[i]);
        }
    }

    double compute_cost(const int* perm) const override {
        double cost = 0;
        for (int i = 0; i < n; i++) {
            const double* target = &target_[(size_t)i * n];
            const double* weight = &weights_[(size_t)i * n];
            for (int j = 0; j < n; j++) {
                const double gap = target[j] - hamming(perm[i], perm[j]);
                cost += weight[j] * gap * gap;
            }
        }
        return cost;
    }

    double cost_update(const int* perm, int iw, int jw) const override {
        const int a = perm[iw], b = perm[jw];
        const double* targetA = &target_[(size_t)iw * n];
        const double* weightA = &weights_[(size_t)iw * n];
        const double* targetB = &target_[(size_t)jw * n];
        const double* weightB = &weights_[(size_t)jw * n];
        double delta = 0;
        // after the swap row iw holds code b and row jw code a; (t - hb)^2 - (t - ha)^2 = (ha - hb)(2t - ha - hb).
        // The entries of iw and jw with each other and themselves do not change.
        for (int i = 0; i < n; i++) {
            const int code = perm[i];
            const double ha = hamming(a, code), hb = hamming(b, code);
            const double diff = i == iw || i == jw ? 0.0 : ha - hb;
            const double sum = ha + hb;
            delta += diff * (weightA[i] * (2 * targetA[i] - sum) - weightB[i] * (2 * targetB[i] - sum));
        }
        return 2 * delta;
    }

private:
    double hamming(int x, int y) const { return bits_[x ^ y]; }

    std::vector<double> target_;
    std::vector<double> weights_;
    std::vector<double> bits_;  // bits_[x]: the bits set in x, for x < n
};

/** The reordering's tables for one sub-quantizer: distances, targets and weights, ksub x ksub doubles each. */
inline double reorderBytesPerThread(const faiss::ProductQuantizer& pq) {
    return 3.0 * sizeof(double) * (double)pq.ksub * (double)pq.ksub;
}

/**
 * Refuses, as Faiss does, a reordering whose tables for one thread are over params.max_memory: checked before
 * any allocation, since one that failed inside the parallel loop would abort the process.
 */
inline void checkReorderMemory(const faiss::ProductQuantizer& pq, const faiss::PolysemousTraining& params) {
    const double perThread = reorderBytesPerThread(pq);
    FAISS_THROW_IF_NOT_FMT(perThread < (double)params.max_memory,
            "Polysemous training would use %.0f bytes per thread, while the max is set to %zd (%d-bit codes; a"
            " factory's PQ...np trains without it)", perThread, params.max_memory, (int)pq.nbits);
}

/**
 * Faiss's polysemous training of pq (the reproduce-distances objective, simulated annealing with params'
 * schedule and seed, sub-quantizers in parallel), then its SDC table, as PolysemousTraining does.
 */
inline void reorderForHamming(faiss::ProductQuantizer& pq, const faiss::PolysemousTraining& params) {
    const int n = (int)pq.ksub;
    const size_t dsub = pq.dsub;
    // within params.max_memory as Faiss does: refused, or fewer threads
    checkReorderMemory(pq, params);
    const double perThread = reorderBytesPerThread(pq);
    const int threads = std::max(1, std::min({omp_get_max_threads(), (int)pq.M,
            (int)std::min(1e6, (double)params.max_memory / perThread)}));
#pragma omp parallel for num_threads(threads)
    for (int m = 0; m < (int)pq.M; m++) {
        float* centroids = pq.get_centroids(m, 0);
        std::vector<double> distances((size_t)n * n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                distances[(size_t)i * n + j] = faiss::fvec_L2sqr(centroids + i * dsub, centroids + j * dsub, dsub);
            }
        }
        HammingFitObjective objective((int)pq.nbits, distances, params.dis_weight_factor);
        faiss::SimulatedAnnealingOptimizer optimizer(&objective, params);
        std::vector<int> perm(n);
        optimizer.run_optimization(perm.data());
        std::vector<float> original(centroids, centroids + (size_t)n * dsub);
        for (int i = 0; i < n; i++) {
            std::memcpy(centroids + perm[i] * dsub, original.data() + i * dsub, dsub * sizeof(float));
        }
    }
    pq.compute_sdc_table();
}

/**
 * For the lifetime of this object, an untrained IndexIVFPQ's polysemous training is taken out of Faiss's
 * train and, on finish(), run by reorderForHamming: the same objective, optimiser, schedule and seed, and
 * the precomputed tables refreshed as Faiss's train_encoder leaves them. Any other index, or a polysemous
 * training with another objective, is left to Faiss. The destructor restores the flag if train throws; a
 * reordering that throws leaves the index untrained, as Faiss's does.
 */
class DeferredPolysemous {
public:
    explicit DeferredPolysemous(faiss::Index* index) : ivfpq_(deferred(index)) {
        if (ivfpq_ != nullptr) ivfpq_->do_polysemous_training = false;
    }

    /**
     * The untrained IVFPQ whose polysemous training vecforge runs, or null (any other index, or a training with
     * another objective, is Faiss's). Refuses one whose reordering is over Faiss's memory limit: that follows from
     * the code size alone, so it is refused before any k-means, and a build can ask before its input is read.
     */
    static faiss::IndexIVFPQ* deferred(faiss::Index* index) {
        faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(index);
        if (ivf == nullptr || typeid(*ivf) != typeid(faiss::IndexIVFPQ)) return nullptr;
        auto* ivfpq = static_cast<faiss::IndexIVFPQ*>(ivf);
        const faiss::PolysemousTraining* own = ivfpq->polysemous_training;
        if (!ivfpq->do_polysemous_training || ivfpq->is_trained ||
            (own != nullptr && own->optimization_type != faiss::PolysemousTraining::OT_ReproduceDistances_affine)) {
            return nullptr;
        }
        faiss::PolysemousTraining defaults;
        checkReorderMemory(ivfpq->pq, own != nullptr ? *own : defaults);
        return ivfpq;
    }
    ~DeferredPolysemous() {
        if (ivfpq_ != nullptr) ivfpq_->do_polysemous_training = true;
    }

    void finish() {
        if (ivfpq_ == nullptr) return;
        faiss::IndexIVFPQ* ivfpq = ivfpq_;
        ivfpq_ = nullptr;
        ivfpq->do_polysemous_training = true;
        if (!ivfpq->is_trained) return;
        if (ivfpq->verbose) printf("doing polysemous training for PQ\n");
        faiss::PolysemousTraining defaults;
        try {
            reorderForHamming(ivfpq->pq, ivfpq->polysemous_training != nullptr ? *ivfpq->polysemous_training
                                                                             : defaults);
        } catch (...) {
            ivfpq->is_trained = false;  // as Faiss leaves an index whose train_encoder threw
            throw;
        }
        if (ivfpq->by_residual) {
            const bool verbose = ivfpq->verbose;
            ivfpq->verbose = false;
            ivfpq->precompute_table();
            ivfpq->verbose = verbose;
        }
    }

private:
    DeferredPolysemous(const DeferredPolysemous&) = delete;
    DeferredPolysemous& operator=(const DeferredPolysemous&) = delete;

    faiss::IndexIVFPQ* ivfpq_ = nullptr;
};

}  // namespace vecforge
