// gpu_check: checks vecforge's GPU k-means assignment on a machine with an NVIDIA GPU, without Java.
// Linked against the static libfaiss.a of Faiss 1.15.0 (faiss/cppbuild.sh) and vecforge's own assignment index
// (faiss/src/main/cpp/vecforge_assign.h), the same code the JNI library runs.
//
//   gpu_check <libvecforge_gpu.so> [--rows N] [--wiki]
//   gpu_check --stand-in [--rows N]      the same checks with Faiss's IndexFlat in place of the GPU
//                                        (checks this program itself on a machine without a GPU)
//
// 1. kernel: GPU nearest-centroid assignment vs Faiss's IndexFlatL2 (labels agree >= 99.9%,
//    distance relative error <= 1e-4);
// 2. training: the default config (IVF1024,PQ32np, 65,536-row sample, d=128) trained by Faiss on
//    the CPU and with the GPU assigner on the same sample: k-means objective within 1%, recall@10
//    at nprobe 16 within 0.01, and the GPU/CPU training time ratio;
// 3. --wiki: the Faiss-wiki k-means case, 1M x 256 -> 20,000 centroids, 25 iterations, on the GPU.
// Exit status 0 when every check passes.
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/index_factory.h>
#include <faiss/IVFlib.h>
#include <omp.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>
#include "vecforge_assign.h"

namespace {

using Clock = std::chrono::steady_clock;
using idx_t = faiss::idx_t;

double seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

// Clustered data like the project's benchmarks: 256 Gaussian clusters in a 16-dimensional subspace.
std::vector<float> clustered(int64_t n, int d, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal;
    const int clusters = 256, intrinsic = 16;
    std::vector<float> basis((size_t)intrinsic * d), centres((size_t)clusters * intrinsic);
    for (auto& v : basis) v = normal(rng) / std::sqrt((float)intrinsic);
    for (auto& v : centres) v = 4 * normal(rng);
    std::vector<float> x((size_t)n * d);
    std::vector<float> latent(intrinsic);
    for (int64_t i = 0; i < n; i++) {
        int c = (int)(rng() % clusters);
        for (int j = 0; j < intrinsic; j++) latent[j] = centres[(size_t)c * intrinsic + j] + normal(rng);
        for (int k = 0; k < d; k++) {
            float v = 0.05f * normal(rng);
            for (int j = 0; j < intrinsic; j++) v += latent[j] * basis[(size_t)j * d + k];
            x[(size_t)i * d + k] = v;
        }
    }
    return x;
}

struct Check {
    int failures = 0;
    void expect(bool ok, const char* what, double value, double limit) {
        std::printf("  %-44s %12.6g  (limit %g)  %s\n", what, value, limit, ok ? "ok" : "FAILED");
        if (!ok) failures++;
    }
};

std::unique_ptr<vecforge::AssignBackend> backendFor(const vecforge::GpuLibrary* gpu, int d) {
    if (gpu == nullptr) return std::unique_ptr<vecforge::AssignBackend>(new vecforge::FlatBackend(d, faiss::METRIC_L2));
    return std::unique_ptr<vecforge::AssignBackend>(new vecforge::GpuBackend(*gpu, 0, d, faiss::METRIC_L2));
}

void kernelCheck(const vecforge::GpuLibrary* gpu, Check& check) {
    const int d = 128, k = 1024;
    const int64_t n = 100000;
    std::printf("kernel: %lld x %d against %d centroids, GPU vs Faiss IndexFlatL2\n", (long long)n, d, k);
    std::vector<float> x = clustered(n, d, 11);
    std::vector<float> centroids(x.begin(), x.begin() + (size_t)k * d);
    for (auto& v : centroids) v += 0.01f;  // no centroid equals a data point exactly
    faiss::IndexFlatL2 flat(d);
    flat.add(k, centroids.data());
    std::vector<float> cpuDistances(n), gpuDistances(n);
    std::vector<idx_t> cpuLabels(n), gpuLabels(n);
    flat.search(n, x.data(), 1, cpuDistances.data(), cpuLabels.data());
    std::unique_ptr<vecforge::AssignBackend> backend = backendFor(gpu, d);
    backend->setCentroids(k, centroids.data());
    backend->nearest(n, x.data(), gpuDistances.data(), gpuLabels.data());
    int64_t agree = 0;
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        if (cpuLabels[i] == gpuLabels[i]) agree++;
        double scale = std::max(1e-6, (double)std::fabs(cpuDistances[i]));
        worst = std::max(worst, std::fabs((double)gpuDistances[i] - cpuDistances[i]) / scale);
    }
    check.expect(agree >= 0.999 * n, "label agreement", (double)agree / n, 0.999);
    check.expect(worst <= 1e-4, "distance relative error (max)", worst, 1e-4);
}

struct Trained {
    std::unique_ptr<faiss::Index> index;
    double seconds;
    long long searches = 0;
};

// plugIn: train through the assignment index (on `gpu`, or Faiss's IndexFlat when gpu is null).
Trained train(const char* factory, int d, int64_t n, const float* sample, bool plugIn,
              const vecforge::GpuLibrary* gpu) {
    Trained t;
    t.index.reset(faiss::index_factory(d, factory, faiss::METRIC_L2));
    faiss::IndexIVF* ivf = faiss::ivflib::extract_index_ivf(t.index.get());
    faiss::ProductQuantizer* pq = vecforge::productQuantizerOf(ivf);
    vecforge::AssignerState assigner{gpu, 0, {}};
    if (plugIn) {
        ivf->clustering_index = assigner.indexFor(d, faiss::METRIC_L2);
        if (pq != nullptr) pq->assign_index = assigner.indexFor((int)pq->dsub, faiss::METRIC_L2);
    }
    auto start = Clock::now();
    t.index->train(n, sample);
    t.seconds = seconds(start);
    ivf->clustering_index = nullptr;
    if (pq != nullptr) pq->assign_index = nullptr;
    for (const auto& index : assigner.indexes) t.searches += index->searches();
    return t;
}

// Mean squared distance of the sample to its nearest coarse centroid (the coarse k-means objective).
double coarseObjective(faiss::Index* index, int64_t n, const float* x) {
    faiss::IndexIVF* ivf = faiss::ivflib::extract_index_ivf(index);
    std::vector<float> distances(n);
    std::vector<idx_t> labels(n);
    ivf->quantizer->search(n, x, 1, distances.data(), labels.data());
    double sum = 0;
    for (float v : distances) sum += v;
    return sum / n;
}

// Mean squared reconstruction error of the sample through the whole codec (coarse + PQ).
double codecError(faiss::Index* index, int64_t n, const float* x, int d) {
    std::vector<uint8_t> codes((size_t)n * index->sa_code_size());
    std::vector<float> decoded((size_t)n * d);
    index->sa_encode(n, x, codes.data());
    index->sa_decode(n, codes.data(), decoded.data());
    double sum = 0;
    for (size_t i = 0; i < decoded.size(); i++) sum += (double)(decoded[i] - x[i]) * (decoded[i] - x[i]);
    return sum / n;
}

double recallAt10(faiss::Index* index, const std::vector<float>& base, int64_t nb, const std::vector<float>& queries,
                  int64_t nq, int d, const std::vector<idx_t>& truth) {
    index->add(nb, base.data());
    faiss::ivflib::extract_index_ivf(index)->nprobe = 16;
    std::vector<float> distances((size_t)nq * 10);
    std::vector<idx_t> labels((size_t)nq * 10);
    index->search(nq, queries.data(), 10, distances.data(), labels.data());
    int64_t hits = 0;
    for (int64_t q = 0; q < nq; q++) {
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) {
                if (labels[(size_t)q * 10 + i] == truth[(size_t)q * 10 + j]) {
                    hits++;
                    break;
                }
            }
        }
    }
    return (double)hits / (nq * 10);
}

void trainingCheck(const vecforge::GpuLibrary* gpu, int64_t rows, Check& check) {
    const int d = 128;
    const int64_t sampleRows = 65536, nq = 1000;
    const char* factory = "IVF1024,PQ32np";
    std::printf("training: %s, sample %lld x %d, database %lld, %d OpenMP threads\n", factory,
                (long long)sampleRows, d, (long long)rows, omp_get_max_threads());
    std::vector<float> base = clustered(rows, d, 1);
    std::vector<float> queries = clustered(nq, d, 2);
    const float* sample = base.data();  // the first rows: the same sample both ways
    faiss::IndexFlatL2 exact(d);
    exact.add(rows, base.data());
    std::vector<float> truthDistances((size_t)nq * 10);
    std::vector<idx_t> truth((size_t)nq * 10);
    exact.search(nq, queries.data(), 10, truthDistances.data(), truth.data());

    Trained cpu = train(factory, d, sampleRows, sample, false, nullptr);
    std::printf("  CPU train %.2f s\n", cpu.seconds);
    Trained onGpu = train(factory, d, sampleRows, sample, true, gpu);
    std::printf("  GPU train %.2f s (%lld assignment searches)\n", onGpu.seconds, onGpu.searches);
    double cpuObjective = coarseObjective(cpu.index.get(), sampleRows, sample);
    double gpuObjective = coarseObjective(onGpu.index.get(), sampleRows, sample);
    double cpuCodec = codecError(cpu.index.get(), sampleRows, sample, d);
    double gpuCodec = codecError(onGpu.index.get(), sampleRows, sample, d);
    check.expect(std::fabs(gpuObjective / cpuObjective - 1) <= 0.01, "coarse k-means objective GPU/CPU - 1",
                 gpuObjective / cpuObjective - 1, 0.01);
    check.expect(std::fabs(gpuCodec / cpuCodec - 1) <= 0.01, "codec (coarse + PQ) error GPU/CPU - 1",
                 gpuCodec / cpuCodec - 1, 0.01);
    double cpuRecall = recallAt10(cpu.index.get(), base, rows, queries, nq, d, truth);
    double gpuRecall = recallAt10(onGpu.index.get(), base, rows, queries, nq, d, truth);
    std::printf("  recall@10 at nprobe 16: CPU %.4f, GPU %.4f\n", cpuRecall, gpuRecall);
    check.expect(std::fabs(gpuRecall - cpuRecall) <= 0.01, "recall@10 GPU - CPU", gpuRecall - cpuRecall, 0.01);
    std::printf("RESULT train_seconds_cpu=%.3f train_seconds_gpu=%.3f speedup=%.2fx\n", cpu.seconds, onGpu.seconds,
                cpu.seconds / onGpu.seconds);
}

void wikiCase(const vecforge::GpuLibrary& gpu) {
    const int d = 256, k = 20000;
    const int64_t n = 1000000;
    std::printf("wiki case: k-means %lld x %d -> %d centroids, 25 iterations, GPU assignment\n", (long long)n, d, k);
    std::vector<float> x = clustered(n, d, 5);
    faiss::ClusteringParameters parameters;
    parameters.niter = 25;
    parameters.max_points_per_centroid = 1 << 30;  // all 1M points, as the wiki case does
    faiss::Clustering clustering(d, k, parameters);
    vecforge::AssignerState assigner{&gpu, 0, {}};
    faiss::Index* index = assigner.indexFor(d, faiss::METRIC_L2);
    auto start = Clock::now();
    clustering.train(n, x.data(), *index);
    double elapsed = seconds(start);
    std::printf("RESULT wiki_kmeans_seconds=%.2f objective=%.6g\n", elapsed, clustering.iteration_stats.back().obj);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <libvecforge_gpu.so> [--rows N] [--wiki]\n", argv[0]);
        return 2;
    }
    int64_t rows = 300000;
    bool wiki = false;
    for (int i = 2; i < argc; i++) {
        if (!std::strcmp(argv[i], "--rows") && i + 1 < argc) rows = std::atoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--wiki")) wiki = true;
    }
    try {
        const vecforge::GpuLibrary* gpu = nullptr;
        if (std::strcmp(argv[1], "--stand-in") != 0) {
            gpu = &vecforge::GpuLibrary::at(argv[1]);
            char reason[512] = {0}, name[512] = {0};
            int devices = gpu->probe(reason, sizeof(reason));
            if (devices <= 0) {
                std::printf("no usable GPU: %s\n", reason);
                return 3;
            }
            gpu->deviceName(0, name, sizeof(name));
            std::printf("GPU 0 of %d: %s\n", devices, name);
        } else {
            std::printf("stand-in: Faiss's IndexFlat in place of the GPU (checks this program, not a GPU)\n");
        }
        Check check;
        kernelCheck(gpu, check);
        trainingCheck(gpu, rows, check);
        if (wiki && gpu != nullptr) wikiCase(*gpu);
        std::printf(check.failures == 0 ? "gpu-check: all checks passed\n" : "gpu-check: %d check(s) FAILED\n",
                    check.failures);
        return check.failures == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::printf("gpu-check: error: %s\n", e.what());
        return 1;
    }
}
