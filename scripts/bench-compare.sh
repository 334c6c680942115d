#!/usr/bin/env bash
# Benchmark (not a test): two vecforge builds of the same generated input, one after the other, stage
# by stage: another checkout or build of vecforge (the "before") against this one (the "after").
# Prints, per size, each stage's time in both and the ratio. Run it on an otherwise idle machine.
#
#   scripts/bench-compare.sh <before-repo> [dim] [rows...]      (default: 128 1000000 4000000)
#
# <before-repo> needs scripts/vecforge, conf/ and a built jobs/target (jar + lib/).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before="$(cd "$1" && pwd)"
shift
dim="${1:-128}"
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(1000000 4000000)
work="${VECFORGE_BENCH_DIR:-/tmp/vecforge-bench-compare}"
results="$work/results.jsonl"
mkdir -p "$work"
: > "$results"

build() { # label tree rows
  local label="$1" tree="$2" rows="$3" run="$work/$3/$1"
  rm -rf "$run" && mkdir -p "$run"
  echo "bench-compare: $label build of $rows x $dim" >&2
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$run/maxrss-kib" "$tree/scripts/vecforge" build --config "$tree/conf/example-index.properties" \
    --index cmp --input "file://$work/$rows/input" --output "file://$run/bundles" 2> "$run/build.log"
  end=$(date +%s.%N)
  /usr/bin/python3 - "$run/bundles/cmp/$(cat "$run/bundles/cmp/LATEST")/manifest.json" "$label" \
    "$(python3 -c "print($end - $start)")" "$(cat "$run/maxrss-kib")" >> "$results" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"label": sys.argv[2], "rows": m["source"]["acceptedRows"], "wall_s": float(sys.argv[3]),
                  "stages_ms": m["timingsMillis"], "peak_rss_bytes": int(sys.argv[4]) * 1024,
                  "recall": m["validation"]["recall"], "content_hash": m["contentHash"]}))
PY
}

for rows in "${sizes[@]}"; do
  mkdir -p "$work/$rows"
  echo "bench-compare: generating $rows x $dim" >&2
  rm -rf "$work/$rows/input"
  "$repo/scripts/vecforge" gen-data --output "file://$work/$rows/input" --rows "$rows" --dim "$dim" --files 16 \
    --seed 1 2>/dev/null
  build before "$before" "$rows"
  build after "$repo" "$rows"
  rm -rf "$work/$rows/input"
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
for rows in sorted({r["rows"] for r in runs}):
    b = next(r for r in runs if r["rows"] == rows and r["label"] == "before")
    a = next(r for r in runs if r["rows"] == rows and r["label"] == "after")
    print("\n%d rows: wall %.1f s -> %.1f s (after/before %.2f), peak RSS %.2f -> %.2f GiB, recall %.4f -> %.4f"
          % (rows, b["wall_s"], a["wall_s"], a["wall_s"] / b["wall_s"], b["peak_rss_bytes"] / 2**30,
             a["peak_rss_bytes"] / 2**30, b["recall"], a["recall"]))
    print("| stage | before s | after s | after/before |")
    print("|---|--:|--:|--:|")
    for stage in b["stages_ms"]:
        tb, ta = b["stages_ms"][stage] / 1000, a["stages_ms"].get(stage, 0) / 1000
        print("| %s | %.1f | %.1f | %s |" % (stage, tb, ta, "%.2f" % (ta / tb) if tb > 0 else "-"))
PY
