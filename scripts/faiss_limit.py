"""The limit a user compares vecforge with: plain Faiss from the same Parquet, nothing checked.

Reads every (id, vector) row of a Parquet directory with pyarrow into one float32 matrix, trains the
factory on a random sample of --train-rows rows, adds every row with its id and writes the index
with faiss.write_index. No validation of any kind: no schema, null, NaN or duplicate checks, no
accounting, no ground truth, no publish. Prints one JSON object with the phases' times; the
benchmark (scripts/bench-peers.sh) times the whole process from outside and measures recall with
peers_reference.py eval-index.
"""
import argparse
import json
import os
import time

START = time.time()

import faiss  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.dataset as ds  # noqa: E402


def read_parquet(path, id_column, vector_column):
    table = ds.dataset(path, format="parquet").to_table(columns=[id_column, vector_column])
    ids = table.column(id_column).to_numpy().astype(np.int64, copy=False)
    vectors = table.column(vector_column).combine_chunks()
    values = vectors.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    n = len(ids)
    if n == 0 or len(values) % n:
        raise SystemExit("%s: %d values for %d rows is not one fixed dimension" % (path, len(values), n))
    return ids, values.reshape(n, len(values) // n)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, help="Parquet directory (vecforge gen-data's layout)")
    parser.add_argument("--id-column", default="id")
    parser.add_argument("--vector-column", default="vector")
    parser.add_argument("--factory", required=True)
    parser.add_argument("--metric", default="l2", choices=["l2", "ip"])
    parser.add_argument("--train-rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--index", required=True, help="where to write the index")
    args = parser.parse_args()

    imported = time.time()
    ids, xb = read_parquet(args.input, args.id_column, args.vector_column)
    read = time.time()
    n, d = xb.shape
    rng = np.random.default_rng(args.seed)
    sample = xb[np.sort(rng.choice(n, size=min(args.train_rows, n), replace=False))]
    metric = faiss.METRIC_L2 if args.metric == "l2" else faiss.METRIC_INNER_PRODUCT
    index = faiss.index_factory(d, args.factory, metric)
    index.train(sample)
    trained = time.time()
    index.add_with_ids(xb, ids)
    added = time.time()
    faiss.write_index(index, args.index)
    written = time.time()
    print(json.dumps({
        "faiss": faiss.__version__, "rows": n, "dim": d, "factory": args.factory, "train_rows": len(sample),
        "import_s": round(imported - START, 3), "read_s": round(read - imported, 3),
        "train_s": round(trained - read, 3), "add_s": round(added - trained, 3),
        "write_s": round(written - added, 3), "total_s": round(written - START, 3),
        "index_bytes": os.path.getsize(args.index),
    }))


if __name__ == "__main__":
    main()
