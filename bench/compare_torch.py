"""PyTorch side of bench/compare.sh: the same workloads, shapes and optimizer as TinyGrad.Bench."""
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(42)
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
WARMUP = 5


def median_ms(fn, steps=STEPS, warmup=WARMUP):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def workload(name):
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 700), nn.ReLU(), nn.Linear(700, 700), nn.ReLU(),
                              nn.Linear(700, 700), nn.ReLU(), nn.Linear(700, 10))
        x, t, loss = torch.rand(100, 784) * 2 - 1, torch.randint(0, 10, (100,)), F.cross_entropy
    elif name == "mnist_cnn":
        model = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(32, 20, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(980, 48), nn.ReLU(), nn.Linear(48, 42), nn.ReLU(), nn.Linear(42, 10))
        x, t, loss = torch.rand(100, 1, 28, 28) * 2 - 1, torch.randint(0, 10, (100,)), F.cross_entropy
    elif name == "cifar_cnn":
        model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(32, 28, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(28, 28, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(448, 30), nn.ReLU(), nn.Linear(30, 30), nn.ReLU(), nn.Linear(30, 10))
        x, t, loss = torch.rand(100, 3, 32, 32) * 2 - 1, torch.randint(0, 10, (100,)), F.cross_entropy
    elif name == "fit":
        layers = [nn.Linear(1, 50), nn.ReLU()]
        for _ in range(4):
            layers += [nn.Linear(50, 50), nn.ReLU()]
        layers.append(nn.Linear(50, 1))
        model = nn.Sequential(*layers)
        x = torch.rand(10000, 1) * 2 - 1
        t, loss = torch.sin(3 * x), F.mse_loss
    else:
        raise ValueError(name)
    return model, x, t, loss


for name in ["mlp", "mnist_cnn", "cifar_cnn", "fit"]:
    model, x, t, loss = workload(name)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss(model(x), t).backward()
        opt.step()

    print(f"torch {name} median_ms={median_ms(step):.3f}", flush=True)

# HVP / grad on the mlp workload (double backward), for reference.
model, x, t, loss = workload("mlp")
params = list(model.parameters())
v = [torch.randn_like(p) for p in params]


def grad():
    torch.autograd.grad(loss(model(x), t), params)


def hvp():
    g = torch.autograd.grad(loss(model(x), t), params, create_graph=True)
    dot = sum((gi * vi).sum() for gi, vi in zip(g, v))
    torch.autograd.grad(dot, params)


# Interleaved like the C# side, so both see the same machine load.
for _ in range(WARMUP):
    grad()
    hvp()
gt, ht = [], []
for _ in range(STEPS):
    t0 = time.perf_counter()
    grad()
    gt.append((time.perf_counter() - t0) * 1e3)
    t0 = time.perf_counter()
    hvp()
    ht.append((time.perf_counter() - t0) * 1e3)
gm, hm = statistics.median(gt), statistics.median(ht)
print(f"torch mlp_grad median_ms={gm:.3f}", flush=True)
print(f"torch mlp_hvp median_ms={hm:.3f} hvp_over_grad={hm / gm:.3f}", flush=True)

n = 1024
a = np.random.rand(n, n).astype(np.float32)
b = np.random.rand(n, n).astype(np.float32)
c = np.empty((n, n), dtype=np.float32)
ms = median_ms(lambda: np.matmul(a, b, out=c), steps=max(STEPS, 20), warmup=3)
print(f"numpy sgemm1024 median_ms={ms:.3f} gflops={2.0 * n ** 3 / (ms * 1e6):.1f}", flush=True)
