#!/usr/bin/env bash
# Benchmark: vecforge's embedded build against plain faiss-python (train + add) on the same
# generated vectors, one after the other on this machine, then prints both throughputs,
# recall@10 at nprobe 16 and their ratio. Not a test: run it on an otherwise idle machine.
#
#   scripts/bench-vs-faiss.sh [rows] [dim] [factory]      (default: 1000000 128 IVF1024,PQ32)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-1000000}"
dim="${2:-128}"
factory="${3:-IVF1024,PQ32}"
work="${VECFORGE_BENCH_DIR:-/tmp/vecforge-bench}"
vf="$repo/scripts/vecforge"

rm -rf "$work" && mkdir -p "$work"
echo "bench: generating $rows x $dim"
"$vf" gen-data --output "file://$work/input" --rows "$rows" --dim "$dim" --files 8 --seed 1 \
  --fvecs "$work/vectors.fvecs" 2>/dev/null

echo "bench: vecforge build ($factory, 4 shards, embedded Spark local[*])"
start=$(date +%s.%N)
"$vf" build --config "$repo/conf/example-index.properties" --index bench \
  --input "file://$work/input" --output "file://$work/bundles" \
  --set index.factory="$factory" --set shards=4 --set validate.nprobe=16 --set validate.queries=1000 \
  2> "$work/vecforge.log"
end=$(date +%s.%N)
version_dir="$work/bundles/bench/$(cat "$work/bundles/bench/LATEST")"
vf_seconds=$(python3 -c "print(round($end - $start, 2))")
sample_rows=$(python3 -c "import json;print(json.load(open('$version_dir/manifest.json'))['training']['sampleRows'])")

reference() {
  /usr/bin/python3 "$repo/scripts/faiss_reference.py" --vectors "$work/vectors.fvecs" --factory "$factory" \
    --train-rows "$sample_rows" --bundle "$version_dir" --nprobe 16 -k 10
}
echo "bench: plain faiss-python train + add (same vectors, same sample size, all cores, default environment)"
(unset OPENBLAS_NUM_THREADS; reference > "$work/faiss.json")
echo "bench: the same with OPENBLAS_NUM_THREADS=1 (the setting vecforge uses)"
OPENBLAS_NUM_THREADS=1 reference > "$work/faiss-blas1.json"

/usr/bin/python3 - "$version_dir/manifest.json" "$work/faiss.json" "$work/faiss-blas1.json" "$vf_seconds" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
runs = [("faiss-python", json.load(open(sys.argv[2]))), ("  BLAS=1", json.load(open(sys.argv[3])))]
seconds = float(sys.argv[4])
rows = manifest["source"]["acceptedRows"]
t = manifest["timingsMillis"]
vf_rate = rows / seconds
print()
print("rows %d x %d, factory %s, training sample %d, nprobe 16" % (
    rows, manifest["vectors"]["dimension"], manifest["vectors"]["factory"], manifest["training"]["sampleRows"]))
print("vecforge     : %7.1f s end to end (JVM + Spark start, read, sample, train, 4 shards, validate, publish)"
      " = %8.0f rows/s, recall@10 %.4f" % (seconds, vf_rate, manifest["validation"]["recall"]))
print("               stages ms: %s" % t)
for name, run in runs:
    print("%-13s: %7.1f s train + add = %8.0f rows/s, recall@10 %.4f (train %.1f s, add %.1f s; faiss %s)"
          " -> vecforge / this = %.2f" % (name, run["total_s"], run["rows_per_s"], run["recall"], run["train_s"],
                                         run["add_s"], run["faiss"], vf_rate / run["rows_per_s"]))
PY
