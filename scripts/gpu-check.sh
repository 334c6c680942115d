#!/usr/bin/env bash
# Checks vecforge's GPU training on a machine with an NVIDIA GPU (driver >= 580, CUDA 13), without Java:
# the assignment kernel against Faiss's IndexFlatL2, then the default config trained on GPU and CPU on
# the same sample (objective, recall@10, GPU/CPU time ratio). See docs/gpu.md.
#
#   scripts/gpu-check.sh [--rows N] [--wiki]   build if needed (g++, cmake, ninja: Faiss 1.15 from its pinned source), then run
#   scripts/gpu-check.sh --build-only          only build target/gpu-check/ (binary + its libraries)
#   scripts/gpu-check.sh --stand-in            the same checks with Faiss's IndexFlat in place of the GPU
#   scripts/gpu-check.sh --kit                 build target/gpu-kit.tar.xz: everything a GPU machine without
#                                              compilers or Java needs to run scripts/gpu-check/run-on-gpu.sh
#                                              (the C++ checks, a jlinked Java 17 runtime, vecforge's faiss jar
#                                              and the Java check GpuTrainCheck); needs `mvn install -pl faiss`
#
# target/gpu-check/ is self-contained (rpath $ORIGIN: libvecforge_gpu.so, OpenBLAS, libgomp, libgfortran;
# about 50 MB), so it can be copied to a GPU machine that has no compiler; cuBLAS must be there
# (libcublas.so.13 or .12 on the loader path, or VECFORGE_CUBLAS=/path/to/libcublas.so.N).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/target/gpu-check"
# The same Faiss the JNI library links: faiss/cppbuild.sh's cached prefix (built on first use).
faiss_prefix="$out/faiss-prefix"

build() {
  mkdir -p "$out"
  echo "gpu-check: building $out"
  "$repo/faiss/cppbuild.sh" "$faiss_prefix"
  "$repo/faiss/src/main/cuda/build-gpu-library.sh" "$out/libvecforge_gpu.so"
  g++ -O2 -std=c++17 -fopenmp -I"$repo/faiss/src/main/cpp" -I"$faiss_prefix/include" -o "$out/gpu_check" \
    "$repo/scripts/gpu-check/gpu_check.cpp" "$faiss_prefix/lib/libfaiss.a" /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 -ldl \
    -Wl,-rpath,'$ORIGIN'
  # The shared libraries the binary needs beyond glibc/libstdc++, beside it (ldd must find the system's).
  rm -f "$out"/lib{openblas,gfortran,gomp,quadmath}.so.*
  for lib in libopenblas.so.0 libgfortran.so.5 libgomp.so.1 libquadmath.so.0; do
    path="$(ldd "$out/gpu_check" | awk -v l="$lib" '$1 == l {print $3}')"
    # OpenBLAS: its OpenMP build, as the JNI library links it, whatever the system default is.
    [[ "$lib" == libopenblas.so.0 ]] && path=/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0
    [[ -n "$path" ]] && cp -L "$path" "$out/$lib"
  done
  echo "gpu-check: $(du -sh "$out" | cut -f1) in $out"
}

# The kit: the C++ checks, a Java runtime and vecforge's faiss jar with the Java check, packed for a machine
# that has a GPU but neither compilers nor Java (e.g. scripts/gpu-check/run-on-gpu.sh on a lent GPU machine).
kit() {
  local jar javacpp kit="$repo/target/gpu-kit"
  jar="$(ls "$repo"/faiss/target/vecforge-faiss-*.jar 2>/dev/null | grep -v -- '-sources\|-tests' | head -1)"
  javacpp="$(ls ~/.m2/repository/org/bytedeco/javacpp/*/javacpp-*.jar 2>/dev/null | grep -v -- '-linux\|-sources' | sort -V | tail -1)"
  [[ -n "$jar" && -n "$javacpp" ]] || { echo "gpu-check: run 'mvn install -pl faiss -am -DskipTests' first" >&2; exit 2; }
  rm -rf "$kit" && mkdir -p "$kit/java"
  cp "$out"/gpu_check "$out"/*.so* "$repo/scripts/gpu-check/run-on-gpu.sh" "$kit/"
  cp "$jar" "$javacpp" "$kit/java/"
  javac -d "$kit/java" -cp "$jar:$javacpp" "$repo/scripts/gpu-check/GpuTrainCheck.java"
  jlink --add-modules java.base,java.logging,jdk.unsupported --strip-debug --no-header-files --no-man-pages \
    --compress=2 --output "$kit/jre"
  tar -C "$repo/target" -cf - gpu-kit | xz -T2 -6 > "$repo/target/gpu-kit.tar.xz"
  echo "gpu-check: $(du -h "$repo/target/gpu-kit.tar.xz" | cut -f1) in $repo/target/gpu-kit.tar.xz"
}

if [[ "${1:-}" == "--kit" ]]; then
  build
  kit
  exit 0
fi
if [[ "${1:-}" == "--build-only" ]]; then
  build
  exit 0
fi
if command -v g++ > /dev/null && command -v cmake > /dev/null; then
  build
elif [[ ! -x "$out/gpu_check" ]]; then
  echo "gpu-check: no g++/cmake here and no prebuilt $out: run --build-only on a build machine and copy it" >&2
  exit 2
fi
if command -v nvidia-smi > /dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
if [[ "${1:-}" == "--stand-in" ]]; then
  exec "$out/gpu_check" "$@"
fi
exec "$out/gpu_check" "$out/libvecforge_gpu.so" "$@"
