#!/usr/bin/env bash
# Benchmark (not a test): vecforge's training task against plain Faiss's training, phase by phase, on
# the same cores. For each factory: vecforge's embedded build of the same generated input (its
# manifest's runtime.trainPhaseMillis: the sample's load, Faiss's coarse k-means, residuals, PQ
# codebooks, polysemous reordering, precomputed tables, then write and upload), then faiss-cpu from
# PyPI (.venv-faiss) training a random sample of the same size (the manifest's sampleRows) with as
# many OpenMP threads as vecforge's task had (scripts/train_phases.py, phases split at the same
# Faiss verbose lines). One table on stdout: each phase's time and vecforge / Faiss.
#
#   scripts/bench-train.sh [rows] [factory...]     (default: 1000000 IVF1024,PQ32np IVF1024,PQ32 IVF4096,PQ64np)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-1000000}"
shift || true
factories=("$@")
((${#factories[@]})) || factories=(IVF1024,PQ32np IVF1024,PQ32 IVF4096,PQ64np)
work="${VECFORGE_BENCH_DIR:-/tmp/vecforge-bench-train}"
vf="$repo/scripts/vecforge"
python="$repo/.venv-faiss/bin/python"
[[ -x "$python" ]] || { echo "bench-train: $python is missing: run scripts/setup.sh" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"
echo "bench-train: generating $rows x 128" >&2
"$vf" gen-data --output "file://$work/input" --rows "$rows" --dim 128 --files 16 --seed 1 2>/dev/null >&2
: > "$work/results.jsonl"
for factory in "${factories[@]}"; do
  name="${factory//,/_}"
  echo "bench-train: vecforge build, $factory" >&2
  sync
  "$vf" build --config "$repo/conf/example-index.properties" --index "$name" --input "file://$work/input" \
    --output "file://$work/bundles" --set index.factory="$factory" > /dev/null 2> "$work/$name.log"
  manifest="$work/bundles/$name/$(cat "$work/bundles/$name/LATEST")/manifest.json"
  read -r sample threads < <(/usr/bin/python3 -c "
import json, sys, re
m = json.load(open(sys.argv[1]))
device = m['training']['device'] or ''
t = re.search(r'(\d+) thread', device)
print(m['training']['sampleRows'], t.group(1) if t else 0)" "$manifest")
  echo "bench-train: plain faiss-cpu, $factory on $sample rows, $threads threads" >&2
  sync
  "$python" "$repo/scripts/train_phases.py" run --input "$work/input" --factory "$factory" --train-rows "$sample" \
    --threads "$threads" > "$work/$name.faiss.json"
  /usr/bin/python3 - "$manifest" "$work/$name.faiss.json" >> "$work/results.jsonl" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[2]))
print(json.dumps({"factory": m["vectors"]["factory"], "sample_rows": m["training"]["sampleRows"],
                  "device": m["training"]["device"], "train_stage_ms": m["timingsMillis"]["train"],
                  "vecforge_ms": m["runtime"]["trainPhaseMillis"], "faiss_ms": f["phases_ms"],
                  "faiss": f["faiss"], "faiss_load_s": f["load_s"]}))
PY
  rm -rf "$work/bundles/$name"
done
rm -rf "$work/input"
/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import json, sys
FAISS = ("coarse-kmeans", "residuals", "pq-codebooks", "polysemous", "precompute-tables")
for line in open(sys.argv[1]):
    r = json.loads(line)
    v, f = r["vecforge_ms"], r["faiss_ms"]
    print("\n### %s: %s sample rows x 128 (%s; plain faiss-cpu %s)\n" % (r["factory"], format(r["sample_rows"], ","),
                                                                         r["device"], r["faiss"]))
    print("| phase | vecforge ms | plain Faiss ms | vecforge / Faiss |")
    print("|---|--:|--:|--:|")
    for phase in ["load", "start"] + list(FAISS) + ["quantizer-fit", "write", "read-back", "upload"]:
        if phase in v or phase in f:
            a, b = v.get(phase), f.get(phase)
            ratio = "%.2f" % (a / b) if a is not None and b else ""
            print("| %s | %s | %s | %s |" % (phase, "" if a is None else a, "" if b is None else b, ratio))
    vf = sum(v.get(p, 0) for p in FAISS)
    pf = sum(f.get(p, 0) for p in FAISS)
    print("| **Faiss's phases together** | **%d** | **%d** | **%.2f** |" % (vf, pf, vf / pf if pf else 0))
    print("| training task (stage: %d ms) | %d | | |" % (r["train_stage_ms"], sum(v.values())))
    print("\n(plain Faiss loaded its sample in %.1f s before training: not timed above)" % r["faiss_load_s"])
PY
