#!/usr/bin/env bash
# Builds libvecforge_gpu.so with nvcc from pinned PyPI wheels: no GPU and no system CUDA needed.
#
#   build-gpu-library.sh <output.so>
#
# The toolkit (nvcc, NVVM, CRT headers, static cudart; ~250 MB unpacked) is installed once into
# ${VECFORGE_CACHE:-~/.cache/vecforge}/cuda-<version> and reused by later builds and clean clones.
# Set VECFORGE_NVCC to use another nvcc (a system CUDA 12.8+ toolkit, say).
set -euo pipefail
output="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cuda_version=13.0.88
wheels=(nvidia-cuda-nvcc nvidia-nvvm nvidia-cuda-crt nvidia-cuda-runtime)
# SASS for Ampere, Hopper and Blackwell data-centre GPUs, plus PTX that newer GPUs JIT-compile.
arches=(-gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90
        -gencode arch=compute_100,code=sm_100 -gencode arch=compute_100,code=compute_100)

nvcc="${VECFORGE_NVCC:-}"
libdir=()
if [[ -z "$nvcc" ]]; then
  toolkit="${VECFORGE_CACHE:-$HOME/.cache/vecforge}/cuda-$cuda_version"
  top="$toolkit/nvidia/cu13"
  if [[ ! -x "$top/bin/nvcc" || ! -f "$toolkit/.complete" ]]; then
    echo "gpu-library: installing the CUDA $cuda_version compiler wheels into $toolkit"
    rm -rf "$toolkit"
    # pip from a throw-away venv: Debian's own python3 refuses system-wide installs (PEP 668).
    installer="$(mktemp -d)"
    python3 -m venv "$installer"
    "$installer/bin/pip" install -q --disable-pip-version-check --no-deps --target "$toolkit" \
      "${wheels[@]/%/==$cuda_version}"
    rm -rf "$installer"
    touch "$toolkit/.complete"
  fi
  nvcc="$top/bin/nvcc"
  # The wheel's nvcc.profile looks for lib64; its static cudart lives in lib.
  libdir=(-L"$top/lib")
fi

mkdir -p "$(dirname "$output")"
echo "gpu-library: $("$nvcc" --version | tail -1) -> $output"
"$nvcc" -O3 -std=c++17 -shared -Xcompiler -fPIC -Xcompiler -Wall -cudart static "${libdir[@]}" "${arches[@]}" \
  -o "$output.tmp" "$here/vecforge_gpu.cu"
mv "$output.tmp" "$output"
