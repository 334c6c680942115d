"""Reads vecforge bundles with stock faiss-python: no vecforge code needed.

A bundle version directory holds manifest.json and one Faiss index file per shard
(docs/bundle-format.md). Every shard shares the same trained quantizer and ids are
disjoint across shards, so searching each shard and merging the top-k by distance is the
same as searching one index holding every vector.

    import vecforge_bundle
    bundle = vecforge_bundle.open_bundle("/srv/index/demo/20261121T150000Z-3f9a1c")
    distances, ids = bundle.search(queries, k=10, nprobe=16)
    names = vecforge_bundle.external_ids(bundle.version_dir, bundle.manifest, ids.ravel())

Bundles built from string or composite ids map them to dense int64 ids; external_ids (and the
command line's "externalIds") turns those back into the input's ids, reading the id map with
pyarrow (exit 4, with the reason, when pyarrow is missing).
"""
import json
import os
import re
import sys

import numpy as np
import faiss


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        return np.zeros((0, 0), dtype=np.float32)
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:].copy().view(np.float32)


def read_i64vecs(path):
    raw = np.fromfile(path, dtype=np.uint8)
    k = int(np.frombuffer(raw[:4].tobytes(), dtype=np.int32)[0])
    row = 4 + 8 * k
    rows = raw.reshape(-1, row)
    return rows[:, 4:].copy().view(np.int64)


def _version(text):
    """(1, 15, 0, 0) from "1.15.0"; None if it is no dotted number (a manifest's value is untrusted)."""
    parts = str(text).strip().split(".")
    if not all(p.isdigit() and len(p) <= 6 for p in parts) or len(parts) > 4:
        return None
    return tuple(int(p) for p in parts) + (0,) * (4 - len(parts))


def _installed_version(text):
    """The leading numbers of an installed faiss's version: "1.8.0.post1" -> (1, 8, 0, 0)."""
    numbers = []
    for part in str(text).strip().split(".")[:4]:
        digits = re.match(r"\d*", part).group(0)
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers) + (0,) * (4 - len(numbers)) if numbers else None


class FaissTooOld(RuntimeError):
    """The bundle's files need a newer Faiss than the one imported here."""


def check_readable(manifest, faiss_version=None):
    """Raises FaissTooOld before any shard is opened when this Faiss cannot read the bundle."""
    minimum = manifest.get("faissMinReader")
    if minimum is None:  # recorded since vecforge 0.1 on Faiss 1.15; older bundles are 1.7.3-readable
        return
    have = faiss_version or faiss.__version__
    need = _version(minimum)
    if need is None or _installed_version(have) is None or _installed_version(have) < need:
        raise FaissTooOld("bundle %s needs Faiss %s or newer to read (built with faiss %s as %s); this "
                          "reader has faiss %s: upgrade faiss here first"
                          % (manifest.get("version"), minimum, manifest.get("faissVersion"),
                             manifest.get("vectors", {}).get("factory"), have))


class Bundle:
    def __init__(self, version_dir):
        self.version_dir = version_dir
        with open(os.path.join(version_dir, "manifest.json")) as f:
            self.manifest = json.load(f)
        check_readable(self.manifest)
        self.metric = self.manifest["vectors"]["metric"]
        self.shards = [faiss.read_index(os.path.join(version_dir, s["file"]))
                       for s in self.manifest["shards"]]
        for shard, entry in zip(self.shards, self.manifest["shards"]):
            if shard.ntotal != entry["rows"]:
                raise ValueError("%s holds %d vectors, manifest says %d"
                                 % (entry["file"], shard.ntotal, entry["rows"]))

    @property
    def ntotal(self):
        return sum(s.ntotal for s in self.shards)

    def search(self, queries, k=10, nprobe=None):
        queries = np.array(queries, dtype=np.float32, order="C")
        if self.metric == "cosine":
            faiss.normalize_L2(queries)  # the index holds L2-normalised vectors, searched by inner product
        if nprobe is None:  # the bundle's recommended nprobe, else the one validation used
            nprobe = (self.manifest.get("search") or {}).get("nprobe") or self.manifest["validation"]["nprobe"]
        smaller_is_closer = self.metric == "l2"  # ip and cosine: larger is closer
        all_d, all_i = [], []
        for shard in self.shards:
            faiss.extract_index_ivf(shard).nprobe = nprobe
            d, i = shard.search(queries, k)
            all_d.append(d)
            all_i.append(i)
        d = np.concatenate(all_d, axis=1)
        i = np.concatenate(all_i, axis=1)
        out_d = np.empty((len(queries), k), dtype=np.float32)
        out_i = np.full((len(queries), k), -1, dtype=np.int64)
        for q in range(len(queries)):
            hits = [(float(dist), int(idx)) for dist, idx in zip(d[q], i[q]) if idx >= 0]
            # Same order as vecforge: best distance first, ties on the smaller id.
            hits.sort(key=lambda h: (h[0] if smaller_is_closer else -h[0], h[1]))
            for r, (dist, idx) in enumerate(hits[:k]):
                out_d[q, r] = dist
                out_i[q, r] = idx
        return out_d, out_i


class ExternalIdsUnreadable(Exception):
    """The bundle maps external ids, and reading its id map (Parquet) needs pyarrow."""


def external_ids(version_dir, manifest, wanted):
    """External id of each wanted internal id, as vecforge prints them ("value", or "col=value,..." for
    composite ids); None when the bundle's ids are the input's own int64 ids."""
    ids = manifest.get("ids") or {}
    if not ids.get("external"):
        return None
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ExternalIdsUnreadable("this bundle maps external ids %s; reading its id map (Parquet) needs"
                                    " pyarrow (pip install pyarrow)" % ids.get("columns")) from e
    wanted = set(int(i) for i in wanted if i >= 0)
    found = {}
    for entry in manifest.get("files", []):
        if entry.get("role") != "id-map":
            continue
        table = pq.read_table(os.path.join(version_dir, entry["file"]))
        names = table.column_names
        columns = [table.column(n).to_pylist() for n in names]
        for row, internal in enumerate(columns[0]):
            if internal in wanted:
                values = [str(c[row]) for c in columns[1:]]
                found[internal] = values[0] if len(values) == 1 else ",".join(
                    "%s=%s" % (n, v) for n, v in zip(names[1:], values))
    return found


def open_bundle(path):
    """A version directory, or an index directory whose LATEST names the version."""
    latest = os.path.join(path, "LATEST")
    if not os.path.exists(os.path.join(path, "manifest.json")) and os.path.exists(latest):
        with open(latest) as f:
            path = os.path.join(path, f.read().strip())
    return Bundle(path)


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(description="Search a vecforge bundle with stock faiss-python.")
    parser.add_argument("bundle")
    parser.add_argument("--queries", required=True, help=".fvecs file of query vectors")
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--nprobe", type=int)
    args = parser.parse_args(argv)
    try:
        bundle = open_bundle(args.bundle)
    except FaissTooOld as e:
        print("vecforge_bundle: refused: %s" % e, file=sys.stderr)
        sys.exit(3)
    d, i = bundle.search(read_fvecs(args.queries), args.k, args.nprobe)
    try:
        external = external_ids(bundle.version_dir, bundle.manifest, i.ravel().tolist())
    except ExternalIdsUnreadable as e:
        print("vecforge_bundle: %s" % e, file=sys.stderr)
        sys.exit(4)
    results = []
    for q in range(len(i)):
        result = {"ids": i[q].tolist(), "distances": d[q].tolist()}
        if external is not None:
            result["externalIds"] = [external.get(int(x)) for x in i[q]]
        results.append(result)
    print(json.dumps({"faiss": faiss.__version__, "ntotal": bundle.ntotal, "results": results}))


if __name__ == "__main__":
    main(sys.argv[1:])
