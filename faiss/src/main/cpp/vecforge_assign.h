// Assignment indexes for Faiss's k-means, plugged in as IndexIVF::clustering_index (coarse
// quantizer) and ProductQuantizer::assign_index (PQ codebooks), and for IndexIVF::train's assignment
// of its sample to lists (QuantizerProxy). Faiss's Clustering only calls
// search(k = 1), reset() and add() on them, so one exact nearest-centroid search is all a
// backend provides; Faiss keeps its own k-means semantics (sampling, seeds, empty-cluster
// splitting, iterations).
//
// Internal to the JNI library: JavaCPP's Parser reads vecforge_faiss.h only, not this header.
#ifndef VECFORGE_ASSIGN_H
#define VECFORGE_ASSIGN_H

#include <dlfcn.h>
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>
#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/VectorTransform.h>
#include <faiss/impl/ResultHandler.h>
#include <faiss/utils/distances_fused/distances_fused.h>
#include "vecforge_nearest_centroid.h"

namespace vecforge {

/** The C functions of libvecforge_gpu.so (faiss/src/main/cuda/vecforge_gpu.cu), opened with dlopen. */
struct GpuLibrary {
    int (*probe)(char*, int) = nullptr;
    int (*deviceName)(int, char*, int) = nullptr;
    void* (*open)(int, int, int, char*, int) = nullptr;
    const char* (*error)(void*) = nullptr;
    int (*setCentroids)(void*, int64_t, const float*) = nullptr;
    int (*assign)(void*, int64_t, const float*, uint64_t, float*, int64_t*) = nullptr;
    void (*close)(void*) = nullptr;

    /** The library at `path`, opened once per process; throws with the loader's reason. */
    static const GpuLibrary& at(const char* path) {
        static std::mutex lock;
        static std::unique_ptr<GpuLibrary> opened;
        std::lock_guard<std::mutex> guard(lock);
        if (opened) {
            return *opened;
        }
        void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* why = dlerror();
            throw std::runtime_error(std::string("cannot load the GPU library ") + path + ": " + (why ? why : "?"));
        }
        std::unique_ptr<GpuLibrary> library(new GpuLibrary());
        library->probe = (int (*)(char*, int))dlsym(handle, "vf_gpu_probe");
        library->deviceName = (int (*)(int, char*, int))dlsym(handle, "vf_gpu_device_name");
        library->open = (void* (*)(int, int, int, char*, int))dlsym(handle, "vf_gpu_open");
        library->error = (const char* (*)(void*))dlsym(handle, "vf_gpu_error");
        library->setCentroids = (int (*)(void*, int64_t, const float*))dlsym(handle, "vf_gpu_set_centroids");
        library->assign = (int (*)(void*, int64_t, const float*, uint64_t, float*, int64_t*))dlsym(handle, "vf_gpu_assign");
        library->close = (void (*)(void*))dlsym(handle, "vf_gpu_close");
        if (!library->probe || !library->deviceName || !library->open || !library->error || !library->setCentroids ||
            !library->assign || !library->close) {
            dlclose(handle);
            throw std::runtime_error(std::string("the GPU library ") + path + " lacks the vf_gpu_* functions");
        }
        opened = std::move(library);
        return *opened;
    }
};

/** Where an assignment index sends its one search: Faiss's IndexFlat (CPU) or the GPU library. */
class AssignBackend {
public:
    virtual ~AssignBackend() = default;
    virtual void setCentroids(int64_t k, const float* centroids) = 0;
    virtual void nearest(int64_t n, const float* x, float* distances, faiss::idx_t* labels) = 0;
    /** Time spent keying the searched vectors' contents (GPU only: whether its resident copy is still valid). */
    virtual double keySeconds() const { return 0; }
    /** Searches answered by vecforge's NearestCentroid (Faiss's fused kernel, its lanes merged in vector registers). */
    virtual long long nearestCentroidSearches() const { return 0; }
};

/** The CPU stand-in: Faiss's own IndexFlat, so training is exactly Faiss's default. */
class FlatBackend : public AssignBackend {
public:
    FlatBackend(int d, faiss::MetricType metric) : flat_(d, metric) {}
    void setCentroids(int64_t k, const float* centroids) override {
        flat_.reset();
        flat_.add((faiss::idx_t)k, centroids);
    }
    void nearest(int64_t n, const float* x, float* distances, faiss::idx_t* labels) override {
        flat_.search((faiss::idx_t)n, x, 1, distances, labels);
    }

private:
    faiss::IndexFlat flat_;
};

/**
 * The CPU trainer's backend for the small sub-spaces of PQ codebooks (L2, d <= 16): Faiss's fused
 * distance + argmin kernel, which Faiss's own flat search uses only when n x d reaches
 * faiss::distance_compute_blas_threshold (128,000). Below it Faiss computes one distance call per
 * (vector, centroid) pair: PQ64 over 128 dimensions on 32,768 rows (d = 2) trained in 25.7 s where
 * 65,536 rows, over the threshold, took 7.1 s (the faiss-cpu wheel); vecforge's codebooks phase at 32,768
 * rows: 24.7 s before, 2.8 s through this backend. At or over the threshold this is exactly Faiss's path
 * (the same kernel, the same arguments); below it the labels can differ from Faiss's per-pair
 * distances only where two centroids are equally near up to rounding. Where the kernel does not
 * apply (no AVX2, d > 16) Faiss's IndexFlat answers. Sub-spaces of 2, 4 or 8 dimensions with
 * whole vectors of centroids go through NearestCentroid instead: the same kernel's arithmetic and
 * answers, 2.5x as fast (PQ32 codebooks over 65,536 rows: 2.85 s -> 1.39 s, the same bytes).
 */
class FusedFlatBackend : public AssignBackend {
public:
    explicit FusedFlatBackend(int d) : d_(d), flat_(d, faiss::METRIC_L2) {}
    void setCentroids(int64_t k, const float* centroids) override {
        flat_.reset();
        flat_.add((faiss::idx_t)k, centroids);
        k_ = k;
        own_ = NearestCentroid::serves(d_, k);
        if (own_) ownKernel_.setCentroids(d_, k, centroids);
    }
    void nearest(int64_t n, const float* x, float* distances, faiss::idx_t* labels) override {
        static_assert(sizeof(faiss::idx_t) == sizeof(int64_t), "Faiss ids are 64-bit");
        if (own_ && ownKernel_.current()) {
            ownKernel_.nearest(n, x, distances, reinterpret_cast<int64_t*>(labels));
            ownSearches_++;
            return;
        }
        faiss::Top1BlockResultHandler<faiss::CMax<float, int64_t>> result(
                (size_t)n, distances, reinterpret_cast<int64_t*>(labels));
        if (n > 0 && k_ > 0 &&
            faiss::exhaustive_L2sqr_fused_cmax(x, flat_.get_xb(), (size_t)d_, (size_t)n, (size_t)k_, result,
                                               nullptr)) {
            return;
        }
        flat_.search((faiss::idx_t)n, x, 1, distances, labels);
    }

    long long nearestCentroidSearches() const override { return ownSearches_; }

    static constexpr int MAX_DIMENSION = 16;

private:
    int d_;
    int64_t k_ = 0;
    faiss::IndexFlat flat_;
    bool own_ = false;
    NearestCentroid ownKernel_;
    long long ownSearches_ = 0;
};

/**
 * Content key of the vectors searched: the same key means the GPU may reuse its resident copy. Faiss's k-means
 * searches the same vectors once per iteration (and the PQ codebooks reuse one buffer for every sub-space), so
 * this runs over the whole sample each time: eight independent multiply-xorshift lanes per 1 Mi-word chunk
 * keep it near memory speed instead of one multiply's latency per word.
 */
inline uint64_t contentKey(int64_t n, int d, const float* x) {
    const size_t words = (size_t)n * (size_t)d;
    const uint32_t* bits = reinterpret_cast<const uint32_t*>(x);
    const size_t chunk = (size_t)1 << 20;
    const int64_t chunks = (int64_t)((words + chunk - 1) / chunk);
    const uint64_t prime = 0x9E3779B97F4A7C15ULL;
    std::vector<uint64_t> partial((size_t)chunks);
#pragma omp parallel for
    for (int64_t c = 0; c < chunks; c++) {
        uint64_t lanes[8];
        for (int l = 0; l < 8; l++) lanes[l] = 0xCBF29CE484222325ULL ^ ((uint64_t)c << 8) ^ (uint64_t)l;
        size_t i = (size_t)c * chunk;
        const size_t end = std::min(words, (size_t)(c + 1) * chunk);
        for (; i + 16 <= end; i += 16) {
            for (int l = 0; l < 8; l++) {
                uint64_t w = (uint64_t)bits[i + 2 * l] | ((uint64_t)bits[i + 2 * l + 1] << 32);
                uint64_t h = (lanes[l] ^ w) * prime;
                lanes[l] = h ^ (h >> 32);
            }
        }
        for (; i < end; i++) {
            uint64_t h = (lanes[0] ^ bits[i]) * prime;
            lanes[0] = h ^ (h >> 32);
        }
        uint64_t h = 0;
        for (int l = 0; l < 8; l++) {
            h = (h ^ lanes[l]) * 0x100000001B3ULL;
            h ^= h >> 29;
        }
        partial[(size_t)c] = h;
    }
    uint64_t key = 0xCBF29CE484222325ULL ^ (uint64_t)n ^ ((uint64_t)d << 40);
    for (uint64_t h : partial) {
        key = (key ^ h) * 0x100000001B3ULL;
        key ^= key >> 31;
    }
    return key == 0 ? 1 : key;  // 0 means "no key" to the GPU library
}

class GpuBackend : public AssignBackend {
public:
    GpuBackend(const GpuLibrary& library, int device, int d, faiss::MetricType metric)
            : library_(library), d_(d) {
        char error[512] = {0};
        context_ = library_.open(device, d, metric == faiss::METRIC_L2 ? 1 : 0, error, sizeof(error));
        if (context_ == nullptr) {
            throw std::runtime_error(std::string("GPU ") + std::to_string(device) + ": " + error);
        }
    }
    ~GpuBackend() override { library_.close(context_); }
    void setCentroids(int64_t k, const float* centroids) override {
        check(library_.setCentroids(context_, k, centroids));
    }
    void nearest(int64_t n, const float* x, float* distances, faiss::idx_t* labels) override {
        static_assert(sizeof(faiss::idx_t) == sizeof(int64_t), "Faiss ids are 64-bit");
        auto start = std::chrono::steady_clock::now();
        uint64_t key = contentKey(n, d_, x);
        keySeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        check(library_.assign(context_, n, x, key, distances, reinterpret_cast<int64_t*>(labels)));
    }
    double keySeconds() const override { return keySeconds_; }

private:
    void check(int status) {
        if (status != 0) throw std::runtime_error(std::string("GPU k-means assignment: ") + library_.error(context_));
    }
    GpuBackend(const GpuBackend&) = delete;
    GpuBackend& operator=(const GpuBackend&) = delete;

    const GpuLibrary& library_;
    int d_;
    void* context_;
    double keySeconds_ = 0;
};

/**
 * The faiss::Index that Clustering trains against. It keeps the centroids Clustering adds and hands
 * them to the backend before the next search; anything but a k = 1 search is refused.
 */
class AssignIndex : public faiss::Index {
public:
    AssignIndex(int d, faiss::MetricType metric, std::unique_ptr<AssignBackend> backend)
            : faiss::Index(d, metric), backend_(std::move(backend)) {
        is_trained = true;
    }

    void add(faiss::idx_t n, const float* x) override {
        centroids_.insert(centroids_.end(), x, x + (size_t)n * d);
        ntotal += n;
        uploaded_ = false;
    }
    void reset() override {
        centroids_.clear();
        ntotal = 0;
        uploaded_ = false;
    }
    void search(faiss::idx_t n, const float* x, faiss::idx_t k, float* distances, faiss::idx_t* labels,
                const faiss::SearchParameters* params = nullptr) const override {
        if (k != 1 || params != nullptr) {
            throw std::invalid_argument("the k-means assignment index answers k = 1 searches only");
        }
        auto start = std::chrono::steady_clock::now();
        if (!uploaded_) {
            backend_->setCentroids(ntotal, centroids_.data());
            uploaded_ = true;
        }
        backend_->nearest(n, x, distances, labels);
        searches_++;
        searched_ += n;
        seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    long long searches() const { return searches_; }
    long long searched() const { return searched_; }
    /** Wall time spent in searches, centroid uploads included. */
    double searchSeconds() const { return seconds_; }
    /** Of which keying the searched vectors on the CPU (see AssignBackend::keySeconds). */
    double keySeconds() const { return backend_->keySeconds(); }
    long long nearestCentroidSearches() const { return backend_->nearestCentroidSearches(); }

private:
    std::unique_ptr<AssignBackend> backend_;
    std::vector<float> centroids_;
    mutable bool uploaded_ = false;
    mutable long long searches_ = 0;
    mutable long long searched_ = 0;
    mutable double seconds_ = 0;
};

/**
 * Stands in for an IVF index's exact (IndexFlat) coarse quantizer while the index trains. Every call goes to
 * the quantizer itself, except k = 1 searches: IndexIVF::train's assignment of its training sample to lists
 * (before the residuals the encoder trains on), answered by an assignment index holding the same centroids.
 * The quantizer is exact, so an exact nearest-centroid search answers as it would (with Faiss's IndexFlat
 * behind the assignment index, bit for bit).
 */
class QuantizerProxy : public faiss::Index {
public:
    QuantizerProxy(faiss::IndexFlat* quantizer, AssignIndex* assign)
            : faiss::Index(quantizer->d, quantizer->metric_type), quantizer_(quantizer), assign_(assign) {
        sync();
    }

    void train(faiss::idx_t n, const float* x) override {
        quantizer_->train(n, x);
        sync();
    }
    void add(faiss::idx_t n, const float* x) override {
        quantizer_->add(n, x);
        sync();
    }
    void reset() override {
        quantizer_->reset();
        sync();
    }
    void search(faiss::idx_t n, const float* x, faiss::idx_t k, float* distances, faiss::idx_t* labels,
                const faiss::SearchParameters* params = nullptr) const override {
        if (k != 1 || params != nullptr) {
            quantizer_->search(n, x, k, distances, labels, params);
            return;
        }
        if (assign_->ntotal != quantizer_->ntotal || stale_) {
            assign_->reset();
            assign_->add(quantizer_->ntotal, quantizer_->get_xb());
            stale_ = false;
        }
        assign_->search(n, x, 1, distances, labels);
    }
    void reconstruct(faiss::idx_t key, float* recons) const override { quantizer_->reconstruct(key, recons); }
    void reconstruct_n(faiss::idx_t i0, faiss::idx_t ni, float* recons) const override {
        quantizer_->reconstruct_n(i0, ni, recons);
    }
    void compute_residual(const float* x, float* residual, faiss::idx_t key) const override {
        quantizer_->compute_residual(x, residual, key);
    }
    void compute_residual_n(faiss::idx_t n, const float* xs, float* residuals, const faiss::idx_t* keys) const override {
        quantizer_->compute_residual_n(n, xs, residuals, keys);
    }

private:
    void sync() {
        ntotal = quantizer_->ntotal;
        is_trained = quantizer_->is_trained;
        stale_ = true;
    }

    faiss::IndexFlat* quantizer_;
    AssignIndex* assign_;
    mutable bool stale_ = true;
};

/** The product quantizer whose codebooks k-means trains inside an IVF index, if it has one. */
inline faiss::ProductQuantizer* productQuantizerOf(faiss::IndexIVF* ivf) {
    auto* ivfpq = dynamic_cast<faiss::IndexIVFPQ*>(ivf);
    return ivfpq == nullptr ? nullptr : &ivfpq->pq;
}

/** What a Java-side KmeansAssigner owns: its backend choice and the assignment indexes it made. */
struct AssignerState {
    const GpuLibrary* library;  // null: the CPU
    int device;
    bool fusedSmallDimensions;  // CPU: small L2 sub-spaces through FusedFlatBackend, not Faiss's flat search
    std::vector<std::unique_ptr<AssignIndex>> indexes;
    long long listAssignedVectors = 0;  // training-sample vectors assigned to lists through a QuantizerProxy

    AssignIndex* indexFor(int d, faiss::MetricType metric) {
        std::unique_ptr<AssignBackend> backend;
        if (library == nullptr && fusedSmallDimensions && metric == faiss::METRIC_L2 &&
            d <= FusedFlatBackend::MAX_DIMENSION) {
            backend.reset(new FusedFlatBackend(d));
        } else if (library == nullptr) {
            backend.reset(new FlatBackend(d, metric));
        } else {
            backend.reset(new GpuBackend(*library, device, d, metric));
        }
        indexes.emplace_back(new AssignIndex(d, metric, std::move(backend)));
        return indexes.back().get();
    }
};

/**
 * An IVF index's training hooked to an assigner for the lifetime of this object: the coarse k-means
 * (IndexIVF::clustering_index), the PQ codebooks' k-means (ProductQuantizer::assign_index) and, when the
 * coarse quantizer is exact, the assignment of the training sample to lists (a QuantizerProxy in place of
 * IndexIVF::quantizer). The destructor puts everything back, also when training throws, so copies and
 * written files never see the hooks.
 */
class TrainingHooks {
public:
    /** index: the whole index (its OPQ rotations hooked too, on the CPU trainer's fused backend); ivf: its IVF. */
    TrainingHooks(faiss::Index* index, faiss::IndexIVF* ivf, AssignerState& state)
            : state_(state), ivf_(ivf), pq_(productQuantizerOf(ivf)) {
        // Everything that can fail (a GPU context per index) before the first hook is set.
        coarse_ = state.indexFor((int)ivf->d, ivf->metric_type);
        if (pq_ != nullptr) codebooks_ = state.indexFor((int)pq_->dsub, faiss::METRIC_L2);
        for (faiss::OPQMatrix* opq : untrainedOpq(index, state)) {
            // OPQMatrix::train trains a ProductQuantizer of its own per iteration (50 of them): given one, it
            // trains that one, and its k-means and encoding go through the ProductQuantizer's assign_index
            rotations_.emplace_back(opq, std::make_unique<faiss::ProductQuantizer>(opq->d_out, opq->M, 8));
            rotations_.back().second->assign_index = state.indexFor(opq->d_out / opq->M, faiss::METRIC_L2);
        }
        auto* flat = dynamic_cast<faiss::IndexFlat*>(ivf->quantizer);
        if (flat != nullptr) {
            lists_ = state.indexFor((int)flat->d, flat->metric_type);
            proxy_.reset(new QuantizerProxy(flat, lists_));
        }
        for (auto& rotation : rotations_) rotation.first->pq = rotation.second.get();
        ivf->clustering_index = coarse_;
        if (pq_ != nullptr) pq_->assign_index = codebooks_;
        if (proxy_) {
            quantizer_ = ivf->quantizer;
            ivf->quantizer = proxy_.get();
        }
    }
    ~TrainingHooks() {
        for (auto& rotation : rotations_) rotation.first->pq = nullptr;
        ivf_->clustering_index = nullptr;
        if (pq_ != nullptr) pq_->assign_index = nullptr;
        if (quantizer_ != nullptr) ivf_->quantizer = quantizer_;
        if (lists_ != nullptr) state_.listAssignedVectors += lists_->searched();
    }

    /** The assignment index of each hook; null where the index has no such hook. */
    const AssignIndex* coarse() const { return coarse_; }
    const AssignIndex* codebooks() const { return codebooks_; }
    const AssignIndex* lists() const { return lists_; }

private:
    TrainingHooks(const TrainingHooks&) = delete;
    TrainingHooks& operator=(const TrainingHooks&) = delete;

    /** OPQ rotations in front of the IVF index, still to train with 8-bit codes, when small sub-spaces are fused. */
    static std::vector<faiss::OPQMatrix*> untrainedOpq(faiss::Index* index, const AssignerState& state) {
        std::vector<faiss::OPQMatrix*> found;
        auto* pre = dynamic_cast<faiss::IndexPreTransform*>(index);
        if (pre == nullptr || state.library != nullptr || !state.fusedSmallDimensions) return found;
        for (faiss::VectorTransform* transform : pre->chain) {
            auto* opq = dynamic_cast<faiss::OPQMatrix*>(transform);
            if (opq != nullptr && !opq->is_trained && opq->pq == nullptr && opq->M > 0 && opq->d_out % opq->M == 0 &&
                opq->d_out / opq->M <= FusedFlatBackend::MAX_DIMENSION) {
                found.push_back(opq);
            }
        }
        return found;
    }

    AssignerState& state_;
    faiss::IndexIVF* ivf_;
    faiss::ProductQuantizer* pq_;
    std::vector<std::pair<faiss::OPQMatrix*, std::unique_ptr<faiss::ProductQuantizer>>> rotations_;
    AssignIndex* coarse_ = nullptr;
    AssignIndex* codebooks_ = nullptr;
    AssignIndex* lists_ = nullptr;
    std::unique_ptr<QuantizerProxy> proxy_;
    faiss::Index* quantizer_ = nullptr;
};

}  // namespace vecforge

#endif
