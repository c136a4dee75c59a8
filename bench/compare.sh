#!/usr/bin/env bash
# Side-by-side timing of TinyGrad.NET and PyTorch 1.13 (2 threads) on the homework workloads, and of
# our SGEMM against OpenBLAS on its best correct core here; each step against the hardware limit.
# Usage: bash bench/compare.sh [steps]   (median of `steps` (>= 20) timed steps after 5 warm-up steps)
# The last line is: ratios: mlp=X mnist_cnn=X cifar_cnn=X fit=X sgemm_vs_openblas=X hvp_over_grad=X
#   roofline_mlp=X roofline_mnist_cnn=X roofline_cifar_cnn=X roofline_fit=X peer_core=NAME cpu=zen4|zen5|other
# roofline = (FLOPs of the step / best SGEMM GFLOPS of the run) / step time: 1 is a step that runs
# as fast as its FLOPs would at the machine's best measured SGEMM rate.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-30}"
if [ "$STEPS" -lt 20 ]; then STEPS=20; fi
PY=/usr/bin/python3

# numpy numbers are the OpenBLAS ones; pin both runtimes to the same 2 threads.
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2

# numpy/torch link the generic libblas.so.3: without libopenblas0-pthread that is the slow reference BLAS.
have_openblas() { [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || ldconfig -p 2>/dev/null | grep -q libopenblas; }
if ! "$PY" -c 'import torch, numpy' >/dev/null 2>&1 || ! have_openblas; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing python3-torch python3-numpy ..." >&2
    source scripts/apt.sh
    apt_get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt_get install -y -qq python3-torch python3-numpy libopenblas0-pthread >&2
  else
    echo "compare.sh: $PY lacks torch/numpy or OpenBLAS; install python3-torch python3-numpy libopenblas0-pthread (apt-get, as root)" >&2
    exit 1
  fi
fi

echo "building Release ..." >&2
dotnet build bench/TinyGrad.Bench.csproj -c Release -nologo -v q >&2
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# The peer runs as its users would: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines for
# the tests' sake) are dropped for the peer's commands alone. openblas_peer.py times numpy's SGEMM on
# each OpenBLAS core this CPU runs correctly (autodetect, SkylakeX, Zen, Haswell); PyTorch then runs
# on the fastest correct one, and checks its own matmul before its times count.
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }

# One heavy run at a time (2 cores). The machine is shared and noisy, so both engines run
# ROUNDS times, alternating, and each side keeps its best (lowest) median per workload.
ROUNDS="${ROUNDS:-3}"
core=""
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  dotnet bench/bin/Release/net10.0/TinyGrad.Bench.dll compare "$STEPS" | tee "$OUT/ours.$r.txt" >&2
  peer "$PY" bench/openblas_peer.py "$STEPS" | tee "$OUT/peer.$r.txt" >&2
  if [ -z "$core" ]; then
    core=$(sed -n 's/^peer best core=[^ ]* requested=\([^ ]*\) .*/\1/p' "$OUT/peer.$r.txt")
    [ "$core" = none ] && { echo "compare.sh: no OpenBLAS core computes SGEMM correctly here" >&2; exit 1; }
  fi
  if [ "$core" = auto ]; then peer "$PY" bench/compare_torch.py "$STEPS"; else peer env OPENBLAS_CORETYPE="$core" "$PY" bench/compare_torch.py "$STEPS"; fi | tee "$OUT/torch.$r.txt" >&2
done

"$PY" bench/compare_summary.py "$OUT" "$ROUNDS" "$STEPS"
