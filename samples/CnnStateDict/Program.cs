// A consumer of the TinyGrad packages, step by step as a PyTorch user would: train a small CNN on cpu
// (synthetic digits, or MNIST with --data-dir DIR), save its state dict, load it into a fresh model moved
// with To(device) to each device named on the command line (default: every device the registry lists as
// available here), check that it predicts what the trained model predicts, and check a custom op (Autograd.Function with a saved tensor)
// with the public gradcheck and gradgradcheck there. Exit code 0 only when every check passes.
using TinyGrad;
using TinyGrad.Data;
using TinyGrad.Kernels;
using TinyGrad.Nn;
using TinyGrad.Optim;

int at = Array.IndexOf(args, "--data-dir");
string? dataDir = at >= 0 ? args[at + 1] : null;
string[] devices = [.. args.Where((a, i) => at < 0 || (i != at && i != at + 1))];
if (devices.Length == 0) devices = [.. Device.List().Where(d => d.Available).Select(d => d.Name)];

Device.Default = Device.Cpu;
var train = dataDir is null ? SyntheticDigits.Train(count: 4096) : Mnist.Load(dataDir, train: true);
var test = dataDir is null ? SyntheticDigits.Test(count: 1000) : Mnist.Load(dataDir, train: false);
if (test.Count > 1000) test = test.Subset([.. Enumerable.Range(0, 1000)]);
Console.WriteLine($"data: {train}; {test}");

var model = Cnn(seed: 1);
var optimizer = new Sgd(model.Parameters(), lr: 0.05, momentum: 0.9);
for (int epoch = 1; epoch <= 2; epoch++)
{
    double sum = 0;
    var loader = new DataLoader(train, batchSize: 64, seed: (ulong)epoch, normalization: Normalization.Mnist);
    foreach (var batch in loader)
    {
        var loss = Functional.CrossEntropy(model.Forward(batch.Inputs), batch.Targets);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        sum += loss.Item();
    }
    Console.WriteLine($"epoch {epoch}: mean loss {sum / loader.BatchCount:F4}");
}
var (images, labels, _) = new DataLoader(test, test.Count, shuffle: false, normalization: Normalization.Mnist).First();
model.Eval();
float[] expected;
using (Autograd.NoGrad()) expected = model.Forward(images).ToArray<float>();
double accuracy = Predictions(expected).Zip(labels.ToArray<int>()).Count(p => p.First == p.Second) / (double)test.Count;
Console.WriteLine($"test accuracy: {accuracy:P1}");

string path = Path.Combine(Path.GetTempPath(), $"cnn-{Environment.ProcessId}.safetensors");
model.Save(path);
int failed = accuracy > 0.8 ? 0 : 1;
foreach (var name in devices)
{
    var device = Device.Parse(name);
    var fresh = Cnn(seed: 2).To(device);
    fresh.Load(path).Eval();
    float[] logits;
    using (Autograd.NoGrad()) logits = fresh.Forward(images.To(device)).ToArray<float>();
    double worst = logits.Zip(expected).Max(p => Math.Abs(p.First - p.Second));
    // The same kernels on cpu give the same bits; another device's kernels may round differently.
    bool same = Predictions(logits).SequenceEqual(Predictions(expected)) && (device == Device.Cpu ? worst == 0 : worst <= 1e-4);
    Console.WriteLine($"{name}: reloaded model, {(same ? "identical" : "DIFFERENT")} predictions (largest logit difference {worst:E1})");
    bool custom = CheckSwish(device);
    Console.WriteLine($"{(same && custom ? "ok" : "FAILED")}: {name}");
    if (!same || !custom) failed++;
}
File.Delete(path);
return failed == 0 ? 0 : 1;

static Sequential Cnn(ulong seed)
{
    var g = new Generator(seed);
    return new Sequential(
        new Conv2d(1, 8, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
        new Conv2d(8, 16, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Linear(16 * 7 * 7, 10, generator: g));
}

static int[] Predictions(float[] logits) => [.. logits.Chunk(10).Select(row => Array.IndexOf(row, row.Max()))];

// swish(x) = x sigmoid(x) as a custom op. Backward is built from tensor ops, so it has a derivative of its
// own: d/dx = s + x s (1 - s). It recomputes s from the saved input: a tensor made inside forward is a
// constant to double backward (as in PyTorch), and gradgradcheck would catch the missing term.
static Tensor Swish(Tensor x) => Autograd.Function("swish", [x],
    (ctx, inputs) =>
    {
        ctx.SaveForBackward(inputs[0]);
        return [inputs[0] * inputs[0].Sigmoid()];
    },
    (ctx, grads) =>
    {
        var input = ctx.SavedTensors[0];
        var s = input.Sigmoid();
        return [grads[0] * (s + input * s * (1.0 - s))];
    })[0];

static bool CheckSwish(Device device)
{
    var x = Tensor.Randn([4, 5], new Generator(3), DType.Float64, device);
    x.RequiresGrad = true;
    var first = Autograd.GradCheck(i => Swish(i[0]), [x]);
    var second = Autograd.GradGradCheck(i => Swish(i[0]), [x]);
    Console.WriteLine($"custom op: {first}\ncustom op: {second}");
    return first.Passed && second.Passed;
}
