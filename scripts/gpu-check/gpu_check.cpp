// gpu_check: checks vecforge's GPU k-means assignment on a machine with an NVIDIA GPU, without Java.
// Linked against the static libfaiss.a of Faiss 1.15.0 (faiss/cppbuild.sh) and vecforge's own assignment index
// (faiss/src/main/cpp/vecforge_assign.h), the same code the JNI library runs.
//
//   gpu_check <libvecforge_gpu.so> [--rows N] [--wiki]
//   gpu_check <libvecforge_gpu.so> --train FACTORY --dim D --sample N [--cpu]
//   gpu_check --stand-in [--rows N]      the same checks with Faiss's IndexFlat in place of the GPU
//                                        (checks this program itself on a machine without a GPU)
//
// 1. kernel: GPU nearest-centroid assignment vs Faiss's IndexFlatL2 (labels agree >= 99.9%, distances
//    within 2e-5 of |x|^2 + |c|^2, the scale of the FP32 rounding both sides make);
// 2. training: the default config (IVF1024,PQ32np, 65,536-row sample, d=128) trained by Faiss on
//    the CPU and with the GPU assigner on the same sample: k-means objective and codec error within 0.5%,
//    recall@10 at nprobe 16 within 0.005 (issue 23's bounds for training that is not byte-identical),
//    and the GPU/CPU training time ratio;
// 3. --wiki: the Faiss-wiki k-means case, 1M x 256 -> 20,000 centroids, 25 iterations, on the GPU;
// --train instead of 1-3: one training of FACTORY on an N x D clustered sample on the GPU (and with --cpu
//    on the CPU too, checked as in 2), timed in assignment searches and the rest (docs/cost-model.md).
// Exit status 0 when every check passes.
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/index_factory.h>
#include <faiss/IVFlib.h>
#include <faiss/utils/distances.h>
#include <omp.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>
#include "vecforge_assign.h"

namespace {

using Clock = std::chrono::steady_clock;
using idx_t = faiss::idx_t;

double seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

// A small counter-based generator, so every row draws from its own stream and the data do not depend on
// the number of threads that generate them.
struct RowRandom {
    uint64_t state;
    explicit RowRandom(uint64_t seed, uint64_t row) : state(seed * 0x9E3779B97F4A7C15ULL + row * 0xD1B54A32D192ED03ULL) {}
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    float uniform() { return (float)((next() >> 40) + 1) * (1.0f / 16777217.0f); }  // (0, 1]
    float normal() {
        float u = uniform(), v = uniform();
        return std::sqrt(-2.0f * std::log(u)) * std::cos(6.2831853f * v);
    }
};

// Clustered data like the project's benchmarks: 256 Gaussian clusters in a 16-dimensional subspace.
std::vector<float> clustered(int64_t n, int d, uint64_t seed) {
    const int clusters = 256, intrinsic = 16;
    RowRandom shared(seed, ~0ULL);
    std::vector<float> basis((size_t)intrinsic * d), centres((size_t)clusters * intrinsic);
    for (auto& v : basis) v = shared.normal() / std::sqrt((float)intrinsic);
    for (auto& v : centres) v = 4 * shared.normal();
    std::vector<float> x((size_t)n * d);
#pragma omp parallel for schedule(static, 4096)
    for (int64_t i = 0; i < n; i++) {
        RowRandom rng(seed, (uint64_t)i);
        float latent[intrinsic];
        int c = (int)(rng.next() % clusters);
        for (int j = 0; j < intrinsic; j++) latent[j] = centres[(size_t)c * intrinsic + j] + rng.normal();
        for (int k = 0; k < d; k++) {
            float v = 0.05f * rng.normal();
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
    // Both sides compute ||x||^2 - 2<x,c> + ||c||^2 in FP32: a small distance is the difference of large
    // terms, so its rounding error scales with ||x||^2 + ||c||^2, not with the distance. Each side is within
    // d * 2^-24 (about 7.6e-6 at d = 128) of that scale, so the two differ by at most about twice that.
    std::vector<float> rowNorms(n), centroidNorms(k);
    faiss::fvec_norms_L2sqr(rowNorms.data(), x.data(), d, n);
    faiss::fvec_norms_L2sqr(centroidNorms.data(), centroids.data(), d, k);
    int64_t agree = 0;
    double worst = 0, worstFar = 0;
    for (int64_t i = 0; i < n; i++) {
        if (cpuLabels[i] == gpuLabels[i]) agree++;
        double scale = (double)rowNorms[i] + centroidNorms[cpuLabels[i]];
        double error = std::fabs((double)gpuDistances[i] - cpuDistances[i]);
        worst = std::max(worst, error / scale);
        if (cpuDistances[i] > 0.01 * scale) worstFar = std::max(worstFar, error / cpuDistances[i]);
    }
    check.expect(agree >= 0.999 * n, "label agreement", (double)agree / n, 0.999);
    check.expect(worst <= 2e-5, "distance error / (|x|^2 + |c|^2) (max)", worst, 2e-5);
    check.expect(worstFar <= 1e-3, "relative error, distances > 1% of that (max)", worstFar, 1e-3);
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

struct Phases {
    std::unique_ptr<faiss::Index> index;
    long long searches = 0;
    double total = 0, coarseAssign = 0, pqAssign = 0, listAssign = 0, keys = 0;
    double assign() const { return coarseAssign + pqAssign + listAssign; }
};

// Trains `factory` through the assignment indexes (GPU, or Faiss's IndexFlat when gpu is null: then the
// result is Faiss's default training) and splits the time into the assignment searches and the rest.
Phases timedTrain(const char* factory, int d, int64_t n, const float* sample, const vecforge::GpuLibrary* gpu) {
    Phases p;
    p.index.reset(faiss::index_factory(d, factory, faiss::METRIC_L2));
    vecforge::AssignerState assigner{gpu, 0, false, {}};
    vecforge::TrainingHooks hooks(p.index.get(), faiss::ivflib::extract_index_ivf(p.index.get()), assigner);
    auto start = Clock::now();
    p.index->train(n, sample);
    p.total = seconds(start);
    p.coarseAssign = hooks.coarse()->searchSeconds();
    p.pqAssign = hooks.codebooks() ? hooks.codebooks()->searchSeconds() : 0;
    p.listAssign = hooks.lists() ? hooks.lists()->searchSeconds() : 0;
    for (const auto& index : assigner.indexes) {
        p.keys += index->keySeconds();
        p.searches += index->searches();
    }
    return p;
}

// Faiss's own training, no hook: the reference the checks compare with.
Phases plainTrain(const char* factory, int d, int64_t n, const float* sample) {
    Phases p;
    p.index.reset(faiss::index_factory(d, factory, faiss::METRIC_L2));
    auto start = Clock::now();
    p.index->train(n, sample);
    p.total = seconds(start);
    return p;
}

// The GPU training against the CPU's on the first `probe` rows of the sample: coarse objective and codec error
// within 0.5% (issue 23's bounds for training that cannot be byte-identical).
void compareQuality(const Phases& gpu, const Phases& cpu, int64_t probe, const float* sample, int d, Check& check) {
    double gpuObjective = coarseObjective(gpu.index.get(), probe, sample);
    double cpuObjective = coarseObjective(cpu.index.get(), probe, sample);
    double gpuCodec = codecError(gpu.index.get(), probe, sample, d);
    double cpuCodec = codecError(cpu.index.get(), probe, sample, d);
    check.expect(std::fabs(gpuObjective / cpuObjective - 1) <= 0.005, "coarse k-means objective GPU/CPU - 1",
                 gpuObjective / cpuObjective - 1, 0.005);
    check.expect(std::fabs(gpuCodec / cpuCodec - 1) <= 0.005, "codec (coarse + PQ) error GPU/CPU - 1",
                 gpuCodec / cpuCodec - 1, 0.005);
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

    Phases cpu = plainTrain(factory, d, sampleRows, sample);
    std::printf("  CPU train %.2f s\n", cpu.total);
    Phases onGpu = timedTrain(factory, d, sampleRows, sample, gpu);
    std::printf("  GPU train %.2f s (%lld assignment searches: coarse %.2f s, PQ %.2f s, lists %.2f s; the rest, Faiss's "
                "CPU work, %.2f s)\n", onGpu.total, onGpu.searches, onGpu.coarseAssign, onGpu.pqAssign,
                onGpu.listAssign, onGpu.total - onGpu.assign());
    compareQuality(onGpu, cpu, sampleRows, sample, d, check);
    double cpuRecall = recallAt10(cpu.index.get(), base, rows, queries, nq, d, truth);
    double gpuRecall = recallAt10(onGpu.index.get(), base, rows, queries, nq, d, truth);
    std::printf("  recall@10 at nprobe 16: CPU %.4f, GPU %.4f\n", cpuRecall, gpuRecall);
    check.expect(std::fabs(gpuRecall - cpuRecall) <= 0.005, "recall@10 GPU - CPU", gpuRecall - cpuRecall, 0.005);
    std::printf("RESULT train_seconds_cpu=%.3f train_seconds_gpu=%.3f speedup=%.2fx\n", cpu.total, onGpu.total,
                cpu.total / onGpu.total);
}

// A training at a size the cost model projects from (docs/cost-model.md): GPU, and the CPU when asked,
// on the same clustered sample; quality compared on the sample's first rows.
void trainCase(const vecforge::GpuLibrary* gpu, const char* factory, int d, int64_t n, bool cpuToo, Check& check) {
    std::printf("train case: %s, sample %lld x %d, %d OpenMP threads\n", factory, (long long)n, d,
                omp_get_max_threads());
    auto generating = Clock::now();
    std::vector<float> sample = clustered(n, d, 7);
    std::printf("  sample generated in %.1f s\n", seconds(generating));
    const int64_t probe = std::min<int64_t>(n, 20000);
    Phases onGpu = timedTrain(factory, d, n, sample.data(), gpu);
    double gpuObjective = coarseObjective(onGpu.index.get(), probe, sample.data());  // reported
    double gpuCodec = codecError(onGpu.index.get(), probe, sample.data(), d);
    std::printf("  %s train %.2f s: assignment searches coarse %.2f s, PQ %.2f s, lists %.2f s, the rest (Faiss CPU "
                "work) %.2f s\n", gpu ? "GPU" : "stand-in", onGpu.total, onGpu.coarseAssign, onGpu.pqAssign,
                onGpu.listAssign, onGpu.total - onGpu.assign());
    std::printf("  of the assignment searches, keying the vectors on the CPU %.2f s\n", onGpu.keys);
    std::printf("RESULT train_case factory=%s d=%d sample=%lld threads=%d gpu_seconds=%.3f gpu_coarse_assign=%.3f "
                "gpu_pq_assign=%.3f gpu_list_assign=%.3f objective=%.6g codec_error=%.6g\n", factory, d, (long long)n,
                omp_get_max_threads(), onGpu.total, onGpu.coarseAssign, onGpu.pqAssign, onGpu.listAssign, gpuObjective,
                gpuCodec);
    if (!cpuToo) return;
    Phases cpu = timedTrain(factory, d, n, sample.data(), nullptr);
    std::printf("  CPU train %.2f s: assignment searches coarse %.2f s, PQ %.2f s, lists %.2f s, the rest %.2f s\n",
                cpu.total, cpu.coarseAssign, cpu.pqAssign, cpu.listAssign, cpu.total - cpu.assign());
    compareQuality(onGpu, cpu, probe, sample.data(), d, check);
    std::printf("RESULT train_case_cpu factory=%s d=%d sample=%lld threads=%d cpu_seconds=%.3f cpu_coarse_assign=%.3f "
                "cpu_pq_assign=%.3f cpu_list_assign=%.3f speedup=%.2fx\n", factory, d, (long long)n,
                omp_get_max_threads(), cpu.total, cpu.coarseAssign, cpu.pqAssign, cpu.listAssign,
                cpu.total / onGpu.total);
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
    vecforge::AssignerState assigner{&gpu, 0, false, {}};
    faiss::Index* index = assigner.indexFor(d, faiss::METRIC_L2);
    auto start = Clock::now();
    clustering.train(n, x.data(), *index);
    double elapsed = seconds(start);
    const vecforge::AssignIndex& searched = *assigner.indexes.back();
    std::printf("  assignment searches %.2f s (of which keying the vectors on the CPU %.2f s), the rest %.2f s\n",
                searched.searchSeconds(), searched.keySeconds(), elapsed - searched.searchSeconds());
    std::printf("RESULT wiki_kmeans_seconds=%.2f objective=%.6g\n", elapsed, clustering.iteration_stats.back().obj);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <libvecforge_gpu.so>|--stand-in [--rows N] [--wiki] "
                     "[--train FACTORY --dim D --sample N [--cpu]]\n", argv[0]);
        return 2;
    }
    int64_t rows = 300000, sampleRows = 0;
    int dim = 0;
    bool wiki = false, cpuToo = false;
    const char* factory = nullptr;
    for (int i = 2; i < argc; i++) {
        if (!std::strcmp(argv[i], "--rows") && i + 1 < argc) rows = std::atoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--wiki")) wiki = true;
        else if (!std::strcmp(argv[i], "--train") && i + 1 < argc) factory = argv[++i];
        else if (!std::strcmp(argv[i], "--dim") && i + 1 < argc) dim = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--sample") && i + 1 < argc) sampleRows = std::atoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--cpu")) cpuToo = true;
        else {
            std::fprintf(stderr, "gpu_check: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (rows < 70000 || (factory != nullptr && (dim <= 0 || dim > 65536 || sampleRows <= 0))) {
        std::fprintf(stderr, "gpu_check: --rows needs >= 70000; --train needs --dim 1..65536 and --sample > 0\n");
        return 2;
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
        if (factory != nullptr) {
            trainCase(gpu, factory, dim, sampleRows, cpuToo, check);
        } else {
            kernelCheck(gpu, check);
            trainingCheck(gpu, rows, check);
            if (wiki && gpu != nullptr) wikiCase(*gpu);
        }
        std::printf(check.failures == 0 ? "gpu-check: all checks passed\n" : "gpu-check: %d check(s) FAILED\n",
                    check.failures);
        return check.failures == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::printf("gpu-check: error: %s\n", e.what());
        return 1;
    }
}
