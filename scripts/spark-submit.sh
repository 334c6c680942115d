#!/usr/bin/env bash
# Submits a build to a Spark cluster with the spark-submit jar (Spark, Hadoop and Parquet are
# provided by the cluster). Usage:
#   scripts/spark-submit.sh --master spark://host:7077 [spark-submit options] -- build --config conf/x.properties
# Defaults come before your options, so a --conf of yours overrides them: shuffle compression is off, as the
# shard shuffle carries float vectors, which LZ4 does not shrink, and so are shuffle checksums, which only name
# the cause of a corruption the codec detected (none without one); executors' C2 inlines less, as scripts/vecforge's
# JVM does (fewer, smaller JIT compiles). Executors need libopenblas0 and libgomp1 installed (Debian: apt-get install libopenblas0 libgomp1).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$(ls "$repo"/jobs/target/vecforge-jobs-*-spark.jar | head -n 1)"
spark_args=()
while (($#)) && [[ "$1" != "--" ]]; do spark_args+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
exec "${SPARK_SUBMIT:-spark-submit}" \
  --conf spark.shuffle.compress=false \
  --conf spark.shuffle.checksum.enabled=false \
  --conf "spark.executor.extraJavaOptions=-XX:FreqInlineSize=100 -XX:InlineSmallCode=1000" \
  "${spark_args[@]}" \
  --class io.vecforge.cli.VecforgeCli \
  --conf spark.executorEnv.OPENBLAS_NUM_THREADS=1 \
  --conf spark.yarn.appMasterEnv.OPENBLAS_NUM_THREADS=1 \
  "$jar" "$@"
