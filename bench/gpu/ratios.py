#!/usr/bin/env python3
"""Reads the `ours ...` and `cublas ...` lines of the GPU check's timing phase and the `torch ...`
lines of torch_bench.py (either file may be missing or cut short) and prints the side-by-side table.
Its last line is `ratios: ...` with whatever was measured, against the targets of the CUDA issue:
training steps ours/torch (<= 1.0), SGEMM ours/cuBLAS GFLOPS (>= 0.7), add / copy bandwidth (>= 0.8).
Usage: ratios.py TIMINGS [TORCH]"""
import os
import re
import sys


def read(path, who):
    rows = {}
    if not path or not os.path.exists(path):
        return rows
    for line in open(path, errors="replace"):
        m = re.match(rf"{who} (\w+) (?:median_ms=)?([0-9.]+)(.*)", line.strip())
        if m:
            extra = dict(kv.split("=", 1) for kv in m.group(3).split() if "=" in kv)
            rows[m.group(1)] = (float(m.group(2)), {k: float(v) for k, v in extra.items() if re.fullmatch(r"[-+0-9.eE]+", v)})
    return rows


timings = sys.argv[1] if len(sys.argv) > 1 else None
ours, cublas = read(timings, "ours"), read(timings, "cublas")
torch = read(sys.argv[2] if len(sys.argv) > 2 else None, "torch")
ratios = []
print(f"{'workload':<12} {'ours ms':>10} {'torch ms':>10} {'ratio':>7}")
for name in ["mlp", "mnist_cnn", "cifar_cnn", "fit"]:
    if name in ours and name in torch:
        r = ours[name][0] / torch[name][0]
        ratios.append(f"{name}={r:.3g}")
        print(f"{name:<12} {ours[name][0]:>10.3f} {torch[name][0]:>10.3f} {r:>7.2f}")
for name in sorted((k for k in ours if k.startswith("sgemm")), key=lambda k: int(k[5:])):
    gflops = ours[name][1]["gflops"]
    line = f"{name}: ours {gflops:.4g} GFLOPS"
    if name in cublas:
        line += f", cuBLAS (in process) {cublas[name][1]['gflops']:.4g}"
        ratios.append(f"{name}_vs_cublas={gflops / cublas[name][1]['gflops']:.3g}")
    if name in torch:
        line += f", torch.mm {torch[name][1]['gflops']:.4g}"
        ratios.append(f"{name}_vs_torch={gflops / torch[name][1]['gflops']:.3g}")
    print(line)
if "add" in ours and "copy" in ours:
    add, copy = ours["add"][1]["gbps"], ours["copy"][1]["gbps"]
    line = f"add: ours {add:.4g} GB/s, our copy {copy:.4g} GB/s"
    ratios.append(f"add_vs_copy={add / copy:.3g}")
    if "copy" in torch:
        line += f", torch copy {torch['copy'][1]['gbps']:.4g} GB/s"
        ratios.append(f"add_vs_torch_copy={add / torch['copy'][1]['gbps']:.3g}")
    print(line)
print("ratios: " + (" ".join(ratios) if ratios else "none measured"))
