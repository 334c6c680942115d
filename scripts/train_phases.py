"""Plain Faiss's training, phase by phase, for scripts/bench-train.sh (not a test).

    train_phases.py run --input DIR --factory F --train-rows N [--threads T]   (the parent: prints JSON)

The parent starts a child (this file, `child`) under `stdbuf -oL`, so the C library's stdout is
line-buffered and every line Faiss prints reaches the parent when it is printed; the parent dates
each line and splits the training at the same verbose lines vecforge's TrainingPhases uses (coarse
k-means, residuals, PQ codebooks, polysemous reordering, precomputed tables). The child loads the
sample (random rows of the Parquet input, the manifest's sample size) before it says "START".
"""
import argparse
import json
import os
import subprocess
import sys
import time

# An OPQ rotation's own product quantizers print the PQ codebooks' lines: they stay in its phase.
MARKERS = (("opq-rotation", "OPQMatrix::train: training an OPQ rotation matrix"),
           ("coarse-kmeans", "Training level-1 quantizer"), ("residuals", "Training IVF residual"),
           ("pq-codebooks", "Training PQ slice 0/"), ("pq-codebooks", "Training all PQ slices at once"),
           ("polysemous", "doing polysemous training for PQ"), ("precompute-tables", "precomputing IVFPQ tables"))


def child(args):
    import faiss
    import numpy as np
    import pyarrow.dataset as ds

    if args.threads > 0:
        faiss.omp_set_num_threads(args.threads)
    load_start = time.time()
    table = ds.dataset(args.input, format="parquet").to_table(columns=["vector"])
    values = table.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False).astype(np.float32)
    n = table.num_rows
    xb = values.reshape(n, len(values) // n)
    rng = np.random.default_rng(args.seed)
    sample = np.ascontiguousarray(xb[np.sort(rng.choice(n, size=min(args.train_rows, n), replace=False))])
    del xb, values, table
    index = faiss.index_factory(sample.shape[1], args.factory, faiss.METRIC_L2)
    ivf = faiss.extract_index_ivf(index)
    ivf.verbose = True
    ivf.cp.verbose = True
    ivf = faiss.downcast_index(ivf)
    if hasattr(ivf, "pq"):
        ivf.pq.verbose = True
    print("LOADED %.3f %d" % (time.time() - load_start, len(sample)), flush=True)
    print("START", flush=True)
    index.train(sample)
    sys.stdout.flush()
    print("END", flush=True)


def run(args):
    cmd = ["stdbuf", "-oL", sys.executable, os.path.abspath(__file__), "child", "--input", args.input,
           "--factory", args.factory, "--train-rows", str(args.train_rows), "--threads", str(args.threads),
           "--seed", str(args.seed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    phases, current, since, loaded = {}, None, None, None
    for raw in proc.stdout:
        now = time.monotonic()
        for line in raw.replace("\r", "\n").splitlines():
            line = line.strip()
            if line.startswith("LOADED"):
                loaded = float(line.split()[1])
            elif line == "START":
                current, since = "start", now
            elif line == "END" and current is not None:
                phases[current] = phases.get(current, 0) + now - since
                current = None
            elif current is not None:
                for phase, prefix in MARKERS:
                    if line.startswith(prefix) and phase != current and not (
                            current == "opq-rotation" and phase == "pq-codebooks"):
                        phases[current] = phases.get(current, 0) + now - since
                        current, since = phase, now
                        break
    if proc.wait() != 0:
        raise SystemExit("train_phases child failed with exit status %d" % proc.returncode)
    import faiss
    print(json.dumps({"faiss": faiss.__version__, "factory": args.factory, "train_rows": args.train_rows,
                      "threads": args.threads, "load_s": loaded,
                      "phases_ms": {k: round(v * 1000) for k, v in phases.items()},
                      "train_ms": round(sum(phases.values()) * 1000)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "child"):
        p = sub.add_parser(name)
        p.add_argument("--input", required=True)
        p.add_argument("--factory", required=True)
        p.add_argument("--train-rows", type=int, required=True)
        p.add_argument("--threads", type=int, default=0)
        p.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    (run if args.command == "run" else child)(args)


if __name__ == "__main__":
    main()
