#!/usr/bin/env bash
# Scale benchmark (not a test): the embedded default build (Spark local[*], conf/example-index.properties,
# IVF1024,PQ32np, 4 shards) at several sizes, one after the other on this machine. Prints per size
# the stage timings, time per vector (all stages, and the stages that scale with rows: everything
# but the fixed-cost training), the flatness of the latter across sizes, and the build JVM's peak
# RSS (local mode: driver and executor are one JVM). Run it on an otherwise idle machine.
#
#   scripts/bench-scale.sh [dim] [rows...]        (default: 128 250000 1000000 4000000)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dim="${1:-128}"
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(250000 1000000 4000000)
work="${VECFORGE_BENCH_DIR:-/tmp/vecforge-bench-scale}"
vf="$repo/scripts/vecforge"
extra=()
[[ -n "${VECFORGE_BENCH_SET:-}" ]] && for s in $VECFORGE_BENCH_SET; do extra+=(--set "$s"); done
mkdir -p "$work"
results="$work/results.jsonl"
: > "$results"
for rows in "${sizes[@]}"; do
  run="$work/$rows"
  rm -rf "$run" && mkdir -p "$run"
  echo "bench-scale: generating $rows x $dim"
  "$vf" gen-data --output "file://$run/input" --rows "$rows" --dim "$dim" --files 16 --seed 1 2>/dev/null
  echo "bench-scale: building $rows x $dim"
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$run/maxrss-kib" "$vf" build --config "$repo/conf/example-index.properties" \
    --index scale --input "file://$run/input" --output "file://$run/bundles" "${extra[@]}" 2> "$run/build.log"
  end=$(date +%s.%N)
  version="$(cat "$run/bundles/scale/LATEST")"
  /usr/bin/python3 - "$run/bundles/scale/$version/manifest.json" "$(python3 -c "print($end - $start)")" \
    "$(cat "$run/maxrss-kib")" >> "$results" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"rows": m["source"]["acceptedRows"], "dim": m["vectors"]["dimension"],
                  "factory": m["vectors"]["factory"], "wall_s": float(sys.argv[2]),
                  "stages_ms": m["timingsMillis"], "peak_rss_bytes": int(sys.argv[3]) * 1024,
                  "executors": m.get("runtime", {}).get("executors", {}),
                  "sample_rows": m["training"]["sampleRows"], "recall": m["validation"]["recall"]}))
PY
  rm -rf "$run/input"
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
print()
print("%10s %9s %9s %11s %12s %9s %9s  %s" % ("rows", "wall s", "stages s", "us/vec all", "us/vec rows*",
                                           "train s", "peak RSS", "stages ms"))
per_row = []
for r in runs:
    t = r["stages_ms"]
    stages = sum(t.values()) / 1000
    scaling = (sum(t.values()) - t.get("train", 0)) / 1000
    per_row.append(1e6 * scaling / r["rows"])
    print("%10d %9.1f %9.1f %11.2f %12.2f %9.1f %7.2f G  %s" % (
        r["rows"], r["wall_s"], stages, 1e6 * r["wall_s"] / r["rows"], per_row[-1], t.get("train", 0) / 1000,
        r["peak_rss_bytes"] / 2**30, t))
print("* every stage but train (a fixed cost: %d-row sample, whatever the input size)" % runs[0]["sample_rows"])
print("per-vector time of the row-scaling stages, max/min across sizes: %.2f" % (max(per_row) / min(per_row)))
PY
