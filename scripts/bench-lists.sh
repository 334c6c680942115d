#!/usr/bin/env bash
# A built version's shard searched as validation searches it, its inverted lists loaded whole against left in
# the file (FaissIndex.readListsOnDisk): load, sweep and id times and the C heap, alternating.
# usage: scripts/bench-lists.sh VERSION_DIR [SHARD_NUMBER] [ROUNDS]   (a local version, e.g. a bench's bundle)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${1:?usage: bench-lists.sh VERSION_DIR [SHARD_NUMBER] [ROUNDS]}"
shard="$(printf '%s/shard-%05d.faiss' "$version" "${2:-0}")"
queries="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["validation"]["queriesFile"])' "$version/manifest.json")"
cp="$(ls "$repo"/jobs/target/lib/vecforge-faiss-*.jar "$repo"/jobs/target/lib/javacpp-*.jar | tr '\n' ':')"
exec java -cp "$cp" "$repo/scripts/bench/ListsOnDiskBench.java" "$shard" "$version/$queries" "${3:-3}"
