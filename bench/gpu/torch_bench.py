#!/usr/bin/env python3
"""PyTorch timings of the bench/compare.sh workloads, for the GPU side-by-side table:
`python3 torch_bench.py [cuda|cpu] [--tiny]` (cpu and --tiny: the dry run on a machine without a GPU).

Prints one line per workload: `torch <name> <median milliseconds>` (and GFLOPS / GB/s where that
is the measure). Median of 30 timed steps after warm-up, synchronised, TF32 off.
TINYGRAD_GPU_CHECK_HANG=torch makes it hang part-way (run.sh's timeout must cut it).
"""
import os
import statistics
import sys
import time

import torch
import torch.nn as nn

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
args = [a for a in sys.argv[1:] if not a.startswith("--")]
tiny = "--tiny" in sys.argv
dev = torch.device(args[0] if args else "cuda")
batch = 1 if tiny else 100  # the dry run's batch, as the check's --tiny
torch.manual_seed(0)


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def median_ms(step, warmup=5, repeats=30):
    if tiny:
        warmup, repeats = 1, 3
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def train_step(model, x, y, loss_fn):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def workloads():
    ce = nn.functional.cross_entropy
    mlp = nn.Sequential(nn.Linear(784, 700), nn.ReLU(), nn.Linear(700, 700), nn.ReLU(), nn.Linear(700, 700), nn.ReLU(), nn.Linear(700, 10)).to(dev)
    yield "mlp", train_step(mlp, torch.randn(batch, 784, device=dev), torch.randint(0, 10, (batch,), device=dev), ce)
    mnist = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 20, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(980, 48), nn.ReLU(), nn.Linear(48, 42), nn.ReLU(), nn.Linear(42, 10)).to(dev)
    yield "mnist_cnn", train_step(mnist, torch.randn(batch, 1, 28, 28, device=dev), torch.randint(0, 10, (batch,), device=dev), ce)
    cifar = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 28, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(28, 28, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(448, 30), nn.ReLU(), nn.Linear(30, 30), nn.ReLU(), nn.Linear(30, 10)).to(dev)
    yield "cifar_cnn", train_step(cifar, torch.randn(batch, 3, 32, 32, device=dev), torch.randint(0, 10, (batch,), device=dev), ce)
    layers = [nn.Linear(1, 50), nn.ReLU()]
    for _ in range(4):
        layers += [nn.Linear(50, 50), nn.ReLU()]
    fit = nn.Sequential(*layers, nn.Linear(50, 1)).to(dev)
    x = torch.linspace(0, 5, 100 * batch, device=dev).unsqueeze(1)
    yield "fit", train_step(fit, x, torch.sin(x) + torch.cos(x * x), nn.functional.mse_loss)


def main():
    print(f"torch {torch.__version__} on {dev}" + (f" ({torch.cuda.get_device_name(dev)})" if dev.type == "cuda" else ""), flush=True)
    for n in [64, 128] if tiny else [1024, 4096]:
        a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
        ms = median_ms(lambda: torch.mm(a, b))
        print(f"torch sgemm{n} {ms:.4f} gflops={2 * n ** 3 / ms / 1e6:.1f}", flush=True)
    if "torch" in os.environ.get("TINYGRAD_GPU_CHECK_HANG", "").split(","):
        print("torch: hanging on purpose (TINYGRAD_GPU_CHECK_HANG=torch)", flush=True)
        while True:
            time.sleep(3600)
    for name, step in workloads():
        print(f"torch {name} {median_ms(step):.4f}", flush=True)
    m = (1 << 16) if tiny else 64 * 1024 * 1024
    x, y, z = torch.randn(m, device=dev), torch.randn(m, device=dev), torch.empty(m, device=dev)
    ms = median_ms(lambda: z.copy_(x))
    print(f"torch copy {ms:.4f} gbps={2 * 4 * m / ms / 1e6:.1f}")
    ms = median_ms(lambda: torch.add(x, y, out=z))
    print(f"torch add {ms:.4f} gbps={3 * 4 * m / ms / 1e6:.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
