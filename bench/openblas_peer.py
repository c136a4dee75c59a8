"""The OpenBLAS peer of bench/compare.sh, configured as its users would run it.

numpy's SGEMM (Debian links OpenBLAS as libblas.so.3) is timed once per OpenBLAS core type:
autodetect, then SkylakeX, Zen and Haswell forced with OPENBLAS_CORETYPE. Each runs in its own
process with OPENBLAS_L2_SIZE unset (an inherited value belongs to tests and CI, not to the peer),
checks its product against float64 before its time counts, and prints one line:

  peer sgemm1024 requested=NAME core=NAME gflops=X max_rel_err=X correct=1|0
  peer best core=NAME requested=NAME gflops=X

`requested` is the OPENBLAS_CORETYPE value ("auto" = unset) and `core` what openblas_get_corename
reports. A core this processor cannot run (SIGILL) or that computes wrong results is skipped.
Usage: python3 openblas_peer.py [steps]
"""
import os
import subprocess
import sys

N = 1024
CORES = ["auto", "SkylakeX", "Zen", "Haswell"]
# Normwise relative error of a float32 product of depth 1024 is about 1e-7 to 1e-6.
TOLERANCE = 1e-5


def child(steps):
    import ctypes
    import statistics
    import time

    import numpy as np

    rng = np.random.default_rng(7)
    a = rng.random((N, N), dtype=np.float32) * 2 - 1
    b = rng.random((N, N), dtype=np.float32) * 2 - 1
    c = np.empty((N, N), dtype=np.float32)
    np.matmul(a, b, out=c)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    err = float(np.abs(c - exact).max() / np.abs(exact).max())
    times = []
    for i in range(3 + steps):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        if i >= 3:
            times.append(time.perf_counter() - t0)
    ms = statistics.median(times) * 1e3
    print(f"core={corename(ctypes)} gflops={2.0 * N ** 3 / (ms * 1e6):.1f} max_rel_err={err:.2e}")


def corename(ctypes):
    """openblas_get_corename from the BLAS numpy loaded (found in this process's mappings)."""
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if "blas" in line and line.rstrip().endswith((".so", ".so.0", ".so.3"))})
    for path in libs:
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_corename"):
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
    return "not-openblas"


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    best = None
    for requested in CORES:
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        if requested != "auto":
            env["OPENBLAS_CORETYPE"] = requested
        run = subprocess.run([sys.executable, __file__, "--child", str(steps)], env=env, capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            why = f"signal {-run.returncode}" if run.returncode < 0 else f"exit {run.returncode}"
            print(f"peer sgemm{N} requested={requested} core=none gflops=0 max_rel_err=nan correct=0 ({why})", flush=True)
            continue
        fields = dict(p.split("=", 1) for p in run.stdout.split())
        correct = float(fields["max_rel_err"]) < TOLERANCE
        print(f"peer sgemm{N} requested={requested} {run.stdout.strip()} correct={int(correct)}", flush=True)
        if correct and (best is None or float(fields["gflops"]) > best[2]):
            best = (requested, fields["core"], float(fields["gflops"]))
    if best is None:
        print("peer best core=none requested=none gflops=0", flush=True)
        sys.exit(1)
    print(f"peer best core={best[1]} requested={best[0]} gflops={best[2]:.1f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
