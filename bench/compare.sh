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

# One heavy run at a time (2 cores). The machine is shared and noisy, so both engines run
# ROUNDS times, alternating, and each side keeps its best (lowest) median per workload.
ROUNDS="${ROUNDS:-3}"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  dotnet bench/bin/Release/net10.0/TinyGrad.Bench.dll compare "$STEPS" | tee "$OUT/ours.$r.txt" >&2
  "$PY" bench/compare_torch.py "$STEPS" | tee "$OUT/torch.$r.txt" >&2
done

"$PY" - "$OUT" "$ROUNDS" "$STEPS" <<'PYEOF'
import re, sys
def parse(paths):
    r = {}
    for path in paths:
        for line in open(path):
            m = re.match(r"(\w+) (\w+) (.*)", line.strip())
            if not m:
                continue
            kv = {k: float(v) for k, v in (p.split("=") for p in m.group(3).split())}
            best = r.setdefault(m.group(2), {"median_ms": float("inf")})
            if kv["median_ms"] < best["median_ms"]:
                r[m.group(2)] = kv
    return r
out, rounds, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ours = parse([f"{out}/ours.{i}.txt" for i in range(1, rounds + 1)])
torch = parse([f"{out}/torch.{i}.txt" for i in range(1, rounds + 1)])
print(f"\nmedian of {steps} steps after warm-up; best of {rounds} alternating rounds per side")
print()
print(f"{'workload':<12} {'ours ms':>10} {'torch ms':>10} {'ratio':>8}")
ratios = {}
for name in ["mlp", "mnist_cnn", "cifar_cnn", "fit", "mlp_grad", "mlp_hvp"]:
    o, t = ours[name]["median_ms"], torch[name]["median_ms"]
    ratios[name] = o / t
    print(f"{name:<12} {o:>10.2f} {t:>10.2f} {o / t:>8.3f}")
og, ng = ours["sgemm1024"]["gflops"], torch["sgemm1024"]["gflops"]
print(f"{'sgemm1024':<12} {og:>9.1f}G {ng:>9.1f}G {og / ng:>8.3f}   (GFLOPS, ours vs numpy-OpenBLAS)")
# hvp/grad: both timed interleaved in one run; the median of the per-round ratios.
def ratio_rounds(side):
    rs = []
    for i in range(1, rounds + 1):
        one = parse([f"{out}/{side}.{i}.txt"])
        rs.append(one["mlp_hvp"]["median_ms"] / one["mlp_grad"]["median_ms"])
    rs.sort()
    return rs[len(rs) // 2]
hog = ratio_rounds("ours")
print(f"hvp/grad (interleaved, median over rounds): ours {hog:.3f}, torch {ratio_rounds('torch'):.3f}")
print(f"ratios: mlp={ratios['mlp']:.3f} mnist_cnn={ratios['mnist_cnn']:.3f} cifar_cnn={ratios['cifar_cnn']:.3f} "
      f"fit={ratios['fit']:.3f} sgemm_vs_openblas={og / ng:.3f} hvp_over_grad={hog:.3f}")
PYEOF
