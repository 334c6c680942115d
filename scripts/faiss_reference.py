"""Reference build with plain faiss-python: train + add the same vectors with the same factory
string, then recall@k of a vecforge bundle's hold-out queries against its exact ground truth.

Prints one JSON object: timings, throughput and recall. Used by the end-to-end test and by
scripts/bench-peers.sh.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import faiss

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vecforge_bundle import read_fvecs, read_i64vecs  # noqa: E402


def recall_at_k(found, truth, k):
    hits = 0
    for f, t in zip(found[:, :k], truth[:, :k]):
        hits += len(set(f.tolist()) & set(t.tolist()))
    return hits / (len(truth) * k)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vectors", required=True, help=".fvecs of every input vector, row i = id i")
    parser.add_argument("--factory", required=True)
    parser.add_argument("--metric", default="l2", choices=["l2", "ip"])
    parser.add_argument("--train-rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bundle", required=True, help="vecforge version dir: its hold-out queries and ground truth")
    parser.add_argument("--nprobe", type=int, default=16)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    if args.threads > 0:
        faiss.omp_set_num_threads(args.threads)
    xb = read_fvecs(args.vectors)
    n, d = xb.shape
    metric = faiss.METRIC_L2 if args.metric == "l2" else faiss.METRIC_INNER_PRODUCT
    rng = np.random.default_rng(args.seed)
    sample = xb[np.sort(rng.choice(n, size=min(args.train_rows, n), replace=False))]

    start = time.time()
    index = faiss.index_factory(d, args.factory, metric)
    index.train(sample)
    trained = time.time()
    index.add_with_ids(xb, np.arange(n, dtype=np.int64))
    added = time.time()

    queries = read_fvecs(os.path.join(args.bundle, "holdout", "queries.fvecs"))
    truth = read_i64vecs(os.path.join(args.bundle, "holdout", "groundtruth.i64vecs"))
    faiss.extract_index_ivf(index).nprobe = args.nprobe
    _, found = index.search(queries, args.k)
    print(json.dumps({
        "faiss": faiss.__version__,
        "rows": n, "dim": d, "factory": args.factory, "train_rows": len(sample),
        "train_s": round(trained - start, 3), "add_s": round(added - trained, 3),
        "total_s": round(added - start, 3),
        "rows_per_s": round(n / (added - start), 1),
        "recall": recall_at_k(found, truth, args.k),
    }))


if __name__ == "__main__":
    main()
