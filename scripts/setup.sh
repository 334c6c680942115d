#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test vecforge, then builds it.
# Idempotent: installs only missing packages. Set VECFORGE_SKIP_BUILD=1 to install only.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(openjdk-17-jdk-headless maven g++ libfaiss-dev libopenblas-dev python3-faiss python3-numpy)
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

if [[ "${VECFORGE_SKIP_BUILD:-0}" != 1 ]]; then
  echo "setup: building vecforge (mvn install, tests skipped)"
  (cd "$repo" && mvn -B -q -DskipTests install)
fi
