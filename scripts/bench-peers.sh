#!/usr/bin/env bash
# Benchmark (not a test): vecforge's embedded build against its peers on the same generated vectors,
# one after the other on this machine, then one Markdown table on stdout and a JSON in the work dir.
#
#   1. vecforge build, embedded (Spark local[*], conf/example-index.properties, 4 shards, nprobe 16,
#      1,000 hold-out queries): the whole build, JVM start to publish.
#   2. plain faiss, Debian's python3-faiss (/usr/bin/python3)  } scripts/faiss_reference.py: train on
#   3. plain faiss-cpu, newest from PyPI (.venv-faiss)         } the manifest's training.sampleRows
#      random rows, add every row; train + add timed in process.
#   4. autofaiss build_index, local (.venv-autofaiss, made here when missing) on the same vectors
#      as .npy; the whole process timed.
#   5. autofaiss build_index, distributed="pyspark" on local Spark (local[2]); the whole process.
#   6. the limit: plain faiss-cpu (.venv-faiss) from the same Parquet, scripts/faiss_limit.py: pyarrow
#      read -> train on the manifest's sampleRows random rows -> add_with_ids -> write_index, nothing
#      checked; the whole process timed, as vecforge's is.
#
# Per run: wall time, rows/s, recall@10 at nprobe 16 on vecforge's hold-out queries against the
# bundle's exact ground truth, peak RSS (/usr/bin/time -v's largest process, and the process tree
# summed, sampled) and vecforge's wall time over the run's. Run it on an otherwise idle machine.
#
#   scripts/bench-peers.sh [rows] [dim] [factory]        (default: 1000000 128 IVF1024,PQ32)
#
# Environment:
#   VECFORGE_PEERS_DIR=/tmp/vecforge-peers    work dir (emptied first): logs, indexes, peers.json
#   VECFORGE_PEERS_SKIP_AUTOFAISS=1           skip both autofaiss runs (=pyspark: only the pyspark one)
#   VECFORGE_PEERS_AUTOFAISS_TRAIN=own        training rows of autofaiss: own (its rule: the first
#                                             31..100 x nlist rows, by current_memory_available), or
#                                             vecforge (patched to the manifest's sampleRows)
#   VECFORGE_PEERS_AUTOFAISS_MEMORY=<n>G      autofaiss' current_memory_available (default: this
#                                             machine's MemTotal); max_index_memory_usage is half
#   VECFORGE_PEERS_SPARK_MASTER=local[2]      master of the autofaiss pyspark run
#   VECFORGE_PEERS_SKIP_DEBIAN=1              skip Debian's faiss 1.7.3 (4-5x slower; minutes at 1M)
#   VECFORGE_PEERS_TARGET_MEMORY=<n>M         same target instead of same work: each tool chooses its own
#                                             index for this serving memory (vecforge index.factory=auto
#                                             with index.max-memory, autofaiss its own index key and
#                                             search parameters with max_index_memory_usage); recall@10
#                                             at each tool's chosen search setting (vecforge: the bundle's
#                                             recommended nprobe) and index size, search time per query
#                                             (same faiss-cpu for both), and vecforge's bundle searched at
#                                             nprobe 1, 2, 4, ... until it reaches autofaiss local's recall
#                                             (equal recall). No plain faiss runs (they need a factory);
#                                             the factory argument is ignored.
#   VECFORGE_PEERS_BLAS=same                  same: every run (vecforge and peers) gets the OpenBLAS kernels
#                                             scripts/blas-coretype.sh picks from the CPU's flags (unless
#                                             OPENBLAS_CORETYPE is set), so all compare on the same kernels;
#                                             own: peers get whatever their own OpenBLAS detects (which
#                                             on a CPU model it does not know is its SSE3 set: the wheel's
#                                             0.3.15 on Emerald Rapids), vecforge its launcher's choice
#   VECFORGE_PEERS_INTRINSIC_DIM=16           gen-data's --intrinsic-dim: the dimensions the clusters and
#                                             their spread live in before the projection to dim (default
#                                             16; dim gives data without a low-dimensional structure)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-1000000}"
dim="${2:-128}"
factory="${3:-IVF1024,PQ32}"
work="${VECFORGE_PEERS_DIR:-/tmp/vecforge-peers}"
skip_autofaiss="${VECFORGE_PEERS_SKIP_AUTOFAISS:-0}"
autofaiss_train="${VECFORGE_PEERS_AUTOFAISS_TRAIN:-own}"
spark_master="${VECFORGE_PEERS_SPARK_MASTER:-local[2]}"
target_memory="${VECFORGE_PEERS_TARGET_MEMORY:-}"
[[ -z "$target_memory" ]] || factory=auto
[[ "${VECFORGE_PEERS_BLAS:-same}" == own ]] || source "$repo/scripts/blas-coretype.sh"
vf="$repo/scripts/vecforge"
helper="$repo/scripts/peers_reference.py"
faiss_venv="$repo/.venv-faiss"
af_venv="$repo/.venv-autofaiss"
sample_interval=0.25
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in scripts/ from the helpers' imports

# .venv-autofaiss pins. A plain `pip install autofaiss` (2.18.0) installs but fails to import:
# autofaiss pins numpy<2 and the newest pyarrow (26) requires NumPy 2, hence pyarrow 14.
# faiss-cpu: the same as the plain PyPI run (.venv-faiss), so the autofaiss rows differ from that
# run by autofaiss alone; it declares numpy>=1.25 and works with 1.26 (1.8.0.post1 works too).
# pyspark: the Spark version vecforge compiles against (pom.xml).
spark_version="$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' "$repo/pom.xml")"
af_pins=(autofaiss==2.18.0 faiss-cpu==1.15.1 numpy==1.26.4 pyarrow==14.0.2 "pyspark==$spark_version")

log() { echo "bench-peers: $*" >&2; }

ensure_time() {
  [[ -x /usr/bin/time ]] && return
  log "installing Debian's package 'time' (/usr/bin/time, for peak RSS)"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends time >&2
}

# .venv-autofaiss: made when missing, re-pinned when a pin differs, left alone otherwise.
ensure_autofaiss_venv() {
  if [[ -x "$af_venv/bin/python" ]] && "$af_venv/bin/python" - "${af_pins[@]}" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
sys.exit(any(version(name) != want for name, want in (pin.split("==") for pin in sys.argv[1:])))
PY
    return
  fi
  log "installing ${af_pins[*]} into $af_venv"
  [[ -x "$af_venv/bin/python" ]] || /usr/bin/python3 -m venv "$af_venv"
  "$af_venv/bin/pip" install -q "${af_pins[@]}" >&2
  "$af_venv/bin/python" -c "import autofaiss, faiss, numpy, pyarrow, pyspark"
}

check_prerequisites() {
  [[ -x "$faiss_venv/bin/python" ]] || { log "$faiss_venv is missing: run scripts/setup.sh"; exit 1; }
  /usr/bin/python3 -c "import faiss" || { log "Debian's python3-faiss is missing: run scripts/setup.sh"; exit 1; }
  command -v java >/dev/null || { log "java is missing: run scripts/setup.sh"; exit 1; }
}

# measure NAME CMD...: runs CMD under /usr/bin/time -v (NAME.time) with the process-tree RSS
# sampler beside it (NAME.tree.json); stdout to NAME.out, stderr to NAME.log, wall time and exit
# status to NAME.wall.json. Returns CMD's exit status.
measure() {
  local name="$1"; shift
  local start end pid sampler rc=0
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.log" &
  pid=$!
  /usr/bin/python3 "$helper" rss-sampler --pid "$pid" --out "$work/$name.tree.json" --interval "$sample_interval" &
  sampler=$!
  wait "$pid" || rc=$?
  end=$(date +%s.%N)
  wait "$sampler" || true
  echo "{\"wall_s\": $(/usr/bin/python3 -c "print(round($end - $start, 3))"), \"exit\": $rc}" > "$work/$name.wall.json"
  if ((rc)); then log "$name failed (exit $rc): see $work/$name.log"; tail -n 20 "$work/$name.log" >&2; fi
  return "$rc"
}

generate() {
  log "generating $rows x $dim, intrinsic dimension ${VECFORGE_PEERS_INTRINSIC_DIM:-$(( dim < 16 ? dim : 16 ))} (Parquet for vecforge, .fvecs for faiss, .npy for autofaiss)"
  "$vf" gen-data --output "file://$work/input" --rows "$rows" --dim "$dim" --files 8 --seed 1 \
    --intrinsic-dim "${VECFORGE_PEERS_INTRINSIC_DIM:-$(( dim < 16 ? dim : 16 ))}" \
    --fvecs "$work/vectors.fvecs" 2>/dev/null >&2
}

manifest_field() {
  /usr/bin/python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])" \
    "$work/vecforge.manifest.json" "$@"
}

run_vecforge() {
  local target=()
  [[ -z "$target_memory" ]] || target=(--set index.max-memory="$target_memory")
  log "1/6 vecforge build ($factory${target_memory:+ within $target_memory}, 4 shards, embedded Spark local[*])"
  measure vecforge "$vf" build --config "$repo/conf/example-index.properties" --index bench \
    --input "file://$work/input" --output "file://$work/bundles" \
    --set index.factory="$factory" --set shards=4 --set validate.nprobe=16 --set validate.queries=1000 \
    "${target[@]}"
  version_dir="$work/bundles/bench/$(cat "$work/bundles/bench/LATEST")"
  cp "$version_dir/manifest.json" "$work/vecforge.manifest.json"
  sample_rows=$(manifest_field training sampleRows)
  metric=$(manifest_field vectors metric)
}

# run_faiss NAME PYTHON: scripts/faiss_reference.py in that interpreter (its faiss and numpy).
run_faiss() {
  local name="$1" python="$2"
  log "$3 plain faiss train + add: $name ($python)"
  measure "$name" "$python" "$repo/scripts/faiss_reference.py" --vectors "$work/vectors.fvecs" \
    --factory "$factory" --metric "$metric" --train-rows "$sample_rows" --bundle "$version_dir" \
    --nprobe 16 -k 10 || return 0
  cp "$work/$name.out" "$work/$name.json"
}

# run_limit: plain Faiss from vecforge's Parquet input (no checks, nothing but the index written).
run_limit() {
  log "2/6 the limit: plain faiss-cpu from the same Parquet ($faiss_venv)"
  measure faiss-limit "$faiss_venv/bin/python" "$repo/scripts/faiss_limit.py" --input "$work/input" \
    --factory "$factory" --metric "$metric" --train-rows "$sample_rows" --index "$work/faiss-limit.index" || return 0
  cp "$work/faiss-limit.out" "$work/faiss-limit.json"
  "$faiss_venv/bin/python" "$helper" eval-index --index "$work/faiss-limit.index" --bundle "$version_dir" \
    --nprobe 16 -k 10 > "$work/faiss-limit.eval.json"
  rm -f "$work/faiss-limit.index"
}

# run_autofaiss NAME none|pyspark: build_index, then recall of the index it wrote.
run_autofaiss() {
  local name="$1" distributed="$2" memory max_index train=() eval=(--nprobe 16)
  memory="${VECFORGE_PEERS_AUTOFAISS_MEMORY:-$(awk '/^MemTotal/ {print int($2 / 1048576)}' /proc/meminfo)G}"
  max_index="$(( ${memory%G} / 2 ))G"
  [[ -z "$target_memory" ]] || max_index="$target_memory"
  [[ "$autofaiss_train" == vecforge ]] && train=(--train-rows "$sample_rows")
  log "$3 autofaiss build_index, distributed=$distributed (current_memory_available $memory)"
  measure "$name" env PYSPARK_PYTHON="$af_venv/bin/python" "$af_venv/bin/python" "$helper" autofaiss \
    --embeddings "$work/npy" --factory "$factory" --metric "$metric" --index "$work/$name.index" \
    --result "$work/$name.json" --distributed "$distributed" --spark-master "$spark_master" \
    --tmp "$work/$name-tmp" --nprobe 16 --memory-available "$memory" \
    --max-index-memory "$max_index" "${train[@]}" || return 0
  # same target: the search parameters autofaiss chose for its index, not nprobe 16
  [[ -z "$target_memory" ]] || eval=(--params "$(/usr/bin/python3 -c \
    "import json, sys; print(json.load(open(sys.argv[1]))['index_param'] or '')" "$work/$name.json")")
  "$af_venv/bin/python" "$helper" eval-index --index "$work/$name.index" --bundle "$version_dir" \
    "${eval[@]}" -k 10 > "$work/$name.eval.json"
}

# eval_vecforge_at_equal_recall: same target; vecforge's bundle at its recommended nprobe, and searched
# at doubling nprobe until its recall reaches autofaiss local's, each with its search time per query,
# in the same Python and Faiss as autofaiss's index is evaluated with.
eval_vecforge_at_equal_recall() {
  local at=()
  [[ -f "$work/autofaiss-local.eval.json" ]] && at=(--at-recall "$(/usr/bin/python3 -c \
    "import json, sys; print(json.load(open(sys.argv[1]))['recall'])" "$work/autofaiss-local.eval.json")")
  log "vecforge bundle: recall and search time at its recommended nprobe${at:+, and where it reaches the recall of autofaiss local}"
  local py="$af_venv/bin/python"
  [[ -x "$py" ]] || py="$faiss_venv/bin/python"
  "$py" "$helper" eval-bundle --bundle "$version_dir" "${at[@]}" -k 10 > "$work/vecforge.eval.json"
}

main() {
  ensure_time
  check_prerequisites
  [[ "$skip_autofaiss" == 1 ]] || ensure_autofaiss_venv
  rm -rf "$work" && mkdir -p "$work"
  generate
  # the generated files (and the .fvecs) are flushed first, as before the peers: no tool starts while the kernel
  # still writes another's output back to disk
  sync
  run_vecforge
  if [[ "$metric" == cosine ]]; then
    log "metric cosine: the peers would need normalised vectors; use an l2 or ip config"; exit 1
  fi
  sync
  if [[ -z "$target_memory" ]]; then
    run_limit
    [[ "${VECFORGE_PEERS_SKIP_DEBIAN:-0}" == 1 ]] || run_faiss faiss-debian /usr/bin/python3 3/6
    run_faiss faiss-pypi "$faiss_venv/bin/python" 4/6
  fi
  if [[ "$skip_autofaiss" != 1 ]]; then
    "$af_venv/bin/python" "$helper" to-npy --vectors "$work/vectors.fvecs" --out "$work/npy"
    run_autofaiss autofaiss-local none 5/6
    [[ "$skip_autofaiss" == pyspark ]] || run_autofaiss autofaiss-pyspark pyspark 6/6
  fi
  [[ -z "$target_memory" ]] || eval_vecforge_at_equal_recall
  rm -rf "$work/input" "$work/npy"
  /usr/bin/python3 "$helper" report --work "$work" --spark-master "$spark_master" --interval "$sample_interval" \
    ${target_memory:+--target-memory "$target_memory"}
}

main
