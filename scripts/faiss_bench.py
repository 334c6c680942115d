"""Helpers of scripts/bench-faiss.sh: the same train + add in plain faiss-python, on the data the C++
driver (scripts/faiss-driver) reads, and recall@10 of every index written, against exact neighbours.

    faiss_bench.py gen --out DIR --rows N --dim D --train-rows T [--queries Q] [--seed S]
    faiss_bench.py build --work DIR --factory F --index OUT          (train + add, JSON to stdout)
    faiss_bench.py eval --work DIR --index F [--nprobe 16] [-k 10]   (recall@k, JSON to stdout)
    faiss_bench.py report --work DIR                                 (Markdown table of DIR/*.json)
"""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def write_fvecs(path, x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    n, d = x.shape
    out = np.empty((n, d + 1), dtype=np.float32)
    out[:, 0] = np.array([d], dtype=np.int32).view(np.float32)[0]
    out[:, 1:] = x
    out.tofile(path)


def clustered(rng, n, d, centers, scale):
    """Points around random centres in a 16-dimensional subspace, plus small isotropic noise."""
    labels = rng.integers(0, len(centers), size=n)
    local = rng.normal(size=(n, 16)).astype(np.float32) @ scale
    return (centers[labels] + local + 0.05 * rng.normal(size=(n, d)).astype(np.float32)).astype(np.float32)


def gen(args):
    import faiss
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    d = args.dim
    centers = rng.normal(size=(256, d)).astype(np.float32)
    scale = (0.4 * rng.normal(size=(16, d))).astype(np.float32)
    chunks = []
    for start in range(0, args.rows, 250_000):
        chunks.append(clustered(rng, min(250_000, args.rows - start), d, centers, scale))
    xb = np.concatenate(chunks)
    train = xb[np.sort(rng.choice(args.rows, size=min(args.train_rows, args.rows), replace=False))]
    queries = clustered(rng, args.queries, d, centers, scale)
    write_fvecs(os.path.join(args.out, "base.fvecs"), xb)
    write_fvecs(os.path.join(args.out, "train.fvecs"), train)
    np.save(os.path.join(args.out, "queries.npy"), queries)
    flat = faiss.IndexFlatL2(d)
    flat.add(xb)
    _, truth = flat.search(queries, 100)
    np.save(os.path.join(args.out, "truth.npy"), truth)
    print("gen: %d x %d base, %d training rows, %d queries in %s" % (len(xb), d, len(train), len(queries), args.out),
          file=sys.stderr)


def build(args):
    import faiss
    from vecforge_bundle import read_fvecs
    if hasattr(faiss, "SIMDConfig"):
        simd = faiss.SIMDConfig.get_level_name()
    else:
        simd = getattr(faiss, "_loader_simd", None) or "?"
    train = read_fvecs(os.path.join(args.work, "train.fvecs"))
    xb = read_fvecs(os.path.join(args.work, "base.fvecs"))
    index = faiss.index_factory(xb.shape[1], args.factory, faiss.METRIC_L2)
    start = time.time()
    index.train(train)
    trained = time.time()
    index.add_with_ids(xb, np.arange(len(xb), dtype=np.int64))
    added = time.time()
    faiss.write_index(index, args.index)
    print(json.dumps({"library": "faiss %s (%s)" % (faiss.__version__, os.path.dirname(faiss.__file__)),
                      "simd": simd, "threads": faiss.omp_get_max_threads(), "train_rows": len(train),
                      "rows": len(xb), "train_s": round(trained - start, 3), "add_s": round(added - trained, 3)}))


def evaluate(args):
    import faiss
    queries = np.load(os.path.join(args.work, "queries.npy"))
    truth = np.load(os.path.join(args.work, "truth.npy"))
    index = faiss.read_index(args.index)
    faiss.extract_index_ivf(index).nprobe = args.nprobe
    _, found = index.search(queries, args.k)
    hits = sum(len(set(f.tolist()) & set(t[:args.k].tolist())) for f, t in zip(found, truth))
    print(json.dumps({"recall": hits / (len(queries) * args.k), "nprobe": args.nprobe, "k": args.k}))


def report(args):
    runs = []
    for path in sorted(glob.glob(os.path.join(args.work, "run-*.json"))):
        with open(path) as f:
            runs.append(json.load(f))
    if not runs:
        sys.exit("report: no run-*.json in %s" % args.work)
    ref = next((r for r in runs if r["name"] == "wheel"), runs[0])
    print("| run | library | SIMD | train | add | train+add | recall@10 | train+add speed vs wheel |")
    print("|---|---|---|--:|--:|--:|--:|--:|")
    for r in runs:
        total = r["train_s"] + r["add_s"]
        ref_total = ref["train_s"] + ref["add_s"]
        print("| %s | %s | %s | %.1f s | %.1f s | %.1f s | %.4f | %.2f |" % (
            r["name"], r["library"], r.get("simd", "?"), r["train_s"], r["add_s"], total, r["recall"],
            ref_total / total))
    with open(os.path.join(args.work, "bench-faiss.json"), "w") as f:
        json.dump(runs, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("gen")
    p.add_argument("--out", required=True)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--train-rows", type=int, default=65_536)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(run=gen)
    p = sub.add_parser("build")
    p.add_argument("--work", required=True)
    p.add_argument("--factory", required=True)
    p.add_argument("--index", required=True)
    p.set_defaults(run=build)
    p = sub.add_parser("eval")
    p.add_argument("--work", required=True)
    p.add_argument("--index", required=True)
    p.add_argument("--nprobe", type=int, default=16)
    p.add_argument("-k", type=int, default=10)
    p.set_defaults(run=evaluate)
    p = sub.add_parser("report")
    p.add_argument("--work", required=True)
    p.set_defaults(run=report)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
