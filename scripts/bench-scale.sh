#!/usr/bin/env bash
# Scale benchmark (not a test): the embedded default build (Spark local[*], conf/example-index.properties,
# IVF1024,PQ32np, 4 shards) at several sizes, one after the other on this machine. Prints per size
# the stage timings, time per vector (all stages; every stage but the fixed-cost training; the row
# stages, check + shards + validate, whose work grows with rows), the flatness of the last two across
# sizes, and the build JVM's peak RSS against the 1M build's (local mode: driver and executor are one
# JVM). Run it on an otherwise idle machine.
#
#   scripts/bench-scale.sh [dim] [rows...]        (default: 128 250000 1000000 4000000)
#
# The input is 16 Parquet files at every size (VECFORGE_BENCH_ROWS_PER_FILE=n: ceil(rows / n) files
# instead, so that every size has the same row-group size). Parquet's reader holds a whole row group
# of the vector column per scan task: with 16 files the row groups grow with rows up to Parquet's
# 128 MiB, and so does the scan's heap; a constant file size separates that from what rows cost.
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
  files=16
  [[ -n "${VECFORGE_BENCH_ROWS_PER_FILE:-}" ]] && files=$(( (rows + VECFORGE_BENCH_ROWS_PER_FILE - 1) / VECFORGE_BENCH_ROWS_PER_FILE ))
  "$vf" gen-data --output "file://$run/input" --rows "$rows" --dim "$dim" --files "$files" --seed 1 2>/dev/null
  input_bytes=$(du -sb "$run/input" | cut -f1)
  echo "bench-scale: building $rows x $dim"
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$run/maxrss-kib" "$vf" build --config "$repo/conf/example-index.properties" \
    --index scale --input "file://$run/input" --output "file://$run/bundles" "${extra[@]}" 2> "$run/build.log"
  end=$(date +%s.%N)
  version="$(cat "$run/bundles/scale/LATEST")"
  /usr/bin/python3 - "$run/bundles/scale/$version/manifest.json" "$(python3 -c "print($end - $start)")" \
    "$(cat "$run/maxrss-kib")" "$files" "$input_bytes" >> "$results" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"rows": m["source"]["acceptedRows"], "dim": m["vectors"]["dimension"],
                  "files": int(sys.argv[4]), "input_bytes": int(sys.argv[5]),
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
ROW_STAGES = ("check", "shards", "validate")
print()
print("%10s %6s %9s %9s %11s %12s %12s %9s %9s  %s" % ("rows", "files", "wall s", "stages s", "us/vec all",
                                                     "us/vec !train", "us/vec rows*", "train s", "peak RSS",
                                                     "stages ms"))
not_train, row_stages = {}, {}
for r in runs:
    t = r["stages_ms"]
    stages = sum(t.values()) / 1000
    not_train[r["rows"]] = 1e3 * (sum(t.values()) - t.get("train", 0)) / r["rows"]
    row_stages[r["rows"]] = 1e3 * sum(t.get(s, 0) for s in ROW_STAGES) / r["rows"]
    print("%10d %6d %9.1f %9.1f %11.2f %12.2f %12.2f %9.1f %7.2f G  %s" % (
        r["rows"], r.get("files", 16), r["wall_s"], stages, 1e6 * r["wall_s"] / r["rows"], not_train[r["rows"]],
        row_stages[r["rows"]], t.get("train", 0) / 1000,
        r["peak_rss_bytes"] / 2**30, t))
print("* the row stages: %s (their work grows with rows; startup, read (footers), sample, queries and report do"
      " not)" % " + ".join(ROW_STAGES))
print("input files (Parquet row groups of at most 128 MiB each): %s" % ", ".join("%d rows: %.0f MiB a file" % (r["rows"], r["input_bytes"] / r.get("files", 16) / 2**20)
                                   for r in runs if "input_bytes" in r))
def flatness(per_row, label):
    for low, name in ((0, "all sizes"), (1_000_000, "1M and up")):
        values = [v for rows, v in per_row.items() if rows >= low]
        if len(values) > 1:
            print("per-vector time, %s, max/min over %s: %.2f" % (label, name, max(values) / min(values)))
flatness(not_train, "every stage but train")
flatness(row_stages, "row stages")
base = [r for r in runs if r["rows"] == 1_000_000]
if base:
    for r in runs:
        if r["rows"] > 1_000_000:
            print("peak RSS at %d rows / at 1M: %.2f" % (r["rows"], r["peak_rss_bytes"] / base[0]["peak_rss_bytes"]))
PY
