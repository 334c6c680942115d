#!/usr/bin/env bash
# The main job on the embedded default: installs prerequisites, builds vecforge, generates
# 200,000 x 64 synthetic embeddings, builds and publishes an index on embedded Spark
# (local[*], local files), validates and inspects it.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${VECFORGE_DEMO_DIR:-/tmp/vecforge-demo}"

"$repo/scripts/setup.sh"
rm -rf "$work"
"$repo/scripts/vecforge" gen-data --output "file://$work/input" --rows 200000 --dim 64 --files 4 --seed 1
"$repo/scripts/vecforge" build --config "$repo/conf/example-index.properties" \
  --input "file://$work/input" --output "file://$work/bundles"
"$repo/scripts/vecforge" validate "file://$work/bundles/demo"
"$repo/scripts/vecforge" inspect "file://$work/bundles/demo"
echo "demo: bundle published under $work/bundles/demo (LATEST names the version)"
