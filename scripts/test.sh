#!/usr/bin/env bash
# Runs every test: installs prerequisites, then the full Maven build with all modules' tests.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VECFORGE_SKIP_BUILD=1 "$repo/scripts/setup.sh"
cd "$repo"
mvn -B install
