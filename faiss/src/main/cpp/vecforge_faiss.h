// vecforge's narrow facade over Faiss. JavaCPP's Parser reads the declarations below to
// generate io.vecforge.faiss.NativeFaiss; the generated JNI code includes this header, so
// the bodies compile into libjniNativeFaiss together with the static libfaiss.a.
//
// Ownership: a NativeIndex is created only by the static factories below and released
// only by NativeIndex::destroy, which the Java owner (io.vecforge.faiss.FaissIndex)
// calls exactly once. Faiss errors surface as C++ exceptions, which JavaCPP rethrows
// in Java as RuntimeException carrying the Faiss message.
#ifndef VECFORGE_FAISS_H
#define VECFORGE_FAISS_H

#include <cmath>
#include <cstdint>
#include <limits>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <stdexcept>
#include <string>
#include <vector>
#include <memory>
#include <malloc.h>
#include <omp.h>
#include <faiss/Index.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexIVFPQR.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/utils/Heap.h>
#include <faiss/utils/distances.h>
#include <faiss/IVFlib.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexRefine.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/impl/IDSelector.h>
#include <algorithm>
#include <chrono>
#include <cxxabi.h>
#include <typeinfo>
#include <faiss/clone_index.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/impl/io.h>
#include <faiss/utils/simd_levels.h>
#include "vecforge_assign.h"
#include "vecforge_ivfpq_train.h"
#include "vecforge_polysemous.h"
#include "vecforge_exact.h"
#include "vecforge_lists_on_disk.h"

extern "C" void openblas_set_num_threads(int num_threads);
extern "C" char* openblas_get_corename(void);
extern "C" int openblas_get_parallel(void);

namespace vecforge {

/**
 * How k-means assigns vectors to centroids while an index trains: on a GPU through
 * libvecforge_gpu.so, or on the CPU through Faiss's own IndexFlat (the stand-in that proves the
 * plug-in path trains exactly as Faiss does by default). Released only by destroy, which the Java
 * owner (io.vecforge.faiss.KmeansAssigner) calls exactly once.
 */
class NativeKmeansAssigner {
public:
    /** Faiss's IndexFlat for every assignment: exactly Faiss's default training. */
    static NativeKmeansAssigner* cpuStandIn() { return new NativeKmeansAssigner(nullptr, -1, false); }
    /** The CPU trainer's: as cpuStandIn, but small L2 sub-spaces (d <= 16) through Faiss's fused kernel. */
    static NativeKmeansAssigner* cpu() { return new NativeKmeansAssigner(nullptr, -1, true); }
    /** The largest sub-space dimension cpu() sends through the fused kernel. */
    static int fusedMaxDimension() { return FusedFlatBackend::MAX_DIMENSION; }
    /** GPU `device` through the library at libraryPath; throws with the reason when it cannot be used. */
    static NativeKmeansAssigner* gpu(const char* libraryPath, int device) {
        const GpuLibrary& library = GpuLibrary::at(libraryPath);
        char reason[512] = {0};
        int devices = library.probe(reason, sizeof(reason));
        if (devices <= 0) throw std::runtime_error(std::string("no usable GPU: ") + reason);
        if (device < 0 || device >= devices) {
            throw std::invalid_argument("GPU " + std::to_string(device) + " does not exist (" +
                                        std::to_string(devices) + " visible)");
        }
        return new NativeKmeansAssigner(&library, device, false);
    }
    static void destroy(NativeKmeansAssigner* assigner) { delete assigner; }

    /** k = 1 searches answered so far, and the vectors they assigned. */
    long long searches() const {
        long long total = 0;
        for (const auto& index : state_->indexes) total += index->searches();
        return total;
    }
    long long searchedVectors() const {
        long long total = 0;
        for (const auto& index : state_->indexes) total += index->searched();
        return total;
    }
    /** Training-sample vectors assigned to inverted lists (IndexIVF::train, exact coarse quantizers only). */
    long long listAssignedVectors() const { return state_->listAssignedVectors; }
    /** Of the searches, those answered by vecforge's NearestCentroid kernel (vecforge_nearest_centroid.h). */
    long long nearestCentroidSearches() const {
        long long total = 0;
        for (const auto& index : state_->indexes) total += index->nearestCentroidSearches();
        return total;
    }

    /** Usable GPUs seen through the library at libraryPath; 0 with the reason in `reason` (NUL-terminated). */
    static int gpuCount(const char* libraryPath, signed char* reason, int reasonLength) {
        return GpuLibrary::at(libraryPath).probe(reinterpret_cast<char*>(reason), reasonLength);
    }
    static int gpuName(const char* libraryPath, int device, signed char* name, int nameLength) {
        return GpuLibrary::at(libraryPath).deviceName(device, reinterpret_cast<char*>(name), nameLength);
    }

    ~NativeKmeansAssigner() { delete state_; }

private:
    friend class NativeIndex;
    NativeKmeansAssigner(const GpuLibrary* library, int device, bool fusedSmallDimensions)
            : state_(new AssignerState{library, device, fusedSmallDimensions, {}}) {}
    NativeKmeansAssigner(const NativeKmeansAssigner&) = delete;
    NativeKmeansAssigner& operator=(const NativeKmeansAssigner&) = delete;

    AssignerState* state_;
};

class NativeIndex {
public:
    static NativeIndex* create(int dimension, const char* factory, int metric) {
        faiss::MetricType m = metric == 0 ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2;
        return new NativeIndex(faiss::index_factory(dimension, factory, m));
    }
    static NativeIndex* readFile(const char* path) {
        return new NativeIndex(faiss::read_index(path));
    }
    /**
     * Reads an index whose inverted lists stay in the file (FileInvertedLists: each list read when a search or a
     * check asks for it). Lists of other layouts are read as read_index reads them: block lists (fast scan) are
     * read whole under the flags already; Panorama's lists, which read_index cannot skip, are read again without
     * them, as is a file the lazy read refuses, so that a damaged one fails with Faiss's own message.
     */
    static NativeIndex* readFileListsOnDisk(const char* path) {
        ListsOnDiskIO::registered();
        try {
            return new NativeIndex(faiss::read_index(path, ListsOnDiskIO::READ_FLAGS));
        } catch (const std::exception&) {
            return readFile(path);
        }
    }
    /**
     * Reads a trained index to add rows to. Faiss's read builds an IVF-PQ index's precomputed table for searches
     * by residual (nlist x M x 2^nbits floats: 32 MiB for IVF1024,PQ32, 256 MiB for IVF4096,PQ64) and no add reads
     * it, nor does the file it writes hold it; with IO_FLAG_SKIP_PRECOMPUTE_TABLE it is not built. Where that flag
     * would change more than this table (the tables residual and additive quantizers encode with, a residual
     * coarse quantizer's search) or the index is any other kind, the file is read again as readFile reads it.
     */
    static NativeIndex* readFileForAdding(const char* path) {
        std::unique_ptr<faiss::Index> index(faiss::read_index(path, faiss::IO_FLAG_SKIP_PRECOMPUTE_TABLE));
        if (!onlyPqTableSkipped(index.get())) {
            return readFile(path);
        }
        return new NativeIndex(index.release());
    }
    /** Whether the index holds an IVF-PQ precomputed table (use_precomputed_table 1 or 2): for tests. */
    bool hasPqTable() const {
        const auto* ivfpq = dynamic_cast<const faiss::IndexIVFPQ*>(faiss::ivflib::try_extract_index_ivf(index_));
        return ivfpq != nullptr && ivfpq->use_precomputed_table > 0 && ivfpq->precomputed_table.size() > 0;
    }
    static void destroy(NativeIndex* index) { delete index; }

    NativeIndex* copy() const { return new NativeIndex(faiss::clone_index(index_)); }

    int dimension() const { return (int)index_->d; }
    long long ntotal() const { return (long long)index_->ntotal; }
    bool isTrained() const { return index_->is_trained; }
    /** Faiss MetricType: 0 = inner product, 1 = L2. */
    int metricType() const { return (int)index_->metric_type; }
    bool isIvf() const { return faiss::ivflib::try_extract_index_ivf(index_) != nullptr; }
    /** Throws what training would refuse from the index's shape alone (DeferredPolysemous::deferred). */
    void checkTrainable() const { DeferredPolysemous::deferred(index_); }
    long long nlist() const { return (long long)ivf()->nlist; }
    /** Dimension of each PQ codebook's sub-space of an IVFPQ index (its k-means runs there); 0 without one. */
    int pqSubDimension() const {
        faiss::IndexIVF* index = faiss::ivflib::try_extract_index_ivf(index_);
        faiss::ProductQuantizer* pq = index == nullptr ? nullptr : productQuantizerOf(index);
        return pq == nullptr ? 0 : (int)pq->dsub;
    }
    long long nprobe() const { return (long long)ivf()->nprobe; }
    void setNprobe(long long nprobe) { ivf()->nprobe = (size_t)nprobe; }

    /** Trains; an IVFPQ index's polysemous training runs as vecforge's (DeferredPolysemous). */
    void train(long long n, const float* x) {
        DeferredPolysemous polysemous(index_);
        index_->train((faiss::idx_t)n, x);
        polysemous.finish();
    }
    /** Faiss's own training, nothing of vecforge's in it: what the others are compared with. */
    void trainAsFaiss(long long n, const float* x) { index_->train((faiss::idx_t)n, x); }
    /**
     * Trains with the assigner answering every k-means assignment: the coarse quantizer's
     * (IndexIVF::clustering_index), for IVFPQ the PQ codebooks' (ProductQuantizer::assign_index), and for an
     * exact coarse quantizer the assignment of the sample to lists (TrainingHooks). The hooks are removed
     * afterwards, so copies and written files never see them. On the CPU trainer's assigner an IndexIVFPQ's
     * codebooks train side by side (ParallelCodebooks), the same bytes.
     */
    void trainWith(long long n, const float* x, NativeKmeansAssigner* assigner) {
        TrainingHooks hooks(index_, ivf(), *assigner->state_);
        DeferredPolysemous polysemous(index_);
        hasTrainedFit_ = false;
        if (ParallelCodebooks::serves(index_, *assigner->state_)) {
            double fitSum = std::numeric_limits<double>::quiet_NaN();
            ParallelCodebooks::train(static_cast<faiss::IndexIVFPQ*>(index_), (faiss::idx_t)n, x, *assigner->state_,
                                     &fitSum);
            if (n > 0 && !std::isnan(fitSum)) {
                trainedFit_ = fitSum / (double)n;
                hasTrainedFit_ = true;
            }
        } else {
            index_->train((faiss::idx_t)n, x);
        }
        polysemous.finish();
    }
    /**
     * The mean distance of the sample trainWith last trained on to its nearest coarse centroid, taken from the
     * training's own assignment of the rows (QuantizerFit's measure, rounded as the assigner rounds: within
     * 1e-6); NaN when that training did not assign the whole sample itself.
     */
    double trainedFit() const { return hasTrainedFit_ ? trainedFit_ : std::numeric_limits<double>::quiet_NaN(); }
    void add(long long n, const float* x) {
        index_->add((faiss::idx_t)n, x);
        throwIfListsFailed();
    }
    /**
     * Faiss's add_with_ids; a bare IVF index's as IndexIVF::add_with_ids splits it (assign, then addAssigned: the
     * lists grown gently, an IndexIVFPQ of 4-dimensional sub-vectors encoded through TransposedPqAdd).
     */
    void addWithIds(long long n, const float* x, const long long* ids) {
        if (n > 0 && index_->is_trained && addsAsBareIvf(*index_)) {
            auto* ivfIndex = static_cast<faiss::IndexIVF*>(index_);
            FAISS_THROW_IF_NOT_MSG(ivfIndex->quantizer, "IVF quantizer must not be null");
            FAISS_THROW_IF_NOT_MSG(ivfIndex->invlists, "IVF index has no inverted lists");
            std::vector<faiss::idx_t> assign((size_t)n);
            ivfIndex->quantizer->assign((faiss::idx_t)n, x, assign.data());
            addAssigned(ivfIndex, (faiss::idx_t)n, x, (const faiss::idx_t*)ids, assign.data());
            throwIfListsFailed();
            return;
        }
        index_->add_with_ids((faiss::idx_t)n, x, (const faiss::idx_t*)ids);
        throwIfListsFailed();
    }
    /**
     * From now on keeps the entries added to this index's inverted lists on disk (SpilledInvertedLists: a scratch
     * file in directory, unlinked at once; buffers of at most bufferBytes over all lists), and writes them as
     * Faiss's array lists are written. Only an empty IVF-Flat, -SQ or -PQ index (bare or inside a transform)
     * with Faiss's own array lists changes; false, nothing changed, for any other.
     */
    bool spillLists(const char* directory, long long bufferBytes) {
        if (bufferBytes <= 0) throw std::invalid_argument("spillLists: the buffer must have room");
        faiss::IndexIVF* ivfIndex = faiss::ivflib::try_extract_index_ivf(index_);
        if (ivfIndex == nullptr || !addsAsBareIvf(*ivfIndex) || ivfIndex->ntotal != 0 || !ivfIndex->own_invlists
                || ivfIndex->invlists == nullptr || typeid(*ivfIndex->invlists) != typeid(faiss::ArrayInvertedLists)
                || ivfIndex->invlists->code_size != ivfIndex->code_size) {
            return false;
        }
        ListsOnDiskIO::registered();
        ivfIndex->replace_invlists(
                new SpilledInvertedLists(ivfIndex->nlist, ivfIndex->code_size, directory, (size_t)bufferBytes), true);
        return true;
    }
    /** Bytes the spilled lists have appended to their scratch file; -1 when the lists are not spilled. */
    long long spilledBytes() const {
        const faiss::IndexIVF* ivfIndex = faiss::ivflib::try_extract_index_ivf(index_);
        const auto* spilled = ivfIndex == nullptr ? nullptr : dynamic_cast<const SpilledInvertedLists*>(ivfIndex->invlists);
        return spilled == nullptr ? -1 : (long long)spilled->spilledBytes();
    }
    /** Whether the inverted lists are read from the index's file (readFileListsOnDisk). */
    bool listsInFile() const {
        const faiss::IndexIVF* ivfIndex = faiss::ivflib::try_extract_index_ivf(index_);
        return ivfIndex != nullptr && dynamic_cast<const FileInvertedLists*>(ivfIndex->invlists) != nullptr;
    }
    /** Whether addWithIds encodes through TransposedPqAdd for this index (at the SIMD level Faiss runs now). */
    bool addsThroughTransposedPq() const { return TransposedPqAdd::serves(index_); }
    /** Faiss's own add_with_ids, nothing of vecforge's in it: what addWithIds is compared with. */
    void addWithIdsAsFaiss(long long n, const float* x, const long long* ids) {
        index_->add_with_ids((faiss::idx_t)n, x, (const faiss::idx_t*)ids);
        throwIfListsFailed();
    }
    void search(long long n, const float* x, long long k, float* distances, long long* labels) const {
        index_->search((faiss::idx_t)n, x, (faiss::idx_t)k, distances,
                       (faiss::idx_t*)labels);
    }

    /** Whether searchSlices serves this index: a bare IVF-Flat, -SQ or -PQ index (no transform, id map, fast scan). */
    bool slicesSearchable() const {
        return dynamic_cast<faiss::IndexIVFPQ*>(index_) != nullptr
                || dynamic_cast<faiss::IndexIVFFlat*>(index_) != nullptr
                || dynamic_cast<faiss::IndexIVFScalarQuantizer*>(index_) != nullptr;
    }

    /**
     * The search of n queries at increasing nprobes, each inverted list scanned once: the coarse assignment is
     * made once for the largest nprobe (bounds[m - 1]); slice i scans lists [bounds[i - 1], bounds[i]) of each
     * query's assignment (from 0 for i = 0) into its own top-k (distances and labels + i * n * k). The top-k at
     * nprobe bounds[i] is the merge of slices 0..i, as IndexIVF::search would find it (the same per-list
     * distances). nanos: the coarse assignment's time, then each slice's (m + 1 entries).
     */
    void searchSlices(long long n, const float* x, long long k, const int* bounds, int m, float* distances,
                      long long* labels, long long* nanos) const {
        if (!slicesSearchable()) throw std::invalid_argument("searchSlices: not a bare IVF-Flat, -SQ or -PQ index");
        faiss::IndexIVF* ivfIndex = dynamic_cast<faiss::IndexIVF*>(index_);
        if (n <= 0 || k <= 0 || m <= 0) throw std::invalid_argument("searchSlices: bad sizes");
        for (int i = 0; i < m; i++) {
            if (bounds[i] <= (i == 0 ? 0 : bounds[i - 1]) || (size_t)bounds[i] > ivfIndex->nlist) {
                throw std::invalid_argument("searchSlices: bounds must rise within nlist");
            }
        }
        size_t probes = (size_t)bounds[m - 1];
        std::vector<faiss::idx_t> assign((size_t)n * probes);
        std::vector<float> coarse((size_t)n * probes);
        auto start = std::chrono::steady_clock::now();
        ivfIndex->quantizer->search((faiss::idx_t)n, x, (faiss::idx_t)probes, coarse.data(), assign.data());
        auto lap = [&start]() {
            auto now = std::chrono::steady_clock::now();
            long long elapsed = (long long)std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count();
            start = now;
            return elapsed;
        };
        nanos[0] = lap();
        std::vector<faiss::idx_t> sliceAssign;
        std::vector<float> sliceCoarse;
        for (int i = 0; i < m; i++) {
            size_t from = i == 0 ? 0 : (size_t)bounds[i - 1];
            size_t width = (size_t)bounds[i] - from;
            sliceAssign.resize((size_t)n * width);
            sliceCoarse.resize((size_t)n * width);
            for (long long q = 0; q < n; q++) {
                std::copy_n(assign.data() + q * probes + from, width, sliceAssign.data() + q * width);
                std::copy_n(coarse.data() + q * probes + from, width, sliceCoarse.data() + q * width);
            }
            faiss::SearchParametersIVF params;
            params.nprobe = width;
            params.max_codes = ivfIndex->max_codes;
            ivfIndex->search_preassigned((faiss::idx_t)n, x, (faiss::idx_t)k, sliceAssign.data(), sliceCoarse.data(),
                                         distances + (size_t)i * n * k,
                                         reinterpret_cast<faiss::idx_t*>(labels) + (size_t)i * n * k, false, &params);
            nanos[i + 1] = lap();
        }
    }

    /** Lets training print its progress (k-means iterations, PQ training), as Faiss does with verbose. */
    void setTrainingVerbose(bool verbose) {
        index_->verbose = verbose;
        faiss::IndexIVF* ivfIndex = faiss::ivflib::try_extract_index_ivf(index_);
        if (ivfIndex != nullptr) {
            ivfIndex->verbose = verbose;
            ivfIndex->cp.verbose = verbose;
            // The PQ's own flag: its "Training PQ slice" lines mark where the codebooks' training starts.
            faiss::IndexIVFPQ* ivfpq = dynamic_cast<faiss::IndexIVFPQ*>(ivfIndex);
            if (ivfpq != nullptr) {
                ivfpq->pq.verbose = verbose;
            }
        }
    }

    /**
     * Sends what C code prints to stdout and stderr (Faiss's verbose output and its warnings) into a
     * new pipe until releaseOutput(); returns the pipe's read end, or -1. The JVM's own System.out
     * and System.err write to file descriptors 1 and 2 directly, not through C's streams, so they are
     * not captured.
     */
    static int captureOutput() {
        int fds[2];
        if (pipe(fds) != 0) return -1;
        cookie_io_functions_t io = {nullptr, &writeToPipe, nullptr, &closePipe};
        FILE* pipeFile = fopencookie(reinterpret_cast<void*>(static_cast<intptr_t>(fds[1])), "w", io);
        if (pipeFile == nullptr) {
            close(fds[0]);
            close(fds[1]);
            return -1;
        }
        // Line-buffered, so each line reaches the reader when printed: its arrival time dates a training phase.
        setvbuf(pipeFile, nullptr, _IOLBF, 0);
        fflush(stdout);
        fflush(stderr);
        savedStdout() = stdout;
        savedStderr() = stderr;
        stdout = pipeFile;
        stderr = pipeFile;
        return fds[0];
    }

    /** Puts C's stdout and stderr back and closes the pipe's write end: the reader sees the end of the stream. */
    static void releaseOutput() {
        if (savedStdout() == nullptr) return;
        FILE* pipeFile = stdout;
        fflush(pipeFile);
        stdout = savedStdout();
        stderr = savedStderr();
        savedStdout() = nullptr;
        savedStderr() = nullptr;
        fclose(pipeFile);
    }

    static void closeFd(int fd) { close(fd); }

    /**
     * Folds n database rows (ids[0..n)) into the running exact top-k of nq queries: heapDistances and heapIds
     * (nq * k) are Faiss heaps (a max-heap of L2 distances, a min-heap of inner products; ties on the larger
     * id leave first), kept by the caller across calls (vecforge_exact.h).
     */
    static void exactKnnUpdate(int d, long long nq, const float* queries, long long n, const float* x,
                               const long long* ids, int k, int metric, float* heapDistances,
                               long long* heapIds) {
        exactKnnFold(d, nq, queries, n, x, ids, k, metric != 0, heapDistances, heapIds);
    }

    /**
     * Prepares addWithIdsExact for these queries (metric: 0 inner product, 1 L2, as the heaps are kept):
     * returns false, preparing nothing, where it does not serve (not a bare IVF-Flat, -PQ or -SQ index of that
     * metric, or more than maxBoundEntries query-list bounds).
     */
    bool prepareExactBounds(long long nq, const float* queries, int metric, long long maxBoundEntries) {
        exactBounds_ = ListBoundedSearch::prepare(index_, nq, queries, metric != 0, maxBoundEntries);
        return exactBounds_ != nullptr;
    }

    /**
     * Adds n rows with their ids, as addWithIds does, and folds them into the prepared queries' exact top-k
     * (the heaps as exactKnnUpdate keeps them). nanos gets the add's time, then the fold's; returns the
     * query-row distances computed (n * nq where every one was).
     */
    long long addWithIdsExact(long long n, const float* x, const long long* ids, int k, float* heapDistances,
                              long long* heapIds, long long* nanos) {
        if (exactBounds_ == nullptr) throw std::invalid_argument("addWithIdsExact: prepareExactBounds first");
        if (n <= 0 || k <= 0) throw std::invalid_argument("addWithIdsExact: bad sizes");
        long long computed = exactBounds_->addAndFold(ivf(), n, x, ids, k, heapDistances, heapIds, nanos);
        throwIfListsFailed();
        return computed;
    }

    /** Distance of each of n vectors to its nearest coarse centroid (the IVF quantizer's k=1 search). */
    void nearestCentroidDistances(long long n, const float* x, float* distances) const {
        std::vector<faiss::idx_t> labels((size_t)n);
        // behind a pre-transform (OPQ, PCA: possibly another dimension) the centroids live in its output space
        auto* pre = dynamic_cast<faiss::IndexPreTransform*>(index_);
        const float* mapped = pre == nullptr ? x : pre->apply_chain((faiss::idx_t)n, x);
        std::unique_ptr<const float[]> owned(mapped == x ? nullptr : mapped);
        ivf()->quantizer->search((faiss::idx_t)n, mapped, 1, distances, labels.data());
    }

    /** The size of every inverted list, into out (nlist entries). */
    void listSizes(long long* out) const {
        const faiss::IndexIVF* ivfIndex = ivf();
        for (size_t list = 0; list < ivfIndex->nlist; list++) {
            out[list] = (long long)ivfIndex->invlists->list_size(list);
        }
    }

    /**
     * Bytes the inverted lists' arrays have allocated for ids and codes (their capacity, which their entries need
     * not fill), or -1 when the lists are not Faiss's own arrays.
     */
    long long listBytesAllocated() const {
        const auto* arrays = dynamic_cast<const faiss::ArrayInvertedLists*>(ivf()->invlists);
        if (arrays == nullptr) return -1;
        long long bytes = 0;
        for (size_t list = 0; list < arrays->nlist; list++) {
            bytes += (long long)(arrays->ids[list].owned_data.capacity() * sizeof(faiss::idx_t)
                                 + arrays->codes[list].owned_data.capacity());
        }
        return bytes;
    }

    /** Copies the ids of every inverted list, list by list, into out (ntotal entries). */
    void copyIds(long long* out) const {
        const faiss::IndexIVF* ivfIndex = ivf();
        long long written = 0;
        for (size_t list = 0; list < ivfIndex->nlist; list++) {
            size_t n = ivfIndex->invlists->list_size(list);
            if (n == 0) continue;
            faiss::InvertedLists::ScopedIds ids(ivfIndex->invlists, list);
            std::memcpy(out + written, ids.get(), n * sizeof(long long));
            written += (long long)n;
        }
    }

    /**
     * Removes every entry whose id is one of ids[0..n) (Faiss's IDSelectorBatch); returns how many it
     * removed. Each inverted list fills a removed slot with its last entry, so lists lose their id order:
     * sortListsById() restores it.
     */
    long long removeIds(long long n, const long long* ids) {
        // Faiss removes inside OpenMP loops, where lists that cannot remove would end the process
        faiss::IndexIVF* ivfIndex = faiss::ivflib::try_extract_index_ivf(index_);
        if (ivfIndex != nullptr && (dynamic_cast<SpilledInvertedLists*>(ivfIndex->invlists) != nullptr
                                    || dynamic_cast<FileInvertedLists*>(ivfIndex->invlists) != nullptr)) {
            throw std::invalid_argument("removeIds: inverted lists on disk take no removals");
        }
        faiss::IDSelectorBatch selector((size_t)n, (const faiss::idx_t*)ids);
        return (long long)index_->remove_ids(selector);
    }

    /**
     * Orders every inverted list by ascending id, moving each code with its id: the order a build that
     * added the same rows in ascending id order has, so a patched shard and a rebuilt one are the same
     * bytes. Only the in-memory lists of a built index (ArrayInvertedLists) can be reordered; false
     * for any other kind, which is left as it is.
     */
    bool sortListsById() {
        faiss::IndexIVF* ivfIndex = ivf();
        // exactly ArrayInvertedLists: a subclass (Panorama's) keeps more per entry than ids and codes
        if (ivfIndex->invlists == nullptr || typeid(*ivfIndex->invlists) != typeid(faiss::ArrayInvertedLists)) {
            return false;
        }
        auto* lists = static_cast<faiss::ArrayInvertedLists*>(ivfIndex->invlists);
        size_t codeSize = lists->code_size;
        std::vector<size_t> order;
        std::vector<faiss::idx_t> ids;
        std::vector<uint8_t> codes;
        for (size_t list = 0; list < lists->nlist; list++) {
            size_t n = lists->ids[list].size();
            if (n < 2) continue;
            const faiss::idx_t* listIds = lists->ids[list].data();
            order.resize(n);
            for (size_t i = 0; i < n; i++) order[i] = i;
            std::sort(order.begin(), order.end(), [listIds](size_t a, size_t b) { return listIds[a] < listIds[b]; });
            ids.resize(n);
            codes.resize(n * codeSize);
            const uint8_t* listCodes = lists->codes[list].data();
            for (size_t i = 0; i < n; i++) {
                ids[i] = listIds[order[i]];
                std::memcpy(codes.data() + i * codeSize, listCodes + order[i] * codeSize, codeSize);
            }
            std::memcpy(lists->ids[list].data(), ids.data(), n * sizeof(faiss::idx_t));
            std::memcpy(lists->codes[list].data(), codes.data(), n * codeSize);
        }
        return true;
    }

    /** The smallest and largest id in the inverted lists, into out[0] and out[1]; false when the index is empty. */
    bool idBounds(long long* out) const {
        const faiss::IndexIVF* ivfIndex = ivf();
        bool any = false;
        for (size_t list = 0; list < ivfIndex->nlist; list++) {
            size_t n = ivfIndex->invlists->list_size(list);
            if (n == 0) continue;
            faiss::InvertedLists::ScopedIds ids(ivfIndex->invlists, list);
            for (size_t i = 0; i < n; i++) {
                long long id = (long long)ids[i];
                if (!any || id < out[0]) out[0] = id;
                if (!any || id > out[1]) out[1] = id;
                any = true;
            }
        }
        return any;
    }

    /**
     * The classes a written file of this index holds, outermost first, separated by ';' (for example
     * "faiss::IndexIVFPQ;faiss::IndexFlatL2;faiss::ArrayInvertedLists"): what decides which Faiss
     * versions can read it. A scalar quantizer adds its type, as in "faiss::IndexIVFScalarQuantizer(qtype 0)".
     */
    const char* components() const {
        static thread_local std::string out;
        out.clear();
        describe(index_, out);
        return out.c_str();
    }

    void writeFile(const char* path) const { faiss::write_index(index_, path); }

    /** OpenMP threads apply to the calling thread (a Spark task's thread). The OpenMP build of
     *  OpenBLAS (the one vecforge links) follows them: a BLAS call outside Faiss's parallel loops
     *  (k-means and coarse assignment, the big sgemms) uses every task thread, one inside them runs
     *  on its own thread, so nothing oversubscribes. A pthread OpenBLAS has one process-wide pool
     *  that knows nothing of OpenMP: it gets blasThreads (1 keeps the loops from oversubscribing). */
    static void setThreads(int ompThreads, int blasThreads) {
        openblas_set_num_threads(blasOpenMp() ? ompThreads : blasThreads);
        omp_set_num_threads(ompThreads);
    }
    /** Whether the OpenBLAS loaded is its OpenMP build (openblas_get_parallel() == 2). */
    static bool blasOpenMp() { return openblas_get_parallel() == 2; }
    static int ompMaxThreads() { return omp_get_max_threads(); }
    /** Bytes the C heap holds for the process right now (glibc mallinfo2: arenas + mmapped
     *  blocks): Faiss's memory, without the JVM's own heap. */
    static long long nativeHeapBytes() {
        struct mallinfo2 info = mallinfo2();
        return (long long)(info.uordblks + info.hblkhd);
    }
    /** The SIMD level Faiss dispatches to in this process (NONE, AVX2, AVX512, AVX512_SPR, ...). */
    static const char* simdLevel() {
        static thread_local std::string name;
        name = faiss::SIMDConfig::get_level_name();
        return name.c_str();
    }
    /** Whether this CPU and this build can run `level`; false for a name Faiss does not know. */
    static bool simdLevelAvailable(const char* level) {
        try {
            return faiss::SIMDConfig::is_simd_level_available(faiss::to_simd_level(level));
        } catch (const std::exception&) {
            return false;
        }
    }
    /** Makes Faiss dispatch to `level` from now on, process-wide; throws when it is not available. */
    static void setSimdLevel(const char* level) {
        faiss::SIMDLevel parsed = faiss::to_simd_level(level);
        if (!faiss::SIMDConfig::is_simd_level_available(parsed)) {
            throw std::invalid_argument(std::string("Faiss SIMD level ") + level +
                                        " is not available on this CPU (detected " +
                                        faiss::SIMDConfig::get_level_name() + ")");
        }
        faiss::SIMDConfig::set_level(parsed);
    }
    /** The OpenBLAS kernel set chosen for this CPU (Haswell, SkylakeX, Zen, ...); it decides sgemm's rounding. */
    static const char* blasCore() { return openblas_get_corename(); }

    static const char* faissVersion() {
        static const std::string version = std::to_string(FAISS_VERSION_MAJOR) + "." +
            std::to_string(FAISS_VERSION_MINOR) + "." + std::to_string(FAISS_VERSION_PATCH);
        return version.c_str();
    }

    ~NativeIndex() { delete index_; }

private:
    explicit NativeIndex(faiss::Index* index) : index_(index) {}

    /** Whether the index is an IVF-PQ index on a flat coarse quantizer, behind any chain of transforms. */
    static bool onlyPqTableSkipped(const faiss::Index* index) {
        while (auto* pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
            index = pre->index;
        }
        const auto* ivfpq = dynamic_cast<const faiss::IndexIVFPQ*>(index);
        return ivfpq != nullptr && (typeid(*ivfpq) == typeid(faiss::IndexIVFPQ)
                || typeid(*ivfpq) == typeid(faiss::IndexIVFPQR))
                && ivfpq->quantizer != nullptr
                && (typeid(*ivfpq->quantizer) == typeid(faiss::IndexFlatL2)
                        || typeid(*ivfpq->quantizer) == typeid(faiss::IndexFlatIP)
                        || typeid(*ivfpq->quantizer) == typeid(faiss::IndexFlat));
    }

    template <typename T>
    static void appendType(const T* object, std::string& out) {
        if (!out.empty()) out += ';';
        if (object == nullptr) {
            out += "null";
            return;
        }
        int status = 0;
        char* demangled = abi::__cxa_demangle(typeid(*object).name(), nullptr, nullptr, &status);
        out += status == 0 && demangled != nullptr ? demangled : typeid(*object).name();
        std::free(demangled);
    }

    static void describe(const faiss::Index* index, std::string& out) {
        appendType(index, out);
        if (index == nullptr) return;
        if (auto sq = dynamic_cast<const faiss::IndexIVFScalarQuantizer*>(index)) {
            out += "(qtype " + std::to_string((int)sq->sq.qtype) + ")";
        }
        if (auto pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
            for (const faiss::VectorTransform* transform : pre->chain) appendType(transform, out);
            describe(pre->index, out);
        } else if (auto map = dynamic_cast<const faiss::IndexIDMap*>(index)) {
            describe(map->index, out);
        } else if (auto refine = dynamic_cast<const faiss::IndexRefine*>(index)) {
            describe(refine->base_index, out);
            describe(refine->refine_index, out);
        } else if (auto ivfIndex = dynamic_cast<const faiss::IndexIVF*>(index)) {
            describe(ivfIndex->quantizer, out);
            if (dynamic_cast<const SpilledInvertedLists*>(ivfIndex->invlists) != nullptr
                    || dynamic_cast<const FileInvertedLists*>(ivfIndex->invlists) != nullptr) {
                out += ";faiss::ArrayInvertedLists"; // what the file holds (ListsOnDiskIO)
            } else {
                appendType(ivfIndex->invlists, out);
            }
        }
    }

    static FILE*& savedStdout() {
        static FILE* saved = nullptr;
        return saved;
    }

    static FILE*& savedStderr() {
        static FILE* saved = nullptr;
        return saved;
    }

    static ssize_t writeToPipe(void* cookie, const char* buffer, size_t size) {
        int fd = static_cast<int>(reinterpret_cast<intptr_t>(cookie));
        size_t written = 0;
        while (written < size) {
            ssize_t n = write(fd, buffer + written, size - written);
            if (n <= 0) return written > 0 ? (ssize_t)written : -1;
            written += (size_t)n;
        }
        return (ssize_t)written;
    }

    static int closePipe(void* cookie) { return close(static_cast<int>(reinterpret_cast<intptr_t>(cookie))); }
    NativeIndex(const NativeIndex&) = delete;
    NativeIndex& operator=(const NativeIndex&) = delete;

    void throwIfListsFailed() const {
        const faiss::IndexIVF* ivfIndex = faiss::ivflib::try_extract_index_ivf(index_);
        const auto* spilled = ivfIndex == nullptr ? nullptr : dynamic_cast<const SpilledInvertedLists*>(ivfIndex->invlists);
        if (spilled != nullptr) spilled->throwIfFailed();
    }

    faiss::IndexIVF* ivf() const {
        faiss::IndexIVF* found = faiss::ivflib::try_extract_index_ivf(index_);
        if (found == nullptr) throw std::invalid_argument("not an IVF index");
        return found;
    }

    faiss::Index* index_;
    std::unique_ptr<ListBoundedSearch> exactBounds_;
    double trainedFit_ = 0;
    bool hasTrainedFit_ = false;
};

} // namespace vecforge

#endif
