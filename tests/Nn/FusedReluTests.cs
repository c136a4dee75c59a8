using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Nn;

namespace TinyGrad.Tests.Nn;

/// <summary>
/// Sequential runs a Linear or Conv2d directly followed by a ReLU as one kernel call with the ReLU
/// epilogue, and moves ReLU's gradient rule to the consumer when it can take it (a MaxPool2d: on the
/// pooled output; a Linear: in its input gradient's GEMM), and runs a Conv2d, ReLU and MaxPool2d as
/// one call that never keeps the convolution's output: outputs, gradients and Hessian-vector
/// products bit for bit those of the modules run one after the other, on every device (a first
/// convolution's weight and bias gradients in a plain backward: the same values within rounding),
/// and the separate relu passes (forward) and mask passes (backward) are really gone.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class FusedReluTests(string device)
{
    [SetUp]
    public void UseDevice() => TestDevices.Use(device);

    [TearDown]
    public void RestoreDevice() => TestDevices.Restore();

    /// <summary>Counts the relu passes, the fused calls, the selects (ReLU's gradient rule), the masked GEMMs and the pooled convolutions that reach the backend.</summary>
    private sealed class Counter : IBackendObserver
    {
        public int ReluPasses, FusedCalls, Selects, MaskedGemms, ConvPools, GatedPools, WeightsOfPools;

        public void Enter(string primitive, string detail)
        {
            if (primitive == "Unary" && detail == "relu") ReluPasses++;
            if (detail.EndsWith(" relu", StringComparison.Ordinal)) FusedCalls++;
            if (primitive == "Where") Selects++;
            if (primitive == "Conv2dForwardMaxPool") ConvPools++;
            if (primitive == "MaxPool2dBackward" && detail == "gated") GatedPools++;
            if (primitive == "Conv2dBackwardWeightOfMaxPool") WeightsOfPools++;
            if (primitive == "Gemm" && detail.EndsWith(" relugradient", StringComparison.Ordinal)) MaskedGemms++;
            if (primitive == "LinearBackward" && detail.EndsWith(" gated", StringComparison.Ordinal)) MaskedGemms++;
        }

        public void Exit(string primitive)
        {
        }
    }

    [Test]
    public void MlpWithFusedReluMatchesTheModulesOneByOne()
    {
        var g = new Generator(5);
        var model = new Sequential(new Linear(7, 9, generator: g), new ReLU(), new Linear(9, 4, generator: g), new ReLU(), new Linear(4, 8, generator: g), new ReLU());
        Check(model, Tensor.Randn([6, 7], g), fused: 3, pooled: 0, handedOn: 2);
    }

    [Test]
    public void BatchedMlpHandsEachReluToTheNextLinear()
    {
        // fit's shape (1 -> 50 -> ... -> 1) on a rank-3 input: products with a batch of 2.
        var g = new Generator(9);
        var model = new Sequential(new Linear(1, 6, generator: g), new ReLU(), new Linear(6, 6, generator: g), new ReLU(),
            new Linear(6, 6, bias: false, generator: g), new ReLU(), new Linear(6, 1, generator: g));
        Check(model, Tensor.Randn([2, 5, 1], g), fused: 3, pooled: 0, handedOn: 3);
    }

    [Test]
    public void CnnWithFusedReluMatchesTheModulesOneByOne()
    {
        var g = new Generator(6);
        var model = new Sequential(
            new Conv2d(2, 3, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(3, 4, 3, padding: 1, bias: false, generator: g), new ReLU(), new Flatten(),
            new Linear(4 * 4 * 4, 5, generator: g), new ReLU(), new Linear(5, 2, generator: g));
        Check(model, Tensor.Randn([3, 2, 8, 8], g), fused: 3, pooled: 1, handedOn: 1, convPooled: 1);
    }

    [Test]
    public void PoolsAfterFusedReluTakeItsGradientMask()
    {
        var g = new Generator(8);
        var model = new Sequential(
            new Conv2d(3, 4, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(4, 5, 3, padding: 2, dilation: 2, generator: g), new ReLU(), new MaxPool2d(3, stride: 1, padding: 1),
            new Conv2d(5, 2, 1, generator: g), new ReLU(), new MaxPool2d((2, 1)), new Flatten());
        Check(model, Tensor.Randn([2, 3, 10, 9], g), fused: 3, pooled: 3, handedOn: 0, convPooled: 3);
    }

    [Test]
    public void AFirstLayersWeightGradientsComeStraightFromThePooledGradient()
    {
        // A plain backward (no graph of the gradients): the first convolution's weight and bias
        // gradients in one call from its pooled output's gradient, the full-size gradient never kept
        // (the CPU sums only the windows' maxima: the same values within rounding); the second's input
        // wants its gradient, so it is pooled back as before. The other gradients bit for bit those
        // of the modules one by one.
        var g = new Generator(10);
        var model = new Sequential(
            new Conv2d(2, 4, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(4, 3, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(3 * 2 * 2, 2, generator: g));
        var x = Tensor.Randn([3, 2, 8, 8], g);
        var weights = Tensor.Randn([3, 2], new Generator(11));
        float[][] Gradients(Func<Tensor, Tensor> forward, Counter counter)
        {
            foreach (var parameter in model.Parameters()) parameter.Grad = null;
            var backend = Device.Default.Backend;
            var loss = (forward(x) * weights).Sum();
            backend.Observer = counter;
            try
            {
                loss.Backward();
            }
            finally
            {
                backend.Observer = null;
            }
            return model.Parameters().Select(p => p.Grad!.ToFloatArray()).ToArray();
        }
        var fused = new Counter();
        var plain = new Counter();
        var fusedGrads = Gradients(model.Forward, fused);
        var plainGrads = Gradients(input =>
        {
            for (int i = 0; i < model.Count; i++) input = model[i].Forward(input);
            return input;
        }, plain);
        Assert.That(fused.WeightsOfPools, Is.EqualTo(1), "weight gradients made from a pooled gradient");
        Assert.That(fused.GatedPools, Is.EqualTo(1), "pooling backwards left (the second layer's)");
        Assert.That(plain.WeightsOfPools, Is.Zero);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < fusedGrads[i].Length; j++)
                Assert.That(fusedGrads[i][j], Is.EqualTo(plainGrads[i][j]).Within(1e-5 * (1 + Math.Abs(plainGrads[i][j]))), $"parameter {i} [{j}]");
        for (int i = 2; i < fusedGrads.Length; i++) Assert.That(fusedGrads[i], Is.EqualTo(plainGrads[i]), $"parameter {i}");
        Assert.That(fusedGrads[0].Any(v => v != 0), Is.True, "first layer's weight gradient all zero");
    }

    [Test]
    public void AReluAfterAnotherModuleRunsOnItsOwn()
    {
        var g = new Generator(7);
        var model = new Sequential(new Linear(4, 5, generator: g), new Tanh(), new ReLU(), new ReLU());
        Check(model, Tensor.Randn([3, 4], g), fused: 0, pooled: 0, handedOn: 0);
    }

    /// <summary>
    /// The model's forward (fused) against its modules applied one by one: the output, the gradients
    /// of the input and of every parameter, and a Hessian-vector product, bit for bit; and the number
    /// of fused calls and relu passes each way, and of the gradient's selects: each ReLU handed on to
    /// a Linear saves one, done by a masked GEMM instead, and each pooled one, done by the gated
    /// pooling backward; <paramref name="convPooled"/> of the pooled ReLUs are a convolution's,
    /// pooled in its own call (and the convolution's output never made).
    /// </summary>
    private static void Check(Sequential model, Tensor x, int fused, int pooled, int handedOn, int convPooled = 0)
    {
        int relus = Enumerable.Range(0, model.Count).Count(i => model[i] is ReLU);
        var (fusedOut, fusedCounts, fusedBackward) = Run(model, x, m => m.Forward);
        var (plainOut, plainCounts, plainBackward) = Run(model, x, m => input =>
        {
            for (int i = 0; i < m.Count; i++) input = m[i].Forward(input);
            return input;
        });
        Assert.That(fusedCounts.FusedCalls, Is.EqualTo(fused), "fused calls");
        Assert.That(fusedCounts.ReluPasses, Is.EqualTo(relus - fused), "relu passes left when fused");
        Assert.That(plainCounts.ReluPasses, Is.EqualTo(relus), "relu passes one by one");
        Assert.That(fusedBackward.MaskedGemms, Is.EqualTo(handedOn), "input gradients masked in their GEMM");
        Assert.That(plainBackward.MaskedGemms, Is.Zero);
        Assert.That(plainBackward.Selects - fusedBackward.Selects, Is.EqualTo(handedOn + pooled), "selects saved in the gradient");
        Assert.That(fusedBackward.GatedPools, Is.EqualTo(pooled), "pooling backwards that apply ReLU's rule");
        Assert.That(fusedCounts.ConvPools, Is.EqualTo(convPooled), "convolutions pooled in their own call");
        Assert.That(plainCounts.ConvPools, Is.Zero);
        var ops = Ops(model.Forward(x));
        Assert.That(ops.Count(op => op is "max_pool2d_of_relu" or "conv2d_relu_max_pool2d"), Is.EqualTo(pooled), string.Join(", ", ops));
        Assert.That(ops.Count(op => op == "conv2d_relu_max_pool2d"), Is.EqualTo(convPooled), string.Join(", ", ops));
        Assert.That(ops.Count(op => op is "matmul_relu" or "conv2d_relu" or "conv2d_relu_max_pool2d"), Is.EqualTo(fused), string.Join(", ", ops));
        Assert.That(fusedOut.Count, Is.EqualTo(plainOut.Count));
        for (int i = 0; i < fusedOut.Count; i++)
            Assert.That(fusedOut[i], Is.EqualTo(plainOut[i]), $"result {i} (0: output, then input gradient, parameter gradients, Hessian-vector products)");
        // Not a vacuous match: the input gradient flows through the ReLUs.
        Assert.That(fusedOut[1].Any(v => v != 0), Is.True, "input gradient all zero");
    }

    /// <summary>The ops on the tape behind <paramref name="y"/>, each node once.</summary>
    private static List<string> Ops(Tensor y)
    {
        var ops = new List<string>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>([y]);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (!seen.Add(t) || t.GradFn is not { } node) continue;
            ops.Add(node.Op);
            foreach (var input in node.Inputs) stack.Push(input);
        }
        return ops;
    }

    private static (List<float[]> Results, Counter Forward, Counter Backward) Run(Sequential model, Tensor x, Func<Sequential, Func<Tensor, Tensor>> forward)
    {
        var parameters = model.Parameters().ToArray();
        var input = x.Detach();
        input.RequiresGrad = true;
        var backend = Device.Default.Backend;
        var counter = new Counter();
        Tensor y;
        backend.Observer = counter;
        try
        {
            y = forward(model)(input);
        }
        finally
        {
            backend.Observer = null;
        }
        var weights = Tensor.Randn(y.ShapeArray, new Generator(11));
        var loss = (y * weights).Sum();
        var wrt = new[] { input }.Concat(parameters).ToArray();
        var backward = new Counter();
        Tensor[] grads;
        backend.Observer = backward;
        try
        {
            grads = Autograd.Grad([loss], wrt, createGraph: true);
        }
        finally
        {
            backend.Observer = null;
        }
        // Hessian-vector product: the gradient of (grad . v) with v = 1 everywhere.
        var dot = grads.Skip(1).Select(t => t.Sum()).Aggregate((a, b) => a + b);
        var hvp = Autograd.Grad([dot], parameters, allowUnused: true);
        var results = new List<float[]> { y.ToFloatArray() };
        results.AddRange(grads.Select(t => t.ToFloatArray()));
        results.AddRange(hvp.Select(t => t.ToFloatArray()));
        return (results, counter, backward);
    }
}
