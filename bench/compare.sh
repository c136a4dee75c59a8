#!/usr/bin/env bash
# Side-by-side timing of TinyGrad.NET and PyTorch 1.13 (2 threads) on the homework workloads.
# Usage: bash bench/compare.sh [steps]   (median of `steps` (>= 20) timed steps after 5 warm-up steps)
# The last line is: ratios: mlp=X mnist_cnn=X cifar_cnn=X fit=X sgemm_vs_openblas=X hvp_over_grad=X
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
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy libopenblas0-pthread >&2
  else
    echo "compare.sh: $PY lacks torch/numpy or OpenBLAS; install python3-torch python3-numpy libopenblas0-pthread (apt-get, as root)" >&2
    exit 1
  fi
fi

echo "building Release ..." >&2
dotnet build bench/TinyGrad.Bench.csproj -c Release -nologo -v q >&2
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# One heavy run at a time (2 cores): ours first, then PyTorch.
dotnet bench/bin/Release/net10.0/TinyGrad.Bench.dll compare "$STEPS" | tee "$OUT/ours.txt" >&2
"$PY" bench/compare_torch.py "$STEPS" | tee "$OUT/torch.txt" >&2

"$PY" - "$OUT/ours.txt" "$OUT/torch.txt" <<'PYEOF'
import re, sys, platform, subprocess
def parse(path):
    r = {}
    for line in open(path):
        m = re.match(r"(\w+) (\w+) (.*)", line.strip())
        if not m:
            continue
        kv = dict(p.split("=") for p in m.group(3).split())
        r[m.group(2)] = {k: float(v) for k, v in kv.items()}
    return r
ours, torch = parse(sys.argv[1]), parse(sys.argv[2])
print()
print(f"{'workload':<12} {'ours ms':>10} {'torch ms':>10} {'ratio':>8}")
ratios = {}
for name in ["mlp", "mnist_cnn", "cifar_cnn", "fit", "mlp_grad", "mlp_hvp"]:
    o, t = ours[name]["median_ms"], torch[name]["median_ms"]
    ratios[name] = o / t
    print(f"{name:<12} {o:>10.2f} {t:>10.2f} {o / t:>8.3f}")
og, ng = ours["sgemm1024"]["gflops"], torch["sgemm1024"]["gflops"]
print(f"{'sgemm1024':<12} {og:>9.1f}G {ng:>9.1f}G {og / ng:>8.3f}   (GFLOPS, ours vs numpy-OpenBLAS)")
hog = ours["mlp_hvp"]["hvp_over_grad"]
print(f"hvp/grad: ours {hog:.3f}, torch {torch['mlp_hvp']['hvp_over_grad']:.3f}")
print(f"ratios: mlp={ratios['mlp']:.3f} mnist_cnn={ratios['mnist_cnn']:.3f} cifar_cnn={ratios['cifar_cnn']:.3f} "
      f"fit={ratios['fit']:.3f} sgemm_vs_openblas={og / ng:.3f} hvp_over_grad={hog:.3f}")
PYEOF
