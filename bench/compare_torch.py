"""PyTorch side of bench/compare.sh: the same workloads, shapes and optimizer as TinyGrad.Bench (SGEMM: openblas_peer.py)."""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(42)
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
WARMUP = 5


def check_blas():
    """The BLAS torch runs on (OpenBLAS core from OPENBLAS_CORETYPE or autodetect) must be right here before its times count."""
    import ctypes

    from openblas_peer import corename

    a, b = torch.rand(512, 512) * 2 - 1, torch.rand(512, 512) * 2 - 1
    exact = a.double() @ b.double()
    err = ((a @ b).double() - exact).abs().max().item() / exact.abs().max().item()
    print(f"torch blas core={corename(ctypes)} max_rel_err={err:.2e}", flush=True)
    if not err < 1e-5:
        sys.exit(f"compare_torch.py: torch's matmul is wrong on this machine (max relative error {err:.2e})")


check_blas()


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

