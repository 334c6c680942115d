# Sourced by scripts/vecforge and scripts/vecforge-pull: chooses OpenBLAS's kernels from the CPU's feature flags
# when OPENBLAS_CORETYPE is not set. OpenBLAS picks them from the CPU's family and model, and a model newer than
# it knows gets its SSE3 kernels: Debian 12's OpenBLAS 0.3.21 on Emerald Rapids (family 6, model 207) ran
# "Prescott", and a 1M x 128 build trained in 4.3 s instead of 2.6 s and added in 5.5 s instead of 3.1 s (README,
# Performance). SkylakeX's and Haswell's sgemm kernels are the ones OpenBLAS runs on every AVX-512 and AVX2 CPU
# it does know (Cooperlake, Sapphire Rapids and Zen share them). A build logs a warning when the kernels still
# fall short of the CPU (SimdDispatch.blasAdvice): executors on a cluster need spark.executorEnv.OPENBLAS_CORETYPE.
# VECFORGE_CPUINFO: another cpuinfo file to read (tests).
vf_cpuinfo="${VECFORGE_CPUINFO:-/proc/cpuinfo}"
if [[ -z "${OPENBLAS_CORETYPE:-}" && -r "$vf_cpuinfo" ]]; then
  cpu_flags=" $(grep -m1 '^flags' "$vf_cpuinfo" || true) "
  has_flags() { local f; for f in "$@"; do [[ "$cpu_flags" == *" $f "* ]] || return 1; done; }
  if has_flags avx512f avx512bw avx512dq avx512vl avx512cd; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif has_flags avx2 fma; then
    export OPENBLAS_CORETYPE=Haswell
  fi
  unset -f has_flags
  unset cpu_flags
fi
unset vf_cpuinfo
