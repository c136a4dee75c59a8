# The same program as Program.cs, written for PyTorch (1.13, CPU): train a small CNN (synthetic stand-in
# digits, or MNIST with --data-dir DIR), save its state dict, load it into a fresh model moved with .to(device)
# for each device named (default: cpu), check identical predictions, and check a custom autograd.Function
# with gradcheck and gradgradcheck. Run: /usr/bin/python3 samples/CnnStateDict/reference.py
import gzip, os, sys, tempfile
import numpy as np
import torch
from torch import nn

args = sys.argv[1:]
data_dir = args[args.index("--data-dir") + 1] if "--data-dir" in args else None
devices = [a for i, a in enumerate(args) if "--data-dir" not in args[max(i - 1, 0):i + 1]] or ["cpu"]

def idx(path):  # MNIST's IDX files (torchvision.datasets.MNIST reads them, when installed)
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    dims = np.frombuffer(data, ">i4", data[3], 4)
    return torch.from_numpy(np.frombuffer(data, np.uint8, offset=4 + 4 * data[3]).reshape(dims).copy())

def mnist(prefix):
    find = lambda stem: next(p for p in (os.path.join(data_dir, stem), os.path.join(data_dir, stem + ".gz")) if os.path.exists(p))
    return idx(find(prefix + "-images-idx3-ubyte")).float().div(255).unsqueeze(1), idx(find(prefix + "-labels-idx1-ubyte")).long()

def synthetic(count, seed):  # a stand-in for TinyGrad's SyntheticDigits: one noisy template per class
    g = torch.Generator().manual_seed(seed)
    templates = (torch.rand(10, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.7).float()
    labels = torch.randint(0, 10, (count,), generator=g)
    return (templates[labels] + 0.3 * torch.rand(count, 1, 28, 28, generator=g)).clamp(0, 1), labels

train = mnist("train") if data_dir else synthetic(4096, 1)
test = tuple(t[:1000] for t in mnist("t10k")) if data_dir else synthetic(1000, 2)
normalize = lambda x: (x - 0.1307) / 0.3081
print(f"data: {len(train[1])} training and {len(test[1])} test samples")

def cnn(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, 10))

model = cnn(1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in (1, 2):
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*train), batch_size=64, shuffle=True,
                                         generator=torch.Generator().manual_seed(epoch))
    total = 0.0
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(normalize(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: mean loss {total / len(loader):.4f}")
images, labels = normalize(test[0]), test[1]
model.eval()
with torch.no_grad():
    expected = model(images)
accuracy = (expected.argmax(1) == labels).float().mean().item()
print(f"test accuracy: {100 * accuracy:.1f} %")

path = os.path.join(tempfile.gettempdir(), f"cnn-{os.getpid()}.pt")
torch.save(model.state_dict(), path)

class Swish(torch.autograd.Function):  # recomputes sigmoid in backward, so double backward is exact
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad * (s + x * s * (1 - s))

failed = 0 if accuracy > 0.8 else 1
for name in devices:
    device = torch.device(name)
    fresh = cnn(2).to(device)
    fresh.load_state_dict(torch.load(path, map_location=device))
    fresh.eval()
    with torch.no_grad():
        logits = fresh(images.to(device)).cpu()
    worst = (logits - expected).abs().max().item()
    same = torch.equal(logits.argmax(1), expected.argmax(1)) and (worst == 0 if name == "cpu" else worst <= 1e-4)
    print(f"{name}: reloaded model, {'identical' if same else 'DIFFERENT'} predictions (largest logit difference {worst:.1e})")
    x = torch.randn(4, 5, dtype=torch.float64, device=device, requires_grad=True)
    custom = torch.autograd.gradcheck(Swish.apply, (x,)) and torch.autograd.gradgradcheck(Swish.apply, (x,))
    print(f"custom op: gradcheck and gradgradcheck {'passed' if custom else 'failed'}")
    print(f"{'ok' if same and custom else 'FAILED'}: {name}")
    failed += 0 if same and custom else 1
os.remove(path)
sys.exit(1 if failed else 0)
