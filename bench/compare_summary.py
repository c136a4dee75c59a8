"""Summary of bench/compare.sh: the table, the roofline and the one-line `ratios:` result.

Reads ours.R.txt (TinyGrad.Bench compare), peer.R.txt (openblas_peer.py) and torch.R.txt
(compare_torch.py) for every round R. Each side keeps its best round per workload (lowest median,
highest GFLOPS): the machine is shared, and noise only ever makes a run slower. The SGEMM ratio
instead pairs the two engines within each round (see sgemm_round).
Usage: python3 compare_summary.py OUT ROUNDS STEPS
"""
import re
import sys

WORKLOADS = ["mlp", "mnist_cnn", "cifar_cnn", "fit"]


def records(path):
    """Lines 'SIDE NAME k=v k=v ...' as (name, {k: v}); values that parse as numbers become floats."""
    for line in open(path):
        parts = line.split()
        if len(parts) < 3 or parts[0] not in ("ours", "torch", "peer"):
            continue
        kv = {}
        for p in parts[2:]:
            if "=" in p:
                k, v = p.split("=", 1)
                try:
                    kv[k] = float(v)
                except ValueError:
                    kv[k] = v
        yield parts[1], kv


def best(paths):
    r = {}
    for path in paths:
        for name, kv in records(path):
            if "median_ms" in kv and kv["median_ms"] < r.get(name, {"median_ms": float("inf")})["median_ms"]:
                r[name] = kv
            elif "median_ms" not in kv and name not in r:
                r[name] = kv
    return r


out, rounds, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3]
files = lambda side: [f"{out}/{side}.{i}.txt" for i in range(1, rounds + 1)]
ours, torch = best(files("ours")), best(files("torch"))

# The peer's SGEMM per requested core, best correct round each.
cores = {}
for path in files("peer"):
    for name, kv in records(path):
        if name.startswith("sgemm") and kv.get("correct") == 1.0:
            key = kv["requested"]
            if kv["gflops"] > cores.get(key, {"gflops": 0})["gflops"]:
                cores[key] = kv
if not cores:
    sys.exit("compare_summary.py: no correct OpenBLAS run")
peer_req, peer = max(cores.items(), key=lambda item: item[1]["gflops"])
torch_core = torch["blas"]["core"]
our_gflops = ours["sgemm1024"]["gflops"]
machine = max(our_gflops, peer["gflops"])

cpu = ours["cpu"]
print(f"\ncpu: family {int(cpu['family'])} model {int(cpu['model'])} ({cpu['kind']}, AVX-512 {'yes' if cpu['avx512'] else 'no'})")
print("OpenBLAS SGEMM 1024 GFLOPS on 2 threads, per OPENBLAS_CORETYPE asked->run (best correct round): " +
      ", ".join(f"{k}->{v['core']} {v['gflops']:.1f}" for k, v in cores.items()) +
      f"; torch ran on {torch_core}")
print(f"median of {steps} steps after warm-up; best of {rounds} alternating rounds per side; "
      f"roofline at {machine:.1f} GFLOPS (the run's best SGEMM)")
print()
print(f"{'workload':<12} {'ours ms':>10} {'torch ms':>10} {'ratio':>8} {'GFLOP':>8} {'roofline':>9}")
ratios, roofline = {}, {}
for name in WORKLOADS + ["mlp_grad", "mlp_hvp"]:
    o, t = ours[name]["median_ms"], torch[name]["median_ms"]
    ratios[name] = o / t
    line = f"{name:<12} {o:>10.2f} {t:>10.2f} {o / t:>8.3f}"
    if "flops" in ours[name]:
        roofline[name] = ours[name]["flops"] / (machine * 1e6) / o
        line += f" {ours[name]['flops'] / 1e9:>8.3f} {roofline[name]:>9.3f}"
    print(line)
print(f"{'sgemm1024':<12} {our_gflops:>9.1f}G {peer['gflops']:>9.1f}G {our_gflops / peer['gflops']:>8.3f}   "
      f"(GFLOPS, ours vs OpenBLAS {peer['core']}, the best correct core)")

# Each side's best round can come from different minutes of a shared machine (the clock and the other
# tenants move both by 30-70%), so the ratio that counts pairs the two SGEMMs of the same round: ours,
# then the peer's best correct core right after it; the median over rounds.
def sgemm_round(i):
    theirs = [kv["gflops"] for name, kv in records(files("peer")[i]) if name.startswith("sgemm") and kv.get("correct") == 1.0]
    return best([files("ours")[i]])["sgemm1024"]["gflops"] / max(theirs) if theirs else None


per_round = [r for r in (sgemm_round(i) for i in range(rounds)) if r is not None]
sgemm_ratio = sorted(per_round)[len(per_round) // 2]
print(f"sgemm1024 ours / OpenBLAS within each round: {', '.join(f'{r:.3f}' for r in per_round)}; median {sgemm_ratio:.3f}")


# hvp/grad: both timed interleaved in one run; the median of the per-round ratios.
def ratio_rounds(side):
    rs = sorted(one["mlp_hvp"]["median_ms"] / one["mlp_grad"]["median_ms"] for one in (best([p]) for p in files(side)))
    return rs[len(rs) // 2]


hog = ratio_rounds("ours")
print(f"hvp/grad (interleaved, median over rounds): ours {hog:.3f}, torch {ratio_rounds('torch'):.3f}")
print("ratios: " + " ".join(f"{n}={ratios[n]:.3f}" for n in WORKLOADS) +
      f" sgemm_vs_openblas={sgemm_ratio:.3f} hvp_over_grad={hog:.3f} " +
      " ".join(f"roofline_{n}={roofline[n]:.3f}" for n in WORKLOADS) +
      f" peer_core={torch_core} cpu={cpu['label']}")
