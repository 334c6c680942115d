// Plain Faiss train + add, no JVM and no Spark: what the Faiss that vecforge links (faiss/cppbuild.sh's
// prefix, its BLAS) does on its own. scripts/bench-faiss.sh times it beside the faiss-cpu wheel on the
// same data; scripts/simd-repro.sh runs it under each SIMD level and compares the bytes it writes.
//
//   faiss_driver --factory F --train T.fvecs --base B.fvecs [--metric l2|ip] [--trained OUT] [--index OUT]
//
// Prints one JSON object: faiss version, SIMD level, OpenBLAS core, train and add seconds.
#include <faiss/Index.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/simd_levels.h>
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" char* openblas_get_corename(void);
extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_parallel(void);

namespace {

std::vector<float> readFvecs(const std::string& path, int& d, long& n) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw std::runtime_error("cannot open " + path);
    int32_t dim = 0;
    if (std::fread(&dim, 4, 1, f) != 1 || dim <= 0 || dim > 65536) throw std::runtime_error("bad fvecs " + path);
    std::fseek(f, 0, SEEK_END);
    long bytes = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    long row = 4L * (dim + 1);
    if (bytes % row != 0) throw std::runtime_error(path + " is not whole rows of dimension " + std::to_string(dim));
    n = bytes / row;
    d = dim;
    std::vector<float> out((size_t)n * dim);
    std::vector<float> buffer(dim + 1);
    for (long i = 0; i < n; i++) {
        if (std::fread(buffer.data(), 4, dim + 1, f) != (size_t)dim + 1) throw std::runtime_error("short read " + path);
        std::memcpy(out.data() + (size_t)i * dim, buffer.data() + 1, 4 * (size_t)dim);
    }
    std::fclose(f);
    return out;
}

double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::string factory, trainPath, basePath, metric = "l2", trainedOut, indexOut;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i], value = argv[i + 1];
        if (key == "--factory") factory = value;
        else if (key == "--train") trainPath = value;
        else if (key == "--base") basePath = value;
        else if (key == "--metric") metric = value;
        else if (key == "--trained") trainedOut = value;
        else if (key == "--index") indexOut = value;
        else {
            std::fprintf(stderr, "unknown option %s\n", key.c_str());
            return 2;
        }
    }
    if (factory.empty() || trainPath.empty()) {
        std::fprintf(stderr, "usage: faiss_driver --factory F --train T.fvecs [--base B.fvecs] ...\n");
        return 2;
    }
    try {
        // As vecforge's tasks do: the OpenMP OpenBLAS follows the OpenMP threads, a pthread one gets 1.
        const char* blasThreads = std::getenv("VECFORGE_BLAS_THREADS");
        int threads = omp_get_max_threads();
        openblas_set_num_threads(blasThreads != nullptr ? std::atoi(blasThreads)
                                 : openblas_get_parallel() == 2 ? threads : 1);
        omp_set_num_threads(threads);
        int d = 0;
        long nt = 0, nb = 0;
        std::vector<float> train = readFvecs(trainPath, d, nt);
        std::vector<float> base;
        if (!basePath.empty()) {
            int db = 0;
            base = readFvecs(basePath, db, nb);
            if (db != d) throw std::runtime_error("train and base dimensions differ");
        }
        faiss::MetricType m = metric == "ip" ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2;
        std::unique_ptr<faiss::Index> index(faiss::index_factory(d, factory.c_str(), m));
        auto start = std::chrono::steady_clock::now();
        index->train(nt, train.data());
        double trainSeconds = seconds(start);
        if (!trainedOut.empty()) faiss::write_index(index.get(), trainedOut.c_str());
        double addSeconds = 0;
        if (nb > 0) {
            std::vector<faiss::idx_t> ids(nb);
            for (long i = 0; i < nb; i++) ids[i] = i;
            start = std::chrono::steady_clock::now();
            index->add_with_ids(nb, base.data(), ids.data());
            addSeconds = seconds(start);
        }
        if (!indexOut.empty()) faiss::write_index(index.get(), indexOut.c_str());
        std::printf("{\"library\": \"faiss %s (vecforge's cppbuild)\", \"simd\": \"%s\", \"blas\": \"%s %s\", "
                    "\"threads\": %d, \"train_rows\": %ld, \"rows\": %ld, \"train_s\": %.3f, \"add_s\": %.3f}\n",
                    VERSION_STRING, faiss::SIMDConfig::get_level_name().c_str(), openblas_get_corename(),
                    openblas_get_parallel() == 2 ? "OpenMP" : "pthreads",
                    omp_get_max_threads(), nt, nb, trainSeconds, addSeconds);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "faiss_driver: %s\n", e.what());
        return 1;
    }
    return 0;
}
