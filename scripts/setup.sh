#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test vecforge, then builds it.
# Idempotent: installs only missing packages. Set VECFORGE_SKIP_BUILD=1 to install only.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Faiss itself is built from its pinned source by faiss/cppbuild.sh (cmake, ninja); Debian's python3-faiss
# (1.7.3) stays for the interop checks only.
# libopenblas0-openmp: the OpenBLAS build that shares Faiss's OpenMP threads (faiss/pom.xml links it).
# chromium: the report test opens report.html in a real headless browser.
packages=(openjdk-17-jdk-headless maven g++ cmake ninja-build libopenblas-dev libopenblas0-openmp python3-faiss
          python3-numpy python3-venv chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# A Spark distribution for spark-submit tests: the pyspark wheel carries one (bin/spark-submit,
# jars/), pinned to the Spark version the build compiles against.
spark_version="$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' "$repo/pom.xml")"
venv="$repo/.venv-spark"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import pyspark,sys; sys.exit(pyspark.__version__ != '$spark_version')" 2>/dev/null; then
  echo "setup: installing pyspark $spark_version into $venv"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q "pyspark==$spark_version"
fi
# The newest faiss-cpu from PyPI, for interop checks beside Debian's python3-faiss.
faiss_venv="$repo/.venv-faiss"
# pyarrow: vecforge_bundle.py reads a bundle's id map (Parquet) to return external ids.
if [[ ! -x "$faiss_venv/bin/python" ]] || ! "$faiss_venv/bin/python" -c "import faiss, numpy, pyarrow" 2>/dev/null; then
  echo "setup: installing the newest faiss-cpu (and pyarrow) into $faiss_venv"
  rm -rf "$faiss_venv"
  /usr/bin/python3 -m venv "$faiss_venv"
  "$faiss_venv/bin/pip" install -q --upgrade faiss-cpu numpy pyarrow
fi
# Airflow for the DAG tests (airflow-dags/): a real Airflow 3 with the Spark provider, pinned to
# the versions the DAGs are tested with.
airflow_venv="$repo/.venv-airflow"
# boto3: the DAG's input sensor on s3a:// and s3:// paths.
airflow_pins=(apache-airflow==3.3.2 apache-airflow-providers-apache-spark==6.3.4 pytest boto3==1.44.5)
if [[ ! -x "$airflow_venv/bin/airflow" ]] || ! "$airflow_venv/bin/python" -c "import airflow, boto3, pytest, sys; sys.exit(airflow.__version__ != '3.3.2')" 2>/dev/null; then
  echo "setup: installing ${airflow_pins[*]} into $airflow_venv"
  rm -rf "$airflow_venv"
  /usr/bin/python3 -m venv "$airflow_venv"
  "$airflow_venv/bin/pip" install -q "${airflow_pins[@]}"
fi
# moto's S3 server: the second, independent S3 implementation of the end-to-end S3 test (s3-e2e.sh),
# started on loopback only. boto3 comes with it, for vecforge_bundle.py's S3 reads.
moto_venv="$repo/.venv-moto"
moto_pins=(moto[server]==5.2.5)
if [[ ! -x "$moto_venv/bin/moto_server" ]] || ! "$moto_venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '5.2.5')" 2>/dev/null; then
  echo "setup: installing ${moto_pins[*]} into $moto_venv"
  rm -rf "$moto_venv"
  /usr/bin/python3 -m venv "$moto_venv"
  "$moto_venv/bin/pip" install -q "${moto_pins[@]}"
fi
# SPARK_HOME for tests and scripts: the Spark distribution inside the wheel.
ln -sfn "$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')" "$venv/spark-home"

if [[ "${VECFORGE_SKIP_BUILD:-0}" != 1 ]]; then
  echo "setup: building vecforge (mvn install, tests skipped)"
  (cd "$repo" && mvn -B -q -DskipTests install)
fi
