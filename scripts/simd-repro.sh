#!/usr/bin/env bash
# Does the SIMD level decide the bytes of a trained index and of a filled shard? Trains and fills the
# same index with the Faiss vecforge links (scripts/faiss-driver) under every Faiss SIMD level this CPU
# has (FAISS_SIMD_LEVEL) and every OpenBLAS kernel set it can run (OPENBLAS_CORETYPE), then compares the
# files' SHA-256. docs/cluster.md#simd has the result and what vecforge does about it.
#
#   scripts/simd-repro.sh [ROWS] [FACTORY]      (default 200000 IVF1024,PQ32np; 128 dims, 65,536 training rows)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-200000}"; factory="${2:-IVF1024,PQ32np}"
work="${VECFORGE_BENCH_WORK:-/tmp/vecforge-simd-repro}"
wheel_python="$repo/.venv-faiss/bin/python"
mkdir -p "$work"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" OPENBLAS_NUM_THREADS=1
"$repo/faiss/cppbuild.sh" "$work/faiss-prefix"
driver="$work/faiss_driver"
g++ -O2 -std=c++17 -fopenmp -I"$work/faiss-prefix/include" -o "$driver" \
  "$repo/scripts/faiss-driver/faiss_driver.cpp" "$work/faiss-prefix/lib/libfaiss.a" \
  /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 -Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-openmp
if [[ "$(cat "$work/shape" 2>/dev/null)" != "$rows" ]]; then
  "$wheel_python" "$repo/scripts/faiss_bench.py" gen --out "$work" --rows "$rows" --dim 128 --train-rows 65536 --queries 10
  echo "$rows" > "$work/shape"
fi

flags="$(grep -m1 '^flags' /proc/cpuinfo)"
has() { [[ " $flags " == *" $1 "* ]]; }
levels=(NONE)
has avx2 && levels+=(AVX2)
has avx512f && has avx512bw && has avx512dq && has avx512vl && has avx512cd && levels+=(AVX512)
# OpenBLAS kernel sets by generation; only those this CPU can execute.
cores=("")
has pni && cores+=(Prescott)  # SSE3 shows as "pni"
has avx && cores+=(Sandybridge)
has avx2 && cores+=(Haswell)
has avx512f && cores+=(SkylakeX)

printf '| Faiss SIMD | OpenBLAS core | trained.faiss sha256 | shard sha256 | train | add |\n|---|---|---|---|--:|--:|\n'
for level in "${levels[@]}"; do
  for core in "${cores[@]}"; do
    # Vary one thing at a time: every level with the default core, every core at the CPU's own level.
    if [[ -n "$core" && "$level" != "${levels[-1]}" ]]; then continue; fi
    name="$level-${core:-default}"
    json="$(env FAISS_SIMD_LEVEL="$level" ${core:+OPENBLAS_CORETYPE=$core} "$driver" --factory "$factory" \
      --train "$work/train.fvecs" --base "$work/base.fvecs" --trained "$work/$name.trained" --index "$work/$name.index")"
    IFS='|' read -r simd blas train add < <("$wheel_python" -c 'import json,sys; r=json.loads(sys.argv[1]); print("|".join(str(r[k]) for k in ("simd", "blas", "train_s", "add_s")))' "$json")
    printf '| %s | %s | %s | %s | %s s | %s s |\n' "$simd" "$blas" "$(sha256sum "$work/$name.trained" | cut -c1-16)" \
      "$(sha256sum "$work/$name.index" | cut -c1-16)" "$train" "$add"
  done
done
