// The exact k nearest neighbours of a fixed query set over rows streamed in batches: the ground truth that a
// build's recall is measured against. Two ways to fold a batch into the running top-k: every distance with BLAS
// (exactKnnFold), or, for rows being added to a bare IVF index, only the rows that the triangle inequality
// cannot rule out (ListBoundedSearch).
#pragma once

#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/utils/Heap.h>
#include <faiss/utils/distances.h>
#include "vecforge_lists.h"
#include "vecforge_pq_add.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <typeinfo>
#include <vector>

// Faiss's own BLAS entry point (Fortran sgemm with 32-bit integers, as Faiss calls it).
extern "C" int sgemm_(const char* transa, const char* transb, int* m, int* n, int* k, const float* alpha,
                      const float* a, int* lda, const float* b, int* ldb, float* beta, float* c, int* ldc);

namespace vecforge {

/**
 * Folds one query's distances to rows j0..j1 into its heap. Once the heap is full almost no row beats its
 * top, so the distances are computed 16 at a time in a branch-free pass (vectorised by omp simd: plain -O2
 * left it scalar) that only says whether any of them might (ties included: the heap breaks them by id); only
 * such a chunk pays the heap's comparisons, with the very values the pass computed. Measured at 1,000
 * queries of 128-d: 0.6 ns a pair beside BLAS's 3.3, where a comparison per row cost 3.5.
 */
template <class C, bool L2>
inline void foldBlock(long long j0, long long j1, const float* line, const float* rowNorms, float queryNorm,
                      const long long* ids, int k, float* heapD, faiss::idx_t* heapI) {
    float dis[16];
    for (long long c = j0; c < j1; c += 16) {
        const int count = (int)std::min(j1 - c, 16LL);
        const float* products = line + (c - j0);
        const float top = heapD[0];
        int maybe = 0;
        if (L2) {
            const float* norms = rowNorms + c;
#pragma omp simd reduction(| : maybe)
            for (int t = 0; t < count; t++) {
                float d = queryNorm + norms[t] - 2 * products[t];
                d = d < 0 ? 0 : d;
                dis[t] = d;
                maybe |= d <= top;
            }
        } else {
#pragma omp simd reduction(| : maybe)
            for (int t = 0; t < count; t++) {
                dis[t] = products[t];
                maybe |= products[t] >= top;
            }
        }
        if (!maybe) continue;
        for (int t = 0; t < count; t++) {
            if (C::cmp2(heapD[0], dis[t], heapI[0], ids[c + t])) {
                faiss::heap_replace_top<C>(k, heapD, heapI, dis[t], ids[c + t]);
            }
        }
    }
}

/**
 * Folds n database rows (ids[0..n)) into the running exact top-k of nq queries: heapDistances and heapIds
 * (nq * k) are Faiss heaps (a max-heap of L2 distances, a min-heap of inner products; ties on the larger
 * id leave first), kept by the caller across calls. Distances are computed as Faiss's flat search
 * computes them with BLAS (the same sgemm blocks, ||q||^2 + ||x||^2 - 2 q.x, clamped at 0), but each row
 * is tested against the query's running k-th best before it touches the heap: most rows of a long
 * stream never do, where a search per batch keeps a fresh heap per batch.
 */
inline void exactKnnFold(int d, long long nq, const float* queries, long long n, const float* x,
                         const long long* ids, int k, bool l2, float* heapDistances, long long* heapIds) {
    if (d <= 0 || nq < 0 || n < 0 || k <= 0) throw std::invalid_argument("exactKnnUpdate: bad sizes");
    if (nq == 0 || n == 0) return;
    const long long blockRows = 1024; // Faiss's distance_compute_blas_database_bs
    const long long blockQueries = 4096; // Faiss's distance_compute_blas_query_bs
    std::vector<float> queryNorms, rowNorms;
    if (l2) {
        queryNorms.resize((size_t)nq);
        rowNorms.resize((size_t)n);
        faiss::fvec_norms_L2sqr(queryNorms.data(), queries, (size_t)d, (size_t)nq);
        faiss::fvec_norms_L2sqr(rowNorms.data(), x, (size_t)d, (size_t)n);
    }
    faiss::idx_t* heapLabels = reinterpret_cast<faiss::idx_t*>(heapIds);
    std::vector<float> ip((size_t)(std::min(nq, blockQueries) * blockRows));
    for (long long i0 = 0; i0 < nq; i0 += blockQueries) {
        long long i1 = std::min(nq, i0 + blockQueries);
        for (long long j0 = 0; j0 < n; j0 += blockRows) {
            long long j1 = std::min(n, j0 + blockRows);
            float one = 1, zero = 0;
            int rowsInBlock = (int)(j1 - j0), queriesInBlock = (int)(i1 - i0), dim = d;
            sgemm_("Transpose", "Not transpose", &rowsInBlock, &queriesInBlock, &dim, &one, x + j0 * d, &dim,
                   queries + i0 * d, &dim, &zero, ip.data(), &rowsInBlock);
            for (long long i = i0; i < i1; i++) {
                const float* line = ip.data() + (i - i0) * (j1 - j0);
                float* heapD = heapDistances + i * k;
                faiss::idx_t* heapI = heapLabels + i * k;
                if (l2) {
                    foldBlock<faiss::CMax<float, faiss::idx_t>, true>(j0, j1, line, rowNorms.data(),
                            queryNorms[(size_t)i], ids, k, heapD, heapI);
                } else {
                    foldBlock<faiss::CMin<float, faiss::idx_t>, false>(j0, j1, line, nullptr, 0, ids, k, heapD,
                                                                       heapI);
                }
            }
        }
    }
}

/**
 * IndexIVF's add_core (what add_with_ids runs after the assignment), through TransposedPqAdd where it serves, the
 * lists grown gently first (growListsGently).
 */
inline void addAssigned(faiss::IndexIVF* ivf, faiss::idx_t n, const float* x, const faiss::idx_t* ids,
                        const faiss::idx_t* assign) {
    growListsGently(ivf->invlists, n, assign);
    if (TransposedPqAdd::serves(ivf)) {
        TransposedPqAdd::add(static_cast<faiss::IndexIVFPQ*>(ivf), n, x, ids, assign);
    } else {
        ivf->add_core(n, x, ids, assign);
    }
}

/**
 * The exact top-k of a fixed query set over the rows added to a bare IVF index, skipping rows that cannot
 * enter a query's top-k. The add assigns each row to its list anyway; with the row's distance r to its
 * centroid c and the query's to every centroid, the triangle inequality bounds the row's distance from below
 * (L2: ||q - x|| >= ||q - c|| - r) or its inner product from above (q.x <= q.c + ||q|| r), so a row (first a
 * whole list's rows of the batch, by their largest r) whose bound is already worse than the query's running
 * k-th best is never computed. The bounds are computed directly (not through ||a||^2 + ||b||^2 - 2 a.b) and
 * a row is skipped only with a margin of 1e-4 of the norms involved, far above float rounding of either side:
 * a row the full computation would put in the top-k is never skipped. The rows that are computed use the
 * full computation's formula (||q||^2 + ||x||^2 - 2 q.x); rounding may differ from BLAS's in the last bits.
 *
 * A batch where the bounds would skip less than three quarters of the pairs (the first batch, whose heaps
 * are empty; data without cluster structure) is folded by exactKnnFold: never much slower than it.
 */
class ListBoundedSearch {
public:
    /** The search for these queries over rows added to index; null when the index is not one it serves. */
    static std::unique_ptr<ListBoundedSearch> prepare(const faiss::Index* index, long long nq, const float* queries,
                                                      bool l2, long long maxBoundEntries) {
        const faiss::IndexIVF* ivf = dynamic_cast<const faiss::IndexIVF*>(index);
        if (ivf == nullptr || !addsAsBareIvf(*index) || ivf->quantizer == nullptr || ivf->invlists == nullptr
                || !ivf->is_trained) {
            return nullptr;
        }
        if ((ivf->metric_type == faiss::METRIC_L2) != l2) return nullptr;
        if (ivf->metric_type != faiss::METRIC_L2 && ivf->metric_type != faiss::METRIC_INNER_PRODUCT) return nullptr;
        const size_t nlist = ivf->nlist;
        if (nq <= 0 || nlist == 0 || (size_t)ivf->quantizer->ntotal != nlist
                || (double)nq * (double)nlist > (double)maxBoundEntries
                || (double)nlist * (double)ivf->d > (double)maxBoundEntries) { // the bounds, the centroids kept
            return nullptr;
        }
        std::unique_ptr<ListBoundedSearch> search(new ListBoundedSearch(ivf->d, nq, nlist, l2));
        try {
            ivf->quantizer->reconstruct_n(0, (faiss::idx_t)nlist, search->centroids_.data());
        } catch (const std::exception&) {
            return nullptr; // a quantizer that cannot give its centroids back
        }
        const size_t d = ivf->d;
        search->queries_.assign(queries, queries + (size_t)nq * d);
        std::vector<uint64_t> keys(nlist);
        for (long long i = 0; i < nq; i++) {
            const float* q = queries + (size_t)i * d;
            search->queryNormsSq_[(size_t)i] = faiss::fvec_norm_L2sqr(q, d);
            float* bound = search->bounds_.data() + (size_t)i * nlist;
            for (size_t list = 0; list < nlist; list++) {
                const float* c = search->centroids_.data() + list * d;
                bound[list] = l2 ? std::sqrt(faiss::fvec_L2sqr(q, c, d)) : faiss::fvec_inner_product(q, c, d);
            }
            // nearest first (L2; the largest q.c for inner products): the lists most likely to hold the query's
            // neighbours, then the cut (keptLists). Sorted as (order key, list) integers: a third of a comparator's time.
            for (size_t list = 0; list < nlist; list++) {
                const uint32_t key = l2 ? ascending(bound[list]) : ~ascending(bound[list]);
                keys[list] = (uint64_t)key << 32 | (uint64_t)list;
            }
            std::sort(keys.begin(), keys.end());
            uint32_t* byBound = search->listsByBound_.data() + (size_t)i * nlist;
            for (size_t list = 0; list < nlist; list++) byBound[list] = (uint32_t)keys[list];
        }
        return search;
    }

    /**
     * Adds n rows to the IVF index as its add_with_ids does (the quantizer's assignment, then add_core, or
     * TransposedPqAdd's encoding to the same bytes) and folds them into the heaps. nanos gets the add's time, then the fold's; returns the query-row distances computed.
     */
    long long addAndFold(faiss::IndexIVF* ivf, long long n, const float* x, const long long* ids, int k,
                         float* heapDistances, long long* heapIds, long long* nanos) {
        auto start = std::chrono::steady_clock::now();
        std::vector<faiss::idx_t> assign((size_t)n);
        std::vector<float> coarse((size_t)n);
        ivf->quantizer->search((faiss::idx_t)n, x, 1, coarse.data(), assign.data());
        addAssigned(ivf, (faiss::idx_t)n, x, reinterpret_cast<const faiss::idx_t*>(ids), assign.data());
        auto added = std::chrono::steady_clock::now();
        long long pairs = fold(n, x, ids, assign.data(), k, heapDistances, heapIds);
        auto folded = std::chrono::steady_clock::now();
        nanos[0] = std::chrono::duration_cast<std::chrono::nanoseconds>(added - start).count();
        nanos[1] = std::chrono::duration_cast<std::chrono::nanoseconds>(folded - added).count();
        return pairs;
    }

private:
    ListBoundedSearch(size_t d, long long nq, size_t nlist, bool l2)
            : d_(d), nq_(nq), nlist_(nlist), l2_(l2), centroids_(nlist * d), queryNormsSq_((size_t)nq),
              bounds_((size_t)nq * nlist), listsByBound_((size_t)nq * nlist) {}

    /** The float's bits as an unsigned integer of the same order (finite floats; -0 just below +0). */
    static uint32_t ascending(float value) {
        uint32_t bits;
        std::memcpy(&bits, &value, sizeof bits);
        return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
    }

    long long fold(long long n, const float* x, const long long* ids, const faiss::idx_t* assign, int k,
                   float* heapDistances, long long* heapIds) {
        const size_t d = d_;
        // rows grouped by list (counting sort), each row's distance to its centroid, each list's largest
        std::vector<float> residual((size_t)n), rowNormsSq((size_t)n);
        std::vector<long long> start(nlist_ + 1, 0);
        float maxRowNorm = 0;
        for (long long j = 0; j < n; j++) {
            const float* row = x + (size_t)j * d;
            if (assign[j] < 0 || (size_t)assign[j] >= nlist_) {
                throw std::runtime_error("exact neighbours: a row was assigned to no list");
            }
            residual[(size_t)j] = std::sqrt(faiss::fvec_L2sqr(row, centroids_.data() + (size_t)assign[j] * d, d));
            rowNormsSq[(size_t)j] = faiss::fvec_norm_L2sqr(row, d);
            maxRowNorm = std::max(maxRowNorm, std::sqrt(rowNormsSq[(size_t)j]));
            start[(size_t)assign[j] + 1]++;
        }
        for (size_t list = 0; list < nlist_; list++) start[list + 1] += start[list];
        std::vector<long long> order((size_t)n), fill(start.begin(), start.end() - 1);
        std::vector<float> listMaxResidual(nlist_, 0);
        for (long long j = 0; j < n; j++) {
            size_t list = (size_t)assign[j];
            order[(size_t)fill[list]++] = j;
            listMaxResidual[list] = std::max(listMaxResidual[list], residual[(size_t)j]);
        }
        faiss::idx_t* heapLabels = reinterpret_cast<faiss::idx_t*>(heapIds);
        const float maxResidual = *std::max_element(listMaxResidual.begin(), listMaxResidual.end());

        // The pairs the lists' bounds leave at the heaps' current tops, from every 8th query: too many, and BLAS
        // does them all for less.
        const long long sampleEvery = 8;
        long long maybe = 0, sampled = 0;
        for (long long i = 0; i < nq_; i += sampleEvery) {
            const float top = heapDistances[(size_t)i * k];
            keptLists(i, &top, listMaxResidual.data(), maxResidual, maxRowNorm, start.data(),
                      [&](size_t list) { maybe += start[list + 1] - start[list]; });
            sampled++;
        }
        if (maybe * 4 > n * sampled) {
            exactKnnFold((int)d, nq_, queries_.data(), n, x, ids, k, l2_, heapDistances, heapIds);
            return n * nq_;
        }

        long long pairs = 0;
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : pairs)
        for (long long i = 0; i < nq_; i++) {
            const float* q = queries_.data() + (size_t)i * d;
            float* heapD = heapDistances + (size_t)i * k;
            faiss::idx_t* heapI = heapLabels + (size_t)i * k;
            keptLists(i, heapD, listMaxResidual.data(), maxResidual, maxRowNorm, start.data(), [&](size_t list) {
                for (long long at = start[list]; at < start[list + 1]; at++) {
                    const long long j = order[(size_t)at];
                    if (skips(i, list, residual[(size_t)j], maxRowNorm, heapD[0])) continue;
                    const float product = faiss::fvec_inner_product(q, x + (size_t)j * d, d);
                    pairs++;
                    if (l2_) {
                        float dis = queryNormsSq_[(size_t)i] + rowNormsSq[(size_t)j] - 2 * product;
                        dis = dis < 0 ? 0 : dis;
                        if (faiss::CMax<float, faiss::idx_t>::cmp2(heapD[0], dis, heapI[0], ids[j])) {
                            faiss::heap_replace_top<faiss::CMax<float, faiss::idx_t>>(k, heapD, heapI, dis, ids[j]);
                        }
                    } else if (faiss::CMin<float, faiss::idx_t>::cmp2(heapD[0], product, heapI[0], ids[j])) {
                        faiss::heap_replace_top<faiss::CMin<float, faiss::idx_t>>(k, heapD, heapI, product, ids[j]);
                    }
                }
            });
        }
        return pairs;
    }

    /**
     * Calls visit(list) for every non-empty list of the batch (rows within listMaxResidual of its centroid, all
     * within maxResidual) that may hold a row of query i's top-k, whose k-th best is *top (read before each list:
     * the visits improve it), nearest list first. Past the first list whose bound, taken with the batch's largest
     * residual, is beyond the k-th best, every farther list is too, so the walk stops there: a query looks at the
     * few lists around it, not all nlist of them, in each batch. (L2: (b - R)^2 - 1e-4 (b + R)^2 rises with b once
     * b > 1.0002 R and falls with R; inner product: the bound q.c + ||q|| R and its margin only improve as q.c
     * falls and r shrinks.)
     */
    template <class Visit>
    void keptLists(long long i, const float* top, const float* listMaxResidual, float maxResidual, float maxRowNorm,
                   const long long* start, Visit visit) const {
        const float* bound = bounds_.data() + (size_t)i * nlist_;
        const uint32_t* byBound = listsByBound_.data() + (size_t)i * nlist_;
        const float queryNormSq = queryNormsSq_[(size_t)i];
        const float normsSq = queryNormSq + maxRowNorm * maxRowNorm;
        const float queryNorm = std::sqrt(queryNormSq);
        for (size_t at = 0; at < nlist_; at++) {
            const size_t list = byBound[at];
            const float b = bound[list];
            if (l2_ ? b > 1.001f * maxResidual && beyondL2(b, maxResidual, normsSq, *top)
                    : beyondInnerProduct(b, maxResidual, queryNorm, maxRowNorm, *top)) {
                return;
            }
            if (start[list + 1] == start[list]) continue;
            if (l2_ ? beyondL2(b, listMaxResidual[list], normsSq, *top)
                    : beyondInnerProduct(b, listMaxResidual[list], queryNorm, maxRowNorm, *top)) {
                continue;
            }
            visit(list);
        }
    }

    /**
     * Whether rows of this list within distance r of its centroid cannot enter query i's top-k, whose k-th best
     * is top (+inf / -inf while it is not full). maxRowNorm bounds ||x|| and, with r, ||c||: the margin.
     */
    bool skips(long long i, size_t list, float r, float maxRowNorm, float top) const {
        const float bound = bounds_[(size_t)i * nlist_ + list];
        const float queryNormSq = queryNormsSq_[(size_t)i];
        return l2_ ? beyondL2(bound, r, queryNormSq + maxRowNorm * maxRowNorm, top)
                   : beyondInnerProduct(bound, r, std::sqrt(queryNormSq), maxRowNorm, top);
    }

    /**
     * L2: whether ||q - c|| - r, squared, exceeds the k-th best distance top by more than 1e-4 of the norms
     * involved (normsSq: ||q||^2 + the batch's largest ||x||^2). The one test of list and row alike.
     */
    static inline bool beyondL2(float bound, float r, float normsSq, float top) {
        const float below = bound - r;
        const float outer = bound + r;
        return below > 0 && below * below > top + 1e-4f * (outer * outer + normsSq);
    }

    /** Inner product: whether q.c + ||q|| r falls short of the k-th best top by more than the margin. */
    static inline bool beyondInnerProduct(float bound, float r, float queryNorm, float maxRowNorm, float top) {
        return bound + queryNorm * r < top - 1e-4f * queryNorm * (2 * maxRowNorm + 2 * r);
    }

    size_t d_;
    long long nq_;
    size_t nlist_;
    bool l2_;
    std::vector<float> centroids_;
    std::vector<float> queries_;
    std::vector<float> queryNormsSq_;
    std::vector<float> bounds_; // nq x nlist: ||q - c|| (L2) or q.c (inner product)
    std::vector<uint32_t> listsByBound_; // nq x nlist: each query's lists, nearest (L2) or largest q.c first
};

} // namespace vecforge
