#!/usr/bin/env bash
# End to end on a real cluster on loopback: starts HDFS (MiniDFSCluster), a Spark standalone master
# and two workers (separate JVMs, from the Spark distribution in the pyspark wheel), submits builds
# of the packaged jobs jar with input and bundles on hdfs://, kills a worker while shards build and
# the driver at each step of publishing, checks byte-identical rebuilds (1 vs 2 workers, 3 vs 17
# input files), pulls the bundle out of HDFS and searches it with Debian's python3-faiss, and
# schedules training on the worker that advertises a 'gpu'. Everything is torn down at the end,
# whatever happened (the harness kills every process it started; a JVM shutdown hook backs it up).
#
# Needs scripts/setup.sh and `mvn -B -DskipTests install` done first. Extra args go to Maven.
# Keep the cluster's logs and HDFS data: add -Dvecforge.keep-cluster-dir=true.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
exec mvn -B -pl cluster-tests verify "$@"
