// IndexIVF::train for an IndexIVFPQ whose codebooks the CPU trainer's assigner trains: Faiss's steps in Faiss's
// order (coarse k-means, the subsample, the residuals, the codebooks, polysemous training, the precomputed tables),
// except that the M codebook k-means run side by side, one per OpenMP thread with each single-threaded, where
// ProductQuantizer::train runs them one after another with every thread in each. Each k-means is Faiss's
// Clustering, whose result does not depend on its thread count (each centroid summed by one thread in row order,
// its sampling and splitting seeded), so the codebooks are the bytes Faiss trains. What it saves: a k-means of
// 256 centroids in 4 dimensions is ~1 ms of distances an iteration, and both threads rescanning the assignments to
// sum their half of the centroids, and waiting at its barriers, cost a third as much again.
//
// Internal to the JNI library: JavaCPP's Parser reads vecforge_faiss.h only, not this header.
#pragma once

#include <faiss/Clustering.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/PolysemousTraining.h>
#include <faiss/utils/utils.h>
#include <omp.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <typeinfo>
#include <vector>

#include "vecforge_assign.h"

namespace vecforge {

class ParallelCodebooks {
public:
    /**
     * Whether train() serves: a bare, untrained IndexIVFPQ (exactly that type; behind a pre-transform Faiss
     * trains the chain first) with Faiss's default codebook training, the CPU assigner's fused backend for its
     * sub-spaces, and more than one thread and one codebook to share out.
     */
    static bool serves(const faiss::Index* index, const AssignerState& state) {
        if (index == nullptr || typeid(*index) != typeid(faiss::IndexIVFPQ)) return false;
        const auto* ivfpq = static_cast<const faiss::IndexIVFPQ*>(index);
        return !ivfpq->is_trained && ivfpq->pq.train_type == faiss::ProductQuantizer::Train_default &&
               ivfpq->pq.M > 1 && state.library == nullptr && state.fusedSmallDimensions &&
               ivfpq->pq.dsub <= (size_t)FusedFlatBackend::MAX_DIMENSION && omp_get_max_threads() > 1;
    }

    /**
     * IndexIVF::train(n, x) as Faiss 1.15 runs it, with IndexIVFPQ::train_encoder's codebooks in parallel. When the
     * residuals are taken over the whole sample, *fitSum gets the sum, in row order and in double, of each row's
     * distance to its nearest coarse centroid (the search that assigns the rows computes it anyway): the sample's
     * quantizer fit, as a pass over it would sum it (the distances rounded as the assigner rounds them); it is left
     * alone otherwise.
     */
    static void train(faiss::IndexIVFPQ* index, faiss::idx_t n, const float* x, AssignerState& state,
                      double* fitSum) {
        FAISS_THROW_IF_NOT(serves(index, state));
        if (index->verbose) printf("Training level-1 quantizer\n");
        index->train_q1((size_t)n, x, index->verbose, index->metric_type);
        if (index->verbose) printf("Training IVF residual\n");
        faiss::idx_t most = index->train_encoder_num_vectors();
        if (most <= 0) most = (faiss::idx_t)1 << 35;
        size_t rows = (size_t)n;
        faiss::TransformedVectors sample(
                x, faiss::fvecs_maybe_subsample(index->d, &rows, (size_t)most, x, index->verbose));
        if (index->by_residual) {
            std::vector<faiss::idx_t> assign(rows);
            std::vector<float> distances(rows); // what the quantizer's assign computes and drops
            index->quantizer->search((faiss::idx_t)rows, sample.x, 1, distances.data(), assign.data());
            if (fitSum != nullptr && rows == (size_t)n) {
                double sum = 0;
                for (size_t i = 0; i < rows; i++) sum += distances[i];
                *fitSum = sum;
            }
            std::vector<float> residuals(rows * index->d);
            index->quantizer->compute_residual_n((faiss::idx_t)rows, sample.x, residuals.data(), assign.data());
            trainEncoder(index, rows, residuals.data(), state);
        } else {
            trainEncoder(index, rows, sample.x, state);
        }
        index->is_trained = true;
    }

private:
    /** IndexIVFPQ::train_encoder. */
    static void trainEncoder(faiss::IndexIVFPQ* index, size_t n, const float* x, AssignerState& state) {
        trainCodebooks(index->pq, n, x, state);
        if (index->do_polysemous_training) {
            if (index->verbose) printf("doing polysemous training for PQ\n");
            faiss::PolysemousTraining defaults;
            faiss::PolysemousTraining* training =
                    index->polysemous_training != nullptr ? index->polysemous_training : &defaults;
            training->optimize_pq_for_hamming(index->pq, n, x);
        }
        if (index->by_residual) index->precompute_table();
    }

    /** ProductQuantizer::train with Train_default: codebook m is Clustering(dsub, ksub, cp) on sub-space m. */
    static void trainCodebooks(faiss::ProductQuantizer& pq, size_t n, const float* x, AssignerState& state) {
        const size_t M = pq.M;
        const size_t dsub = pq.dsub;
        std::vector<AssignIndex*> assigners(M);
        for (size_t m = 0; m < M; m++) assigners[m] = state.indexFor((int)dsub, faiss::METRIC_L2);
        std::vector<std::string> failures(M);
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t m = 0; m < (int64_t)M; m++) {
            try {
                std::vector<float> slice(n * dsub);
                for (size_t j = 0; j < n; j++) {
                    std::memcpy(slice.data() + j * dsub, x + j * pq.d + (size_t)m * dsub, dsub * sizeof(float));
                }
                faiss::Clustering clustering(dsub, pq.ksub, pq.cp);
                if (pq.verbose) {
                    clustering.verbose = true;
                    printf("Training PQ slice %zd/%zd\n", (size_t)m, M);
                }
                clustering.train((faiss::idx_t)n, slice.data(), *assigners[m]);
                pq.set_params(clustering.centroids.data(), (int)m);
            } catch (const std::exception& e) {
                failures[m] = e.what();
            }
        }
        for (const std::string& failure : failures) {
            if (!failure.empty()) FAISS_THROW_MSG(failure);
        }
    }
};

}  // namespace vecforge
