"""Reads index files with whatever faiss-python this interpreter has and searches them.

    read_with_faiss.py QUERIES.fvecs K NPROBE INDEX...

Prints one JSON object: {"faiss": version, "results": {INDEX: {"ids": [[...]]} | {"error": msg}}}.
Each file is read in a child process: an old Faiss may abort the process on a file it cannot read.
"""
import json
import subprocess
import sys

import numpy as np
import faiss


def search_one(queries_path, k, nprobe, path):
    raw = np.fromfile(queries_path, dtype=np.int32)
    d = raw[0]
    queries = raw.reshape(-1, d + 1)[:, 1:].copy().view(np.float32)
    index = faiss.read_index(path)
    faiss.extract_index_ivf(index).nprobe = nprobe
    _, ids = index.search(queries, k)
    return ids.tolist()


def main():
    if sys.argv[1] == "--one":
        print(json.dumps(search_one(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])))
        return
    queries_path, k, nprobe = sys.argv[1], sys.argv[2], sys.argv[3]
    results = {}
    for path in sys.argv[4:]:
        child = subprocess.run([sys.executable, __file__, "--one", queries_path, k, nprobe, path],
                               capture_output=True, text=True)
        if child.returncode == 0:
            results[path] = {"ids": json.loads(child.stdout)}
        else:
            lines = [line for line in child.stderr.strip().splitlines() if line.strip()]
            results[path] = {"error": "exit %d: %s" % (child.returncode, lines[-1] if lines else "")}
    print(json.dumps({"faiss": faiss.__version__, "results": results}))


if __name__ == "__main__":
    main()
