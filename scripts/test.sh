#!/usr/bin/env bash
# Runs every test: installs prerequisites, the full Maven build with all modules' tests, then the
# Airflow DAG tests.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VECFORGE_SKIP_BUILD=1 "$repo/scripts/setup.sh"
cd "$repo"
mvn -B install
# The Airflow DAGs under a real Airflow (they drive the jars mvn just built).
"$repo/.venv-airflow/bin/python" -m pytest -q airflow-dags/tests
