#!/usr/bin/env bash
# Runs every GPU check from an unpacked kit (scripts/gpu-check.sh --kit) on a machine with an NVIDIA GPU and
# no build tools: the C++ checks on 2 OpenMP threads (the 2-core CPU the goals compare with) and the wiki
# case, the Java side (vecforge's own jar: probe, GPU library from the jar, training through JNI), and two
# 768-d trainings the cost model projects from (docs/cost-model.md). Logs go to LOG_DIR, one per check.
#
#   run-on-gpu.sh [--no-cpu] [LOG_DIR]     --no-cpu: skip the CPU side of the 768-d IVF4096 training (90 s on
#                                          16 threads of an H200 machine)
set -uo pipefail
kit="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cpu=--cpu
if [[ "${1:-}" == "--no-cpu" ]]; then
  cpu=
  shift
fi
logs="${1:-.}"
mkdir -p "$logs"
if [[ -z "${VECFORGE_CUBLAS:-}" ]]; then
  VECFORGE_CUBLAS="$(find /opt /usr/local /usr/lib -name 'libcublas.so.13' -o -name 'libcublas.so.12' 2>/dev/null | head -1)"
  export VECFORGE_CUBLAS
fi
export LD_LIBRARY_PATH="$kit${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cores="$(nproc)"
echo "run-on-gpu: $cores cores, cuBLAS ${VECFORGE_CUBLAS:-not found}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

failures=0
check() {
  local name="$1" limit="$2" threads="$3"
  shift 3
  echo "== $name ($threads OpenMP threads, at most $limit s): $*"
  local start=$SECONDS
  OMP_NUM_THREADS="$threads" timeout "$limit" "$@" 2>&1 | tee "$logs/$name.log"
  local status="${PIPESTATUS[0]}"
  echo "== $name: exit $status after $((SECONDS - start)) s"
  [[ "$status" == 0 ]] || failures=$((failures + 1))
}

check kernel-and-training 150 2 "$kit/gpu_check" "$kit/libvecforge_gpu.so" --wiki
check java 90 "$cores" "$kit/jre/bin/java" -Xmx4g -cp "$kit/java/*:$kit/java" GpuTrainCheck
check train-768-ivf4096 120 "$cores" "$kit/gpu_check" "$kit/libvecforge_gpu.so" \
  --train IVF4096,PQ64np --dim 768 --sample 262144 $cpu
check train-768-ivf65536 240 "$cores" "$kit/gpu_check" "$kit/libvecforge_gpu.so" \
  --train IVF65536,PQ64np --dim 768 --sample 4194304
echo "run-on-gpu: $failures check(s) failed"
exit $((failures > 0))
