#!/usr/bin/env bash
# Spark resource discovery script for NVIDIA GPUs. Prints the resource and its addresses, e.g.
#   {"name": "gpu", "addresses": ["0", "1"]}
# Standalone workers: spark.worker.resource.gpu.amount=<n> and
#   spark.worker.resource.gpu.discoveryScript=/path/to/scripts/gpu-discovery.sh
# YARN / Kubernetes executors: spark.executor.resource.gpu.discoveryScript (or vecforge's
#   train.gpu.discovery-script for the executor started for training).
# No nvidia-smi or no GPU: an empty address list (Spark then refuses a worker that promised GPUs).
set -euo pipefail
name="${VECFORGE_GPU_RESOURCE:-gpu}"
addresses=""
if command -v nvidia-smi >/dev/null 2>&1; then
  addresses="$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null \
    | tr -d ' ' | awk 'NF { printf "%s\"%s\"", (n++ ? ", " : ""), $1 }')" || addresses=""
fi
printf '{"name": "%s", "addresses": [%s]}\n' "$name" "$addresses"
