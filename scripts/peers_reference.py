"""Helpers of scripts/bench-peers.sh: the autofaiss runs, recall of a written index on a vecforge
bundle's hold-out queries, a process-tree RSS sampler and the final table.

    peers_reference.py to-npy --vectors V.fvecs --out DIR           (.fvecs -> DIR/emb.npy, row i = id i)
    peers_reference.py autofaiss --embeddings DIR --factory F ...   (autofaiss build_index, JSON to --result)
    peers_reference.py eval-index --index F --bundle V              (recall@k of a Faiss index file, JSON)
    peers_reference.py eval-bundle --bundle V --at-recall R         (a bundle's recall and search time at its
                                                                     recommended nprobe and where it reaches R)
    peers_reference.py rss-sampler --pid P --out F                  (peak RSS summed over P's process tree)
    peers_reference.py report --work DIR                            (Markdown table to stdout, DIR/peers.json)

Nothing at module level imports numpy or faiss: each subcommand runs in the interpreter that has
what it needs (autofaiss and eval-index in .venv-autofaiss, the rest in any python3).
"""
import argparse
import json
import logging
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------
# to-npy


def to_npy(args):
    import numpy as np
    sys.path.insert(0, HERE)
    from vecforge_bundle import read_fvecs

    os.makedirs(args.out, exist_ok=True)
    xb = read_fvecs(args.vectors)
    np.save(os.path.join(args.out, "emb.npy"), xb)
    print("to-npy: %d x %d -> %s/emb.npy" % (xb.shape[0], xb.shape[1], args.out), file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# autofaiss


def autofaiss_key(factory):
    """vecforge's factory string in autofaiss's grammar: its IVF PQ keys spell the bits per code
    (PQ32 -> PQ32x8). faiss' 'np' suffix (polysemous training off) has no autofaiss spelling:
    dropped, with a warning (autofaiss always trains polysemous codes for 8-bit PQ)."""
    key = factory
    m = re.search(r"PQ(\d+)(x\d+)?(np)?$", key)
    if m:
        if m.group(3) and m.group(2) in (None, "x8"):
            print("autofaiss: cannot turn polysemous training off; %s built as polysemous" % factory,
                  file=sys.stderr)
        key = key[:m.start()] + "PQ%s%s" % (m.group(1), m.group(2) or "x8")
    return key


class _TimeitCapture(logging.Handler):
    """Collects autofaiss' own stage timings: its Timeit logs '>>> Finished "<stage>" in <s> secs'."""

    def __init__(self):
        super().__init__()
        self.stages = {}

    def emit(self, record):
        m = re.search(r'Finished "(.*)" in ([\d.]+) secs', record.getMessage())
        if m:
            self.stages[m.group(1).strip()] = round(float(m.group(2)), 3)


def _stage(stages, prefix):
    return next((s for name, s in stages.items() if name.startswith(prefix)), None)


def run_autofaiss(args):
    start = time.time()
    import faiss
    import autofaiss
    from autofaiss import build_index
    import autofaiss.indices.training as training

    # auto: autofaiss chooses the index key and its search parameters for max_index_memory_usage
    key = None if args.factory == "auto" else autofaiss_key(args.factory)
    # autofaiss picks its training-set size itself (get_optimal_train_size: 100 points per IVF
    # centroid, fewer when current_memory_available is small) and takes the first rows, with no
    # argument to set it. Record what it chose; --train-rows overrides it (a patch, opt-in).
    chosen = {}
    original = training.get_optimal_train_size

    def train_size(nb_vectors, index_key, memory, dim):
        n = original(nb_vectors, index_key, memory, dim)
        chosen["autofaiss"] = int(n)  # a NumPy integer for some index keys (OPQ…_HNSW), which json cannot write
        if args.train_rows > 0:
            n = min(args.train_rows, nb_vectors)
        chosen["used"] = int(n)
        return n

    training.get_optimal_train_size = train_size

    session_s = None
    if args.distributed == "pyspark":
        # autofaiss would make a local[1] session with a 16G driver itself; make local[N] first.
        from pyspark.sql import SparkSession
        t = time.time()
        SparkSession.builder.master(args.spark_master).appName("bench-peers autofaiss") \
            .config("spark.driver.memory", args.driver_memory) \
            .config("spark.ui.enabled", "false").getOrCreate()
        session_s = round(time.time() - t, 3)

    capture = _TimeitCapture()
    logging.getLogger("autofaiss").addHandler(capture)
    t = time.time()
    index, infos = build_index(
        embeddings=args.embeddings,
        file_format="npy",
        index_path=args.index,
        index_infos_path=args.index + ".json",
        index_key=key,
        # autofaiss has no nprobe heuristic for plain IVF,PQ keys (only OPQ/HNSW ones): without an
        # index_param it raises NotImplementedError. nprobe=16 is also what the recall uses.
        index_param=None if key is None else "nprobe=%d" % args.nprobe,
        metric_type=args.metric,
        max_index_memory_usage=args.max_index_memory,
        current_memory_available=args.memory_available,
        make_direct_map=False,
        should_be_memory_mappable=False,
        distributed=None if args.distributed == "none" else args.distributed,
        temporary_indices_folder=args.tmp,
        nb_indices_to_keep=1,
    )
    build_s = time.time() - t
    if index is None:
        raise SystemExit("autofaiss: build_index returned no index (see its log)")
    result = {
        "autofaiss": getattr(autofaiss, "__version__", None) or _dist_version("autofaiss"),
        "faiss": faiss.__version__,
        "index_key": key or (infos or {}).get("index_key"),
        "distributed": args.distributed,
        "rows": int(index.ntotal),
        "train_rows": chosen.get("used"),
        "train_rows_autofaiss_default": chosen.get("autofaiss"),
        "spark_session_s": session_s,
        "build_index_s": round(build_s, 3),
        "in_process_s": round(time.time() - start, 3),
        "train_s": _stage(capture.stages, "-> Training the index"),
        "add_s": _stage(capture.stages, "-> Adding the vectors to the index"),
        "stages_s": capture.stages,
        "index_param": (infos or {}).get("index_param"),
    }
    if args.distributed == "pyspark":
        from pyspark.sql import SparkSession
        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
    with open(args.result, "w") as f:
        json.dump(result, f)


def _dist_version(name):
    from importlib.metadata import version
    return version(name)


# ---------------------------------------------------------------------------------------------
# eval-index


def eval_index(args):
    import faiss
    sys.path.insert(0, HERE)
    from vecforge_bundle import read_fvecs, read_i64vecs
    from faiss_reference import recall_at_k

    index = faiss.read_index(args.index)
    if args.params is not None:
        if args.params:
            faiss.ParameterSpace().set_index_parameters(index, args.params)  # the search setting its builder chose
    else:
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = args.nprobe
        if hasattr(ivf, "polysemous_ht"):
            ivf.polysemous_ht = 0  # search every code, as faiss_reference.py and vecforge's validation do
    queries = read_fvecs(os.path.join(args.bundle, "holdout", "queries.fvecs"))
    truth = read_i64vecs(os.path.join(args.bundle, "holdout", "groundtruth.i64vecs"))
    _, found = index.search(queries, args.k)
    print(json.dumps({"rows": int(index.ntotal), "nprobe": args.nprobe, "params": args.params, "k": args.k,
                      "index_bytes": os.path.getsize(args.index),
                      "queries": int(len(queries)), "recall": recall_at_k(found, truth, args.k),
                      "search_ms_per_query": _ms_per_query(lambda: index.search(queries, args.k), len(queries))}))


def _ms_per_query(search, queries, at_least_s=1.0):
    """Search time per query of a warmed-up search of all queries, repeated for at least a second."""
    search()
    runs, start = 0, time.perf_counter()
    while True:
        search()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= at_least_s:
            return round(1000 * elapsed / runs / queries, 4)


def eval_bundle(args):
    """Recall@k of a vecforge bundle (every shard searched, results merged as vecforge merges them) at its
    recommended nprobe and at the smallest power-of-two nprobe whose recall reaches --at-recall, with the
    search time per query of the shards' Faiss searches (the merge of k hits per shard left out)."""
    import faiss
    sys.path.insert(0, HERE)
    from vecforge_bundle import Bundle, read_fvecs, read_i64vecs
    from faiss_reference import recall_at_k

    bundle = Bundle(args.bundle)
    queries = read_fvecs(os.path.join(args.bundle, "holdout", "queries.fvecs"))
    truth = read_i64vecs(os.path.join(args.bundle, "holdout", "groundtruth.i64vecs"))
    nlist = faiss.extract_index_ivf(bundle.shards[0]).nlist

    points = {}

    def point(nprobe):  # each nprobe searched once: the recommended one is often also on the curve
        if nprobe not in points:
            points[nprobe] = measure(nprobe)
        return points[nprobe]

    def measure(nprobe):
        _, found = bundle.search(queries, args.k, nprobe=nprobe)

        def shards_only():
            for shard in bundle.shards:
                faiss.extract_index_ivf(shard).nprobe = nprobe
                shard.search(queries, args.k)
        return {"nprobe": nprobe, "recall": recall_at_k(found, truth, args.k),
                "search_ms_per_query": _ms_per_query(shards_only, len(queries))}

    recommended = (bundle.manifest.get("search") or {}).get("nprobe") or bundle.manifest["validation"]["nprobe"]
    result = {"rows": int(bundle.ntotal), "k": args.k, "queries": int(len(queries)), "nlist": int(nlist),
              "index_bytes": sum(s["bytes"] for s in bundle.manifest["shards"]),
              "recommended": point(recommended), "at_recall": args.at_recall, "curve": []}
    if args.at_recall is not None:
        nprobe = 1
        while nprobe <= nlist:
            result["curve"].append(point(nprobe))
            if result["curve"][-1]["recall"] >= args.at_recall:
                break
            nprobe *= 2
        reached = [p for p in result["curve"] if p["recall"] >= args.at_recall]
        result["equal_recall"] = reached[0] if reached else None
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------------
# rss-sampler


def _tree(root):
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    stat = f.read()
            except OSError:
                continue
            parents.setdefault(int(stat[stat.rindex(")") + 2:].split()[1]), []).append(int(entry))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(parents.get(pid, []))
    return pids


def _rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_sampler(args):
    """Every --interval s, the RSS of --pid and all its descendants added up; writes the peak (KiB)."""
    peak, peak_procs = 0, 0
    while os.path.exists("/proc/%d" % args.pid):
        pids = _tree(args.pid)
        total = sum(_rss_kib(p) for p in pids)
        if total > peak:
            peak, peak_procs = total, len(pids)
        with open(args.out, "w") as f:
            json.dump({"peak_tree_rss_kib": peak, "processes_at_peak": peak_procs}, f)
        time.sleep(args.interval)


# ---------------------------------------------------------------------------------------------
# report


def _load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _max_rss_kib(path):
    try:
        with open(path) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
        return int(m.group(1)) if m else None
    except OSError:
        return None


def _gib(kib):
    return None if kib is None else round(kib / 2**20, 3)


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


PLAIN = (("faiss-debian", "faiss %s, Debian python3-faiss"), ("faiss-pypi", "faiss-cpu %s, PyPI"))
AUTOFAISS = (("autofaiss-local", "local"), ("autofaiss-pyspark", "pyspark"))
# autofaiss' Timeit stages worth showing (the rest are wrappers or take no time)
AUTOFAISS_STAGES = ("-> Extract training vectors", "-> Training the index", "-> Adding indices", "-> Merging indices",
                    "Compute fast metrics", "Saving the index on local disk", "-> Adding the vectors to the index")


def _breakdown(runtime):
    """The manifest's training and shard-task phases, one line."""
    parts = []
    if runtime.get("trainPhaseMillis"):
        parts.append("training task phases ms " + ", ".join("%s %d" % kv for kv in runtime["trainPhaseMillis"].items()))
    if runtime.get("shardPhaseMillis"):
        parts.append("shard task phases task-ms " + ", ".join(
            "%s %d" % kv for kv in runtime["shardPhaseMillis"].items()))
    return "; ".join(parts)


def _collect(work, spark_master, target=None):
    """One dict per run that left a NAME.wall.json: vecforge first, then the peers in order."""
    manifest = _load(os.path.join(work, "vecforge.manifest.json"))
    if manifest is None:
        raise SystemExit("report: no vecforge manifest in %s" % work)
    stages_ms = manifest["timingsMillis"]
    runs = []

    def base(name):
        wall = _load(os.path.join(work, name + ".wall.json"))
        if wall is None:
            return None  # not run (skipped)
        tree = _load(os.path.join(work, name + ".tree.json")) or {}
        run = {"run": name, "wall_s": wall["wall_s"], "exit": wall["exit"], "library": "FAILED, see %s.log" % name,
               "factory": None, "train_rows": None, "train_s": None, "add_s": None, "recall": None, "timed": "",
               "peak_rss_gib": _gib(_max_rss_kib(os.path.join(work, name + ".time"))),
               "peak_tree_rss_gib": _gib(tree.get("peak_tree_rss_kib")),
               "tree_processes_at_peak": tree.get("processes_at_peak")}
        runs.append(run)
        return run

    vf = base("vecforge")
    vf.update({"library": "vecforge %s (faiss %s)" % (manifest.get("vecforgeVersion"), manifest.get("faissVersion")),
               "factory": manifest["vectors"]["factory"], "train_rows": manifest["training"]["sampleRows"],
               "train_s": stages_ms.get("train", 0) / 1000, "add_s": stages_ms.get("shards", 0) / 1000,
               "recall": manifest["validation"]["recall"], "timed": "whole build (JVM start .. publish)",
               "stages_ms": stages_ms, "runtime_breakdown": _breakdown(manifest.get("runtime") or {}),
               "index_bytes": sum(s["bytes"] for s in manifest["shards"]),
               "search": "nprobe %d" % manifest["validation"]["nprobe"]})
    search = manifest.get("search")
    if target and search:  # same target: recall at the bundle's recommended nprobe, what its users search at
        vf["search"] = "nprobe %d (recommended)" % search["nprobe"]
        vf["recall"] = next(p["recall"] for p in search["recallCurve"] if p["nprobe"] == search["nprobe"])
        evaluated = _load(os.path.join(work, "vecforge.eval.json")) or {}
        vf["search_ms_per_query"] = (evaluated.get("recommended") or {}).get("search_ms_per_query")
        vf["equal_recall"] = evaluated.get("equal_recall")
        vf["equal_recall_to"] = evaluated.get("at_recall")
    for name, label in PLAIN:
        run, out = base(name), _load(os.path.join(work, name + ".json"))
        if run is None or out is None:
            continue
        run.update({"library": label % out["faiss"], "factory": out["factory"], "train_rows": out["train_rows"],
                    "train_s": out["train_s"], "add_s": out["add_s"], "recall": out["recall"],
                    "timed": "train + add (in process)", "process_wall_s": run["wall_s"], "wall_s": out["total_s"]})
    limit, out = base("faiss-limit"), _load(os.path.join(work, "faiss-limit.json"))
    if limit is not None and out is not None:
        limit.update({"library": "faiss-cpu %s, PyPI: the limit (pyarrow read, no checks)" % out["faiss"],
                      "factory": out["factory"], "train_rows": out["train_rows"], "train_s": out["train_s"],
                      "add_s": out["add_s"],
                      "recall": (_load(os.path.join(work, "faiss-limit.eval.json")) or {}).get("recall"),
                      "timed": "whole process (python start .. index written)",
                      "limit_phases_s": {k: out[k] for k in ("import_s", "read_s", "train_s", "add_s", "write_s")}})
    for name, where in AUTOFAISS:
        run, out = base(name), _load(os.path.join(work, name + ".json"))
        if run is None or out is None:
            continue
        where += " " + spark_master if where == "pyspark" else ""
        evaluated = _load(os.path.join(work, name + ".eval.json")) or {}
        run.update({"library": "autofaiss %s (faiss-cpu %s), %s" % (out["autofaiss"], out["faiss"], where),
                    "factory": out["index_key"], "train_rows": out["train_rows"],
                    "train_rows_autofaiss_default": out["train_rows_autofaiss_default"],
                    "train_s": out["train_s"], "add_s": out["add_s"],
                    "recall": evaluated.get("recall"), "index_bytes": evaluated.get("index_bytes"),
                    "search_ms_per_query": evaluated.get("search_ms_per_query"),
                    "search": evaluated.get("params") or "nprobe %s" % evaluated.get("nprobe"),
                    "timed": "whole build (python start .. index written)",
                    "autofaiss_stages_s": out["stages_s"], "spark_session_s": out["spark_session_s"]})

    rows = manifest["source"]["acceptedRows"]
    vf_core = vf["train_s"] + vf["add_s"]
    for run in runs:
        ok = run["exit"] == 0 and run["recall"] is not None
        run["rows_per_s"] = round(rows / run["wall_s"], 1) if ok else None
        run["vecforge_wall_ratio"] = round(vf["wall_s"] / run["wall_s"], 3) if ok else None
        run["speed_vs_it"] = round(run["wall_s"] / vf["wall_s"], 3) if ok else None
        core = (run["train_s"] or 0) + (run["add_s"] or 0)
        run["vecforge_train_add_ratio"] = round(vf_core / core, 3) if ok and core else None
    return {"rows": rows, "dim": manifest["vectors"]["dimension"], "factory": manifest["vectors"]["factory"],
            "metric": manifest["vectors"]["metric"], "nprobe": manifest["validation"]["nprobe"],
            "k": manifest["validation"]["k"], "queries": manifest["validation"]["queries"],
            "cpus": os.cpu_count(), "openblas_num_threads_peers": os.environ.get("OPENBLAS_NUM_THREADS"),
            "openblas_coretype_peers": os.environ.get("OPENBLAS_CORETYPE"),
            "target_memory": target,
            "runs": runs}


def report(args):
    summary = _collect(args.work, args.spark_master, args.target_memory)
    runs = summary["runs"]
    with open(os.path.join(args.work, "peers.json"), "w") as f:
        json.dump(summary, f, indent=1)

    print("## vecforge vs. peers: %d x %d, %s, %s, recall@%d at nprobe %d on %d hold-out queries, %d CPUs"
          % (summary["rows"], summary["dim"], summary["factory"], summary["metric"], summary["k"],
             summary["nprobe"], summary["queries"], summary["cpus"]))
    print()
    print("| run | library | factory | train rows | wall s | wall covers | rows/s | train s | add s "
          "| recall@%d | peak RSS GiB, largest process | peak RSS GiB, process tree "
          "| vecforge wall / this | vecforge speed vs this (this wall / vecforge wall) "
          "| vecforge train+shards / this train+add |" % summary["k"])
    print("|---|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in runs:
        print("| %s |" % " | ".join((
            r["run"], r["library"], r["factory"] or "", _fmt(r["train_rows"], ",d"), _fmt(r["wall_s"], ".1f"),
            r["timed"], _fmt(r["rows_per_s"], ",.0f"), _fmt(r["train_s"], ".1f"), _fmt(r["add_s"], ".1f"),
            _fmt(r["recall"], ".4f"), _fmt(r["peak_rss_gib"], ".2f"), _fmt(r["peak_tree_rss_gib"], ".2f"),
            _fmt(r["vecforge_wall_ratio"], ".2f"), _fmt(r["speed_vs_it"], ".2f"),
            _fmt(r["vecforge_train_add_ratio"], ".2f"))))
    print()
    if summary["target_memory"]:
        print("- same target: each tool chose its index for %s of serving memory; recall@%d at the search setting "
              "it chose: %s." % (summary["target_memory"], summary["k"], "; ".join(
                  "%s %s, %s, recall %s, %s ms per query, index %s MiB" % (
                      r["run"], r["factory"], r.get("search"), _fmt(r["recall"], ".4f"),
                      _fmt(r.get("search_ms_per_query"), ".3f"),
                      _fmt(r["index_bytes"] / 2**20 if r.get("index_bytes") else None, ".1f")) for r in runs)))
        vf = runs[0]
        if vf.get("equal_recall_to") is not None:
            equal = vf.get("equal_recall")
            print("- same target at equal recall: vecforge's bundle searched at nprobe 1, 2, 4, ... until its recall@%d"
                  " reached autofaiss local's %.4f: %s." % (summary["k"], vf["equal_recall_to"], (
                      "nprobe %d, recall %.4f, %.3f ms per query" % (
                          equal["nprobe"], equal["recall"], equal["search_ms_per_query"])
                      if equal else "not reached at any nprobe")))
    print("- vecforge: stages ms %s; its train s / add s are the train and shards stages."
          % ", ".join("%s %d" % kv for kv in runs[0]["stages_ms"].items()))
    plain = ["%s %.1f s" % (r["run"], r["process_wall_s"]) for r in runs if "process_wall_s" in r]
    if plain:
        print("- plain faiss: wall = train + add inside the process, on the manifest's sample size drawn at random "
              "(no start-up, no reading of the .fvecs; whole process: %s)." % ", ".join(plain))
    for r in runs:
        if "limit_phases_s" in r:
            print("- faiss-limit: phases s %s (whole process %.1f s)" % (
                ", ".join("%s %.1f" % (k[:-2], v) for k, v in r["limit_phases_s"].items()), r["wall_s"]))
    if runs[0].get("runtime_breakdown"):
        print("- vecforge: %s" % runs[0]["runtime_breakdown"])
    for r in runs:
        if "autofaiss_stages_s" in r:
            stages = ["%s %.1f" % (n, s) for n, s in r["autofaiss_stages_s"].items() if n.startswith(AUTOFAISS_STAGES)]
            session = "; Spark session start %.1f s" % r["spark_session_s"] if r["spark_session_s"] else ""
            print("- %s: trained on the first %s rows (its own rule gives %s)%s; add s includes its post-build "
                  "metrics and index write; its stages s: %s" % (
                      r["run"], _fmt(r["train_rows"], ",d"), _fmt(r["train_rows_autofaiss_default"], ",d"), session,
                      "; ".join(stages)))
    spark = any(r["run"] == "autofaiss-pyspark" for r in runs)
    print("- peak RSS, largest process: /usr/bin/time -v 'Maximum resident set size', the largest single process "
          "it reaped%s. Process tree: VmRSS summed over the run's processes, sampled every %.2g s (shared pages "
          "once per process%s)." % (
              " (autofaiss-pyspark: the python driver; its Spark JVM is not reaped)" if spark else "", args.interval,
              "; autofaiss-pyspark: python driver + Spark JVM + python workers" if spark else ""))
    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    print("- BLAS threads: vecforge links the OpenMP build of OpenBLAS, which follows each task's OpenMP "
          "threads (OPENBLAS_NUM_THREADS=%s only caps a pthread OpenBLAS); peers: OPENBLAS_NUM_THREADS %s."
          % (blas or "1", blas or "unset (library default)"))
    core = os.environ.get("OPENBLAS_CORETYPE")
    print("- BLAS kernels: %s." % ("OPENBLAS_CORETYPE=%s for every run (scripts/blas-coretype.sh, from the CPU's flags)" % core
                                   if core else "each OpenBLAS picks its own from the CPU model (VECFORGE_PEERS_BLAS=own); "
                                   "vecforge's launcher picks from the CPU's flags"))
    for r in runs:
        if r["exit"]:
            print("- FAILED: %s exited with status %s (see %s.log)" % (r["run"], r["exit"], r["run"]))
    print()
    print("JSON: %s" % os.path.join(args.work, "peers.json"))


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("to-npy")
    p.add_argument("--vectors", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=to_npy)

    p = sub.add_parser("autofaiss")
    p.add_argument("--embeddings", required=True, help="directory of .npy files")
    p.add_argument("--factory", required=True, help="vecforge's factory string")
    p.add_argument("--metric", default="l2", choices=["l2", "ip"])
    p.add_argument("--index", required=True, help="where autofaiss writes the index")
    p.add_argument("--result", required=True, help="JSON written here")
    p.add_argument("--distributed", default="none", choices=["none", "pyspark"])
    p.add_argument("--spark-master", default="local[2]")
    p.add_argument("--driver-memory", default="4g")
    p.add_argument("--tmp", default="/tmp/autofaiss-indices", help="temporary_indices_folder (pyspark)")
    p.add_argument("--nprobe", type=int, default=16)
    p.add_argument("--train-rows", type=int, default=0, help="0: autofaiss' own choice")
    p.add_argument("--max-index-memory", default="16G")
    p.add_argument("--memory-available", default="20G")
    p.set_defaults(func=run_autofaiss)

    p = sub.add_parser("eval-index")
    p.add_argument("--index", required=True)
    p.add_argument("--bundle", required=True, help="vecforge version dir: hold-out queries and ground truth")
    p.add_argument("--nprobe", type=int, default=16)
    p.add_argument("--params", default=None, help="faiss ParameterSpace string to search with instead of --nprobe")
    p.add_argument("-k", type=int, default=10)
    p.set_defaults(func=eval_index)

    p = sub.add_parser("eval-bundle")
    p.add_argument("--bundle", required=True, help="vecforge version dir")
    p.add_argument("--at-recall", type=float, default=None,
                   help="also search at nprobe 1, 2, 4, ... up to the first reaching this recall")
    p.add_argument("-k", type=int, default=10)
    p.set_defaults(func=eval_bundle)

    p = sub.add_parser("rss-sampler")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--interval", type=float, default=0.25)
    p.set_defaults(func=rss_sampler)

    p = sub.add_parser("report")
    p.add_argument("--work", required=True)
    p.add_argument("--spark-master", default="local[2]")
    p.add_argument("--interval", type=float, default=0.25)
    p.add_argument("--target-memory", default=None, help="same-target run: the serving memory both chose for")
    p.set_defaults(func=report)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
