"""Benchmark (not a test): recall@k of Faiss factory strings, with plain faiss-cpu: each factory trained
on a seeded sample of the vectors, all vectors added, the queries searched at the given nprobe values
against exact ground truth. What the same-target comparison's candidate codes reach (README, "Same
target"), on a bench-peers run's data or on data of another shape:

    .venv-faiss/bin/python scripts/codec_candidates.py --work /tmp/vecforge-peers \\
        IVF512,PQ64np PCAR64,IVF512,SQ8 OPQ64_128,IVF512,PQ64np
    .venv-faiss/bin/python scripts/codec_candidates.py --data power-law:0.5 --rows 100000 --nprobe 256 \\
        IVF256,PQ64np PCAR64,IVF256,SQ8

--work: bench-peers.sh's work directory (vectors.fvecs; the vecforge bundle's hold-out queries and
ground truth under bundles/). --data power-law:A: Gaussian vectors whose covariance has eigenvalues
i^-A (i = 1 .. d), randomly rotated; --data full-rank-clusters: 256 centres drawn in all d dimensions,
a 16-dimensional spread and small noise (scripts/faiss_bench.py's shape). Both with 500 fresh queries.
"""
import argparse
import glob
import os
import sys
import time

import faiss
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faiss_reference import recall_at_k  # noqa: E402
from vecforge_bundle import read_fvecs, read_i64vecs  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work")
    parser.add_argument("--data", default="bench")
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--train-rows", type=int, default=32768)
    parser.add_argument("--nprobe", default="8,64")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("factories", nargs="+")
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)
    if args.data == "bench":
        if not args.work:
            sys.exit("--data bench needs --work (bench-peers.sh's work directory)")
        vectors, queries, truth = bench_data(args.work)
    else:
        vectors, queries, truth = generated(args.data, args.rows, args.dim, args.k)
    sample = vectors[np.random.RandomState(1).choice(len(vectors), min(args.train_rows, len(vectors)), replace=False)]
    nprobes = [int(n) for n in args.nprobe.split(",")]
    print("| factory | train s | code bytes | " + " | ".join("recall@%d nprobe %d" % (args.k, n) for n in nprobes) + " |")
    print("|---|--:|--:|" + "--:|" * len(nprobes))
    for factory in args.factories:
        index = faiss.index_factory(vectors.shape[1], factory)
        start = time.time()
        index.train(sample)
        trained_s = time.time() - start
        index.add(vectors)
        ivf = faiss.extract_index_ivf(index)
        recalls = []
        for nprobe in nprobes:
            ivf.nprobe = nprobe
            _, found = index.search(queries, args.k)
            recalls.append("%.4f" % recall_at_k(found, truth, args.k))
        print("| `%s` | %.1f | %d | %s |" % (factory, trained_s, ivf.code_size, " | ".join(recalls)), flush=True)


def bench_data(work):
    vectors = read_fvecs(os.path.join(work, "vectors.fvecs"))
    versions = sorted(glob.glob(os.path.join(work, "bundles", "*", "2*")))
    if not versions:
        sys.exit("no vecforge bundle under %s/bundles: run scripts/bench-peers.sh first" % work)
    holdout = os.path.join(versions[-1], "holdout")
    return vectors, read_fvecs(os.path.join(holdout, "queries.fvecs")), read_i64vecs(
        os.path.join(holdout, "groundtruth.i64vecs"))


def generated(shape, rows, dim, k):
    rng = np.random.default_rng(1)
    if shape.startswith("power-law:"):
        scale = (np.arange(1, dim + 1) ** (-float(shape.split(":", 1)[1]) / 2)).astype(np.float32)
        rotation = np.linalg.qr(rng.normal(size=(dim, dim)))[0].astype(np.float32)

        def draw(n):
            return ((rng.normal(size=(n, dim)).astype(np.float32) * scale) @ rotation).astype(np.float32)
    elif shape == "full-rank-clusters":
        centres = rng.normal(size=(256, dim)).astype(np.float32)
        spread = (0.4 * rng.normal(size=(16, dim))).astype(np.float32)

        def draw(n):
            local = rng.normal(size=(n, 16)).astype(np.float32) @ spread
            noise = 0.05 * rng.normal(size=(n, dim)).astype(np.float32)
            return (centres[rng.integers(0, 256, n)] + local + noise).astype(np.float32)
    else:
        sys.exit("--data: bench, power-law:A or full-rank-clusters, got %r" % shape)
    vectors, queries = draw(rows), draw(500)
    exact = faiss.IndexFlatL2(dim)
    exact.add(vectors)
    return vectors, queries, exact.search(queries, k)[1]


if __name__ == "__main__":
    main()
