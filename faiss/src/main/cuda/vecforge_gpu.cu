// libvecforge_gpu: exact nearest-centroid assignment (k = 1) on an NVIDIA GPU, the one operation
// Faiss's k-means asks of its assignment index. Built on machines without a GPU by nvcc from the
// pinned PyPI wheels (see build-gpu-library.sh); the JNI library opens it with dlopen.
//
// Link-time dependencies are libc/libstdc++ only: cudart is linked statically (it opens the driver,
// libcuda.so.1, at run time) and cuBLAS is opened with dlopen (VECFORGE_CUBLAS names a file), so the
// library loads on any Linux machine and reports "no GPU" instead of failing to load.
//
// Numerics: FP32 throughout (cuBLAS in pedantic math mode: no TF32), scores
// ||c||^2 - 2<x,c> (L2) or -<x,c> (inner product), ties to the lowest centroid index, as Faiss's
// IndexFlat does.
#include <cuda_runtime.h>
#include <cmath>
#include <dlfcn.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace {

const int CUBLAS_OP_N = 0;
const int CUBLAS_OP_T = 1;
const int CUBLAS_PEDANTIC_MATH = 2;
const int ARGMIN_THREADS = 256;
// Scores of one tile: rows x centroids floats, kept under this many bytes.
const size_t SCORE_TILE_BYTES = (size_t)256 << 20;

typedef void* CublasHandle;

struct Cublas {
    int (*create)(CublasHandle*);
    int (*destroy)(CublasHandle);
    int (*setStream)(CublasHandle, cudaStream_t);
    int (*setMathMode)(CublasHandle, int);
    int (*sgemm)(CublasHandle, int, int, int, int, int, const float*, const float*, int, const float*, int,
                 const float*, float*, int);
    std::string error;  // empty when loaded
};

const Cublas& cublas() {
    static const Cublas loaded = [] {
        Cublas c{};
        const char* override = std::getenv("VECFORGE_CUBLAS");
        const char* candidates[] = {override, "libcublas.so.13", "libcublas.so.12", "libcublas.so"};
        void* handle = nullptr;
        for (const char* name : candidates) {
            if (name != nullptr && *name != '\0' && (handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL)) != nullptr) break;
            if (name == override && override != nullptr && *override != '\0') break;  // an explicit path must work
        }
        if (handle == nullptr) {
            c.error = override != nullptr && *override != '\0'
                    ? std::string("cannot open VECFORGE_CUBLAS=") + override + ": " + dlerror()
                    : "cuBLAS not found (tried libcublas.so.13, .12, libcublas.so; set VECFORGE_CUBLAS to its path)";
            return c;
        }
        c.create = (int (*)(CublasHandle*))dlsym(handle, "cublasCreate_v2");
        c.destroy = (int (*)(CublasHandle))dlsym(handle, "cublasDestroy_v2");
        c.setStream = (int (*)(CublasHandle, cudaStream_t))dlsym(handle, "cublasSetStream_v2");
        c.setMathMode = (int (*)(CublasHandle, int))dlsym(handle, "cublasSetMathMode");
        c.sgemm = (int (*)(CublasHandle, int, int, int, int, int, const float*, const float*, int, const float*, int,
                           const float*, float*, int))dlsym(handle, "cublasSgemm_v2");
        if (!c.create || !c.destroy || !c.setStream || !c.setMathMode || !c.sgemm) {
            c.error = "the cuBLAS library found lacks cublasCreate_v2/cublasSgemm_v2/cublasSetMathMode";
        }
        return c;
    }();
    return loaded;
}

void copyMessage(const std::string& message, char* out, int length) {
    if (out == nullptr || length <= 0) return;
    std::snprintf(out, (size_t)length, "%s", message.c_str());
}

__global__ void squaredNorms(const float* vectors, int64_t n, int d, float* out) {
    int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const float* v = vectors + i * d;
    float sum = 0;
    for (int j = 0; j < d; j++) sum += v[j] * v[j];
    out[i] = sum;
}

// scores: row-major rows x k inner products <x_i, c_j>. One block per row.
__global__ void nearestPerRow(const float* scores, const float* centroidNorms, const float* rowNorms, int k,
                              int l2, float* distances, int64_t* labels) {
    const float* row = scores + (size_t)blockIdx.x * k;
    float best = INFINITY;
    int bestIndex = INT32_MAX;
    for (int j = threadIdx.x; j < k; j += blockDim.x) {
        float score = l2 ? centroidNorms[j] - 2.f * row[j] : -row[j];
        if (score < best) {  // strictly: a thread's earlier (lower) index wins ties
            best = score;
            bestIndex = j;
        }
    }
    __shared__ float bestScores[ARGMIN_THREADS];
    __shared__ int bestIndexes[ARGMIN_THREADS];
    bestScores[threadIdx.x] = best;
    bestIndexes[threadIdx.x] = bestIndex;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            float other = bestScores[threadIdx.x + stride];
            int otherIndex = bestIndexes[threadIdx.x + stride];
            if (other < bestScores[threadIdx.x] ||
                (other == bestScores[threadIdx.x] && otherIndex < bestIndexes[threadIdx.x])) {
                bestScores[threadIdx.x] = other;
                bestIndexes[threadIdx.x] = otherIndex;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        float distance = l2 ? bestScores[0] + rowNorms[blockIdx.x] : -bestScores[0];
        distances[blockIdx.x] = l2 && distance < 0 ? 0 : distance;
        labels[blockIdx.x] = bestIndexes[0] == INT32_MAX ? -1 : bestIndexes[0];
    }
}

struct Context {
    int device = 0;
    int d = 0;
    int l2 = 1;
    cudaStream_t stream = nullptr;
    CublasHandle blas = nullptr;
    float* centroids = nullptr;
    float* centroidNorms = nullptr;
    int64_t k = 0;
    int64_t centroidCapacity = 0;
    // Training vectors kept on the device across k-means iterations (same key = same contents).
    float* resident = nullptr;
    float* residentNorms = nullptr;
    int64_t residentRows = 0;
    uint64_t residentKey = 0;
    // Per-tile buffers.
    float* tileVectors = nullptr;
    float* tileNorms = nullptr;
    float* scores = nullptr;
    float* tileDistances = nullptr;
    int64_t* tileLabels = nullptr;
    int64_t tileCapacity = 0;
    int64_t scoreCapacity = 0;
    std::string error;
};

bool failed(Context* c, cudaError_t status, const char* what) {
    if (status == cudaSuccess) return false;
    c->error = std::string(what) + ": " + cudaGetErrorString(status);
    return true;
}

bool blasFailed(Context* c, int status, const char* what) {
    if (status == 0) return false;
    c->error = std::string(what) + ": cuBLAS status " + std::to_string(status);
    return true;
}

void release(float*& p) {
    if (p != nullptr) cudaFree(p);
    p = nullptr;
}

void releaseLabels(int64_t*& p) {
    if (p != nullptr) cudaFree(p);
    p = nullptr;
}

int blocksFor(int64_t n) {
    return (int)((n + 255) / 256);
}

bool ensureTile(Context* c, int64_t rows) {
    if (rows > c->tileCapacity) {
        release(c->tileVectors);
        release(c->tileNorms);
        release(c->tileDistances);
        releaseLabels(c->tileLabels);
        c->tileCapacity = 0;
        if (failed(c, cudaMalloc(&c->tileVectors, (size_t)rows * c->d * sizeof(float)), "cudaMalloc(tile)") ||
            failed(c, cudaMalloc(&c->tileNorms, (size_t)rows * sizeof(float)), "cudaMalloc(tile norms)") ||
            failed(c, cudaMalloc(&c->tileDistances, (size_t)rows * sizeof(float)), "cudaMalloc(distances)") ||
            failed(c, cudaMalloc(&c->tileLabels, (size_t)rows * sizeof(int64_t)), "cudaMalloc(labels)")) {
            return false;
        }
        c->tileCapacity = rows;
    }
    int64_t scoreFloats = rows * c->k;
    if (scoreFloats > c->scoreCapacity) {
        release(c->scores);
        c->scoreCapacity = 0;
        if (failed(c, cudaMalloc(&c->scores, (size_t)scoreFloats * sizeof(float)), "cudaMalloc(scores)")) return false;
        c->scoreCapacity = scoreFloats;
    }
    return true;
}

// Copies all n vectors to the device once when they fit in half the free memory.
bool makeResident(Context* c, int64_t n, const float* x, uint64_t key) {
    if (key != 0 && key == c->residentKey && n == c->residentRows) return true;
    release(c->resident);
    release(c->residentNorms);
    c->residentRows = 0;
    c->residentKey = 0;
    size_t freeBytes = 0, totalBytes = 0;
    if (key == 0 || cudaMemGetInfo(&freeBytes, &totalBytes) != cudaSuccess ||
        (size_t)n * (c->d + 1) * sizeof(float) > freeBytes / 2) {
        return false;  // stream tiles instead
    }
    if (failed(c, cudaMalloc(&c->resident, (size_t)n * c->d * sizeof(float)), "cudaMalloc(training vectors)") ||
        failed(c, cudaMalloc(&c->residentNorms, (size_t)n * sizeof(float)), "cudaMalloc(training norms)") ||
        failed(c, cudaMemcpyAsync(c->resident, x, (size_t)n * c->d * sizeof(float), cudaMemcpyHostToDevice,
                                  c->stream), "copy training vectors")) {
        release(c->resident);
        release(c->residentNorms);
        c->error.clear();
        return false;
    }
    squaredNorms<<<blocksFor(n), 256, 0, c->stream>>>(c->resident, n, c->d, c->residentNorms);
    c->residentRows = n;
    c->residentKey = key;
    return true;
}

}  // namespace

extern "C" {

/** Usable GPUs (cudart and cuBLAS both working); 0 with the reason in `reason` otherwise. */
int vf_gpu_probe(char* reason, int reasonLength) {
    int devices = 0;
    cudaError_t status = cudaGetDeviceCount(&devices);
    if (status != cudaSuccess) {
        copyMessage(std::string("CUDA: ") + cudaGetErrorString(status), reason, reasonLength);
        return 0;
    }
    if (devices == 0) {
        copyMessage("CUDA: no CUDA-capable device", reason, reasonLength);
        return 0;
    }
    if (!cublas().error.empty()) {
        copyMessage(cublas().error, reason, reasonLength);
        return 0;
    }
    copyMessage("", reason, reasonLength);
    return devices;
}

int vf_gpu_device_name(int device, char* out, int length) {
    cudaDeviceProp properties;
    cudaError_t status = cudaGetDeviceProperties(&properties, device);
    if (status != cudaSuccess) {
        copyMessage(std::string("CUDA: ") + cudaGetErrorString(status), out, length);
        return -1;
    }
    copyMessage(std::string(properties.name) + " (sm_" + std::to_string(properties.major) +
                std::to_string(properties.minor) + ", " +
                std::to_string(properties.totalGlobalMem >> 20) + " MiB)", out, length);
    return 0;
}

/** A context for vectors of dimension d on `device`; null with the reason in `error` on failure. */
void* vf_gpu_open(int device, int d, int l2, char* error, int errorLength) {
    if (d <= 0) {
        copyMessage("dimension must be positive", error, errorLength);
        return nullptr;
    }
    if (!cublas().error.empty()) {
        copyMessage(cublas().error, error, errorLength);
        return nullptr;
    }
    Context* c = new Context();
    c->device = device;
    c->d = d;
    c->l2 = l2 ? 1 : 0;
    if (failed(c, cudaSetDevice(device), "cudaSetDevice") ||
        failed(c, cudaStreamCreate(&c->stream), "cudaStreamCreate") ||
        blasFailed(c, cublas().create(&c->blas), "cublasCreate") ||
        blasFailed(c, cublas().setStream(c->blas, c->stream), "cublasSetStream") ||
        blasFailed(c, cublas().setMathMode(c->blas, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode")) {
        copyMessage(c->error, error, errorLength);
        if (c->blas) cublas().destroy(c->blas);
        if (c->stream) cudaStreamDestroy(c->stream);
        delete c;
        return nullptr;
    }
    return c;
}

const char* vf_gpu_error(void* context) {
    return static_cast<Context*>(context)->error.c_str();
}

/** Replaces the centroids (k x d, row-major, host memory). 0 on success. */
int vf_gpu_set_centroids(void* context, int64_t k, const float* centroids) {
    Context* c = static_cast<Context*>(context);
    if (failed(c, cudaSetDevice(c->device), "cudaSetDevice")) return -1;
    if (k > c->centroidCapacity) {
        release(c->centroids);
        release(c->centroidNorms);
        c->centroidCapacity = 0;
        if (failed(c, cudaMalloc(&c->centroids, (size_t)k * c->d * sizeof(float)), "cudaMalloc(centroids)") ||
            failed(c, cudaMalloc(&c->centroidNorms, (size_t)k * sizeof(float)), "cudaMalloc(centroid norms)")) {
            return -1;
        }
        c->centroidCapacity = k;
    }
    c->k = k;
    if (k == 0) return 0;
    if (failed(c, cudaMemcpyAsync(c->centroids, centroids, (size_t)k * c->d * sizeof(float),
                                  cudaMemcpyHostToDevice, c->stream), "copy centroids")) {
        return -1;
    }
    squaredNorms<<<blocksFor(k), 256, 0, c->stream>>>(c->centroids, k, c->d, c->centroidNorms);
    return failed(c, cudaStreamSynchronize(c->stream), "centroid norms") ? -1 : 0;
}

/**
 * Nearest centroid of each of n vectors (host memory): distances and labels (host memory).
 * key != 0 identifies the contents of x: the same key again reuses the vectors already on the device.
 */
int vf_gpu_assign(void* context, int64_t n, const float* x, uint64_t key, float* distances, int64_t* labels) {
    Context* c = static_cast<Context*>(context);
    if (failed(c, cudaSetDevice(c->device), "cudaSetDevice")) return -1;
    if (c->k == 0) {
        for (int64_t i = 0; i < n; i++) {
            distances[i] = c->l2 ? INFINITY : -INFINITY;
            labels[i] = -1;
        }
        return 0;
    }
    if (c->k > INT32_MAX / 2 || c->d > INT32_MAX / 2) {
        c->error = "too many centroids or dimensions for one GEMM";
        return -1;
    }
    bool resident = makeResident(c, n, x, key);
    if (!c->error.empty()) return -1;
    int64_t tile = (int64_t)(SCORE_TILE_BYTES / sizeof(float) / (size_t)c->k);
    if (tile < 1) tile = 1;
    if (tile > n) tile = n;
    if (tile > INT32_MAX) tile = INT32_MAX;
    if (!ensureTile(c, tile)) return -1;
    const float one = 1.f, zero = 0.f;
    for (int64_t start = 0; start < n; start += tile) {
        int rows = (int)(n - start < tile ? n - start : tile);
        const float* vectors;
        const float* norms;
        if (resident) {
            vectors = c->resident + start * c->d;
            norms = c->residentNorms + start;
        } else {
            if (failed(c, cudaMemcpyAsync(c->tileVectors, x + start * c->d, (size_t)rows * c->d * sizeof(float),
                                          cudaMemcpyHostToDevice, c->stream), "copy vectors")) {
                return -1;
            }
            squaredNorms<<<blocksFor(rows), 256, 0, c->stream>>>(c->tileVectors, rows, c->d, c->tileNorms);
            vectors = c->tileVectors;
            norms = c->tileNorms;
        }
        // Column-major view: scores (k x rows) = centroids^T (k x d) * vectors (d x rows).
        if (blasFailed(c, cublas().sgemm(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, (int)c->k, rows, c->d, &one, c->centroids,
                                         c->d, vectors, c->d, &zero, c->scores, (int)c->k), "cublasSgemm")) {
            return -1;
        }
        nearestPerRow<<<rows, ARGMIN_THREADS, 0, c->stream>>>(c->scores, c->centroidNorms, norms, (int)c->k, c->l2,
                                                              c->tileDistances, c->tileLabels);
        if (failed(c, cudaGetLastError(), "assignment kernel") ||
            failed(c, cudaMemcpyAsync(distances + start, c->tileDistances, (size_t)rows * sizeof(float),
                                      cudaMemcpyDeviceToHost, c->stream), "copy distances") ||
            failed(c, cudaMemcpyAsync(labels + start, c->tileLabels, (size_t)rows * sizeof(int64_t),
                                      cudaMemcpyDeviceToHost, c->stream), "copy labels") ||
            failed(c, cudaStreamSynchronize(c->stream), "assignment")) {
            return -1;
        }
    }
    return 0;
}

void vf_gpu_close(void* context) {
    Context* c = static_cast<Context*>(context);
    if (c == nullptr) return;
    cudaSetDevice(c->device);
    release(c->centroids);
    release(c->centroidNorms);
    release(c->resident);
    release(c->residentNorms);
    release(c->tileVectors);
    release(c->tileNorms);
    release(c->scores);
    release(c->tileDistances);
    releaseLabels(c->tileLabels);
    if (c->blas) cublas().destroy(c->blas);
    if (c->stream) cudaStreamDestroy(c->stream);
    delete c;
}

}  // extern "C"
