#!/usr/bin/env bash
# Faiss alone, no JVM and no Spark: the Faiss vecforge links (faiss/cppbuild.sh's prefix) beside the
# faiss-cpu wheel (.venv-faiss) and Debian's python3-faiss 1.7.3, train + add of the same vectors with
# the same factory, sample and threads, one after the other; then recall@10 of every index written.
# A benchmark, not a test: prints a Markdown table and writes $work/bench-faiss.json.
#
#   scripts/bench-faiss.sh [ROWS] [DIM] [FACTORY] [TRAIN_ROWS]     (default 1000000 128 IVF1024,PQ32 65536)
#
# VECFORGE_BENCH_WORK (default /tmp/vecforge-bench-faiss) holds the data (reused when the shape matches);
# VECFORGE_BENCH_SKIP_DEBIAN=1 leaves out Faiss 1.7.3 (it takes about 4x as long as the others).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-1000000}"; dim="${2:-128}"; factory="${3:-IVF1024,PQ32}"; train_rows="${4:-65536}"
work="${VECFORGE_BENCH_WORK:-/tmp/vecforge-bench-faiss}"
wheel_python="$repo/.venv-faiss/bin/python"
[[ -x "$wheel_python" ]] || { echo "bench-faiss: run scripts/setup.sh first (it installs .venv-faiss)" >&2; exit 2; }
mkdir -p "$work"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"

prefix="$work/faiss-prefix"
"$repo/faiss/cppbuild.sh" "$prefix"
driver="$work/faiss_driver"
g++ -O2 -std=c++17 -fopenmp -I"$prefix/include" -o "$driver" "$repo/scripts/faiss-driver/faiss_driver.cpp" \
  "$prefix/lib/libfaiss.a" /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 -Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-openmp

shape="$rows x $dim, $train_rows training rows"
if [[ "$(cat "$work/shape" 2>/dev/null)" != "$shape" ]]; then
  rm -f "$work"/*.fvecs "$work"/*.npy
  "$wheel_python" "$repo/scripts/faiss_bench.py" gen --out "$work" --rows "$rows" --dim "$dim" --train-rows "$train_rows"
  echo "$shape" > "$work/shape"
fi
rm -f "$work"/run-*.json

# Each run writes its index; recall is measured by the wheel on every one (it reads them all).
run() {
  local name="$1"; shift
  echo "bench-faiss: $name: $factory on $shape, $OMP_NUM_THREADS threads" >&2
  "$@" > "$work/$name.json"
  local recall
  recall="$("$wheel_python" "$repo/scripts/faiss_bench.py" eval --work "$work" --index "$work/$name.index")"
  "$wheel_python" - "$work/$name.json" "$name" "$recall" > "$work/run-$name.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1])); run["name"] = sys.argv[2]; run.update(json.loads(sys.argv[3]))
print(json.dumps(run))
PY
  cat "$work/run-$name.json" >&2
}
run vecforge-cppbuild "$driver" --factory "$factory" --train "$work/train.fvecs" --base "$work/base.fvecs" \
  --index "$work/vecforge-cppbuild.index"
# The wheel as a user runs it, and with OPENBLAS_NUM_THREADS=1 (its bundled OpenBLAS is an OpenMP build too).
run wheel "$wheel_python" "$repo/scripts/faiss_bench.py" build --work "$work" --factory "$factory" \
  --index "$work/wheel.index"
run wheel-blas1 env OPENBLAS_NUM_THREADS=1 "$wheel_python" "$repo/scripts/faiss_bench.py" build --work "$work" \
  --factory "$factory" --index "$work/wheel-blas1.index"
if [[ "${VECFORGE_BENCH_SKIP_DEBIAN:-0}" != 1 ]]; then
  run debian-1.7.3 env OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$repo/scripts/faiss_bench.py" build --work "$work" --factory "$factory" \
    --index "$work/debian-1.7.3.index"
fi
"$wheel_python" "$repo/scripts/faiss_bench.py" report --work "$work"
