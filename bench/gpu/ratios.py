#!/usr/bin/env python3
"""Reads the `ours ...` lines of `TinyGrad.Bench gpu` and the `torch ...` lines of torch_bench.py and
prints the GPU side-by-side table; its last lines are the ratios the CUDA issue sets targets for:
training steps ours/torch (<= 1.0), SGEMM ours/cuBLAS GFLOPS (>= 0.7), our add / torch copy bandwidth (>= 0.8)."""
import re
import sys


def read(path, who):
    rows = {}
    for line in open(path):
        m = re.match(rf"{who} (\w+) (?:median_ms=)?([0-9.]+)(.*)", line.strip())
        if m:
            extra = dict(kv.split("=") for kv in m.group(3).split())
            rows[m.group(1)] = (float(m.group(2)), {k: float(v) for k, v in extra.items()})
    return rows


ours, torch = read(sys.argv[1], "ours"), read(sys.argv[2], "torch")
print(f"{'workload':<12} {'ours ms':>10} {'torch ms':>10} {'ratio':>7}")
ratios = []
for name in ["mlp", "mnist_cnn", "cifar_cnn", "fit"]:
    if name in ours and name in torch:
        r = ours[name][0] / torch[name][0]
        ratios.append(f"{name}={r:.2f}")
        print(f"{name:<12} {ours[name][0]:>10.3f} {torch[name][0]:>10.3f} {r:>7.2f}")
for name in [k for k in ours if k.startswith("sgemm") and k in torch]:
    g = ours[name][1]["gflops"] / torch[name][1]["gflops"]
    print(f"{name}: ours {ours[name][1]['gflops']:.0f} GFLOPS, torch.matmul (cuBLAS) {torch[name][1]['gflops']:.0f} GFLOPS")
    ratios.append(f"{name}_vs_torch={g:.2f}")
if "add" in ours and "copy" in torch:
    b = ours["add"][1]["gbps"] / torch["copy"][1]["gbps"]
    print(f"add: ours {ours['add'][1]['gbps']:.0f} GB/s (our copy {ours.get('copy', (0, {'gbps': 0}))[1]['gbps']:.0f}), torch copy {torch['copy'][1]['gbps']:.0f} GB/s")
    ratios.append(f"add_vs_torch_copy={b:.2f}")
print("ratios: " + " ".join(ratios))
