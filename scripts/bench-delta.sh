#!/usr/bin/env bash
# Delta benchmark (not a test): a full build of ROWS x DIM (the embedded default: Spark local[*],
# conf/example-index.properties, IVF1024,PQ32np, 4 shards), then a delta of FRACTION of ROWS (half
# deletes, a quarter new vectors for existing ids, a quarter new ids: gen-data --delta-of) applied to
# it with `build --mode delta`, one after the other in one run on this machine. Prints both wall
# clocks, their ratio, the stage timings and the delta's counts. Run it on an otherwise idle machine.
#
#   scripts/bench-delta.sh [rows] [dim] [fraction]        (default: 4000000 128 0.01)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-4000000}"
dim="${2:-128}"
fraction="${3:-0.01}"
work="${VECFORGE_BENCH_DIR:-/tmp/vecforge-bench-delta}"
vf="$repo/scripts/vecforge"
delta_rows="$(python3 -c "print(int($rows * $fraction))")"
extra=()
[[ -n "${VECFORGE_BENCH_SET:-}" ]] && for s in $VECFORGE_BENCH_SET; do extra+=(--set "$s"); done
rm -rf "$work" && mkdir -p "$work"

echo "bench-delta: generating $rows x $dim and a delta of $delta_rows rows"
"$vf" gen-data --output "file://$work/base" --rows "$rows" --dim "$dim" --files 16 --seed 1 2>/dev/null
"$vf" gen-data --output "file://$work/delta" --delta-of "$rows" --rows "$delta_rows" --dim "$dim" --files 4 \
  --seed 1 2>/dev/null

timed() { # timed NAME args...: runs vecforge build, wall seconds into $work/NAME.wall
  local name="$1"; shift
  local start end
  sync # each build starts on a quiet disk: the previous step's writes are flushed, not written back meanwhile
  start=$(date +%s.%N)
  "$vf" build --config "$repo/conf/example-index.properties" --index bench --output "file://$work/bundles" \
    "${extra[@]}" "$@" > "$work/$name.out" 2> "$work/$name.log"
  end=$(date +%s.%N)
  python3 -c "print($end - $start)" > "$work/$name.wall"
}

echo "bench-delta: full build of $rows rows"
timed full --input "file://$work/base"
full_version="$(cat "$work/bundles/bench/LATEST")"
echo "bench-delta: delta build of $delta_rows rows on $full_version"
timed delta --input "file://$work/delta" --mode delta
delta_version="$(cat "$work/bundles/bench/LATEST")"

/usr/bin/python3 - "$work" "$full_version" "$delta_version" <<'PY'
import json, sys
work, full, delta = sys.argv[1:]
def manifest(v):
    return json.load(open(f"{work}/bundles/bench/{v}/manifest.json"))
f, d = manifest(full), manifest(delta)
fw, dw = (float(open(f"{work}/{n}.wall").read()) for n in ("full", "delta"))
c = d["delta"]
print()
print(f"full build  {f['source']['acceptedRows']:>10,} rows  wall {fw:7.1f} s  recall@10 {f['validation']['recall']:.4f}")
print(f"delta build {d['source']['acceptedRows']:>10,} rows  wall {dw:7.1f} s  recall@10 {d['validation']['recall']:.4f}")
print(f"delta / full wall clock: {dw / fw:.3f}  (goal <= 0.15)")
print(f"delta: {c['upserts']:,} upserts ({c['replaced']:,} replacing), {c['deletes']:,} deletes ({c['deletesFound']:,} found),"
      f" shards changed {c['changedShards']}, upsert fit degradation {c.get('fitDegradation')}")
print("full  stages ms:", f["timingsMillis"])
print("delta stages ms:", d["timingsMillis"])
assert d["source"]["acceptedRows"] == c["baseRows"] - c["deletesFound"] - c["replaced"] + c["upserts"]
PY
