#!/usr/bin/env bash
# Runs every test: installs prerequisites, the full Maven build with all modules' tests, then the
# Airflow DAG tests.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VECFORGE_SKIP_BUILD=1 "$repo/scripts/setup.sh"
cd "$repo"
# Tests run Faiss with the OpenBLAS kernels scripts/vecforge would pick on this CPU (forked test JVMs inherit them).
source "$repo/scripts/blas-coretype.sh"
# Debian's Maven 3.8.7 prints ANSI resets even in batch mode: strip them so CI logs read as plain text.
mvn -B install 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'
# End to end on a second S3 implementation (moto's server on loopback): s3a:// in, s3:// out, pull, stock Faiss.
"$repo/scripts/s3-e2e.sh"
# The Airflow DAGs under a real Airflow (they drive the jars mvn just built).
"$repo/.venv-airflow/bin/python" -m pytest -q airflow-dags/tests
