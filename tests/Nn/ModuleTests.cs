using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Nn;

namespace TinyGrad.Tests.Nn;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class ModuleTests(string device) : DeviceFixture(device)
{
    private static Sequential Mlp(Generator g) =>
        new(new Linear(3, 8, generator: g), new Tanh(), new Linear(8, 8, generator: g), new ReLU(), new Linear(8, 2, generator: g));

    private sealed class Cnn : Module
    {
        public Cnn(Generator g)
        {
            Features = RegisterModule("features", new Sequential(
                new Conv2d(1, 4, 3, generator: g), new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 6, (3, 3), padding: 1, bias: false, generator: g), new Sigmoid(), new AvgPool2d(1)));
            Head = RegisterModule("head", new Linear(6 * 3 * 3, 2, generator: g));
            Scale = RegisterParameter("scale", Tensor.Ones([1]));
        }

        public Sequential Features { get; }

        public Linear Head { get; }

        public Tensor Scale { get; }

        public override Tensor Forward(Tensor input) => Head.Forward(Features.Forward(input).Flatten(1)) * Scale;
    }

    [Test]
    public void SequentialNamesAreIndexedInOrder()
    {
        var mlp = Mlp(new Generator(1));
        Assert.That(mlp.NamedParameters().Select(p => p.Name), Is.EqualTo(new[]
        {
            "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias",
        }));
        Assert.That(mlp.Count, Is.EqualTo(5));
        Assert.That(mlp[1], Is.InstanceOf<Tanh>());
        Assert.That(mlp.ParameterCount, Is.EqualTo(3 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2));
        Assert.That(mlp.Parameters().All(p => p.IsLeaf && p.RequiresGrad), Is.True);
        Assert.That(((Linear)mlp[0]).Weight.Shape.ToArray(), Is.EqualTo(new[] { 8, 3 }));
    }

    [Test]
    public void NestedModuleNamesAreDotted()
    {
        var cnn = new Cnn(new Generator(2));
        Assert.That(cnn.NamedParameters().Select(p => p.Name), Is.EqualTo(new[]
        {
            "scale", "features.0.weight", "features.0.bias", "features.3.weight", "head.weight", "head.bias",
        }));
        Assert.That(((Conv2d)cnn.Features[0]).Weight.Shape.ToArray(), Is.EqualTo(new[] { 4, 1, 3, 3 }));
        var y = cnn.Forward(Tensor.Randn([2, 1, 8, 8], new Generator(3)));
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new[] { 2, 2 }));
    }

    [Test]
    public void SharedParametersAreListedOnce()
    {
        var shared = new Linear(4, 4, generator: new Generator(0));
        var net = new Sequential(shared, new ReLU(), shared);
        Assert.That(net.NamedParameters().Select(p => p.Name), Is.EqualTo(new[] { "0.weight", "0.bias" }));
    }

    [Test]
    public void DuplicateOrDottedNamesAreRejected()
    {
        var m = new Sequential();
        m.RegisterParameter("w", Tensor.Zeros([2]));
        Assert.Throws<ArgumentException>(() => m.RegisterParameter("w", Tensor.Zeros([2])));
        Assert.Throws<ArgumentException>(() => m.RegisterModule("a.b", new ReLU()));
        var nonLeaf = Tensor.Zeros([2]);
        nonLeaf.RequiresGrad = true;
        Assert.Throws<ArgumentException>(() => m.RegisterParameter("v", nonLeaf * 2));
    }

    [Test]
    public void VectorRoundTrip()
    {
        var a = Mlp(new Generator(10));
        var b = Mlp(new Generator(11));
        var va = a.ParametersToVector();
        Assert.That(va.Shape.ToArray(), Is.EqualTo(new[] { a.ParameterCount }));
        Assert.That(va.RequiresGrad, Is.False);
        // Order is NamedParameters order: the first weight's elements come first.
        Assert.That(va.ToFloatArray().Take(24), Is.EqualTo(((Linear)a[0]).Weight.ToFloatArray()));
        Assert.That(va.ToFloatArray().Skip(24).Take(8), Is.EqualTo(((Linear)a[0]).Bias!.ToFloatArray()));

        Assert.That(b.ParametersToVector().ToFloatArray(), Is.Not.EqualTo(va.ToFloatArray()));
        b.VectorToParameters(va);
        Assert.That(b.ParametersToVector().ToFloatArray(), Is.EqualTo(va.ToFloatArray()));
        foreach (var ((_, pa), (_, pb)) in a.NamedParameters().Zip(b.NamedParameters()))
            Assert.That(pb.ToFloatArray(), Is.EqualTo(pa.ToFloatArray()));

        // A copy: changing the module afterwards leaves the vector alone.
        var before = va.ToFloatArray();
        a.VectorToParameters(Tensor.Zeros([a.ParameterCount]));
        Assert.That(va.ToFloatArray(), Is.EqualTo(before));
        Assert.That(a.Parameters().All(p => p.ToFloatArray().All(v => v == 0)), Is.True);
    }

    [Test]
    public void WrongVectorLengthThrowsNamingBoth()
    {
        var m = Mlp(new Generator(0));
        int n = m.ParameterCount;
        var ex = Assert.Throws<ArgumentException>(() => m.VectorToParameters(Tensor.Zeros([n + 1])));
        Assert.That(ex!.Message, Does.Contain(n.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain($"[{n + 1}]"));
        Assert.Throws<ArgumentException>(() => m.VectorToParameters(Tensor.Zeros([1, n])));
    }

    [Test]
    public void TrainAndEvalPropagate()
    {
        var cnn = new Cnn(new Generator(0));
        Assert.That(cnn.Training && cnn.Features.Training && cnn.Features[0].Training, Is.True);
        cnn.Eval();
        Assert.That(cnn.Training || cnn.Features.Training || cnn.Features[2].Training || cnn.Head.Training, Is.False);
        cnn.Train();
        Assert.That(cnn.Features[5].Training && cnn.Head.Training, Is.True);
    }

    [Test]
    public void ZeroGradClearsEveryGradient()
    {
        var m = Mlp(new Generator(0));
        var x = Tensor.Randn([4, 3], new Generator(1));
        m.Forward(x).Sum().Backward();
        Assert.That(m.Parameters().All(p => p.Grad is not null), Is.True);
        m.ZeroGrad();
        Assert.That(m.Parameters().All(p => p.Grad is null), Is.True);
    }

    [Test]
    public void SameSeedSameWeightsDifferentSeedDifferent()
    {
        var a = Mlp(new Generator(42)).ParametersToVector().ToFloatArray();
        var b = Mlp(new Generator(42)).ParametersToVector().ToFloatArray();
        var c = Mlp(new Generator(43)).ParametersToVector().ToFloatArray();
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
        var conv1 = new Conv2d(3, 5, (3, 2), generator: new Generator(7)).ParametersToVector().ToFloatArray();
        var conv2 = new Conv2d(3, 5, (3, 2), generator: new Generator(7)).ParametersToVector().ToFloatArray();
        Assert.That(conv2, Is.EqualTo(conv1));
    }

    [Test]
    public void LinearInitIsBoundedByInverseSqrtFanIn()
    {
        var lin = new Linear(50, 40, generator: new Generator(5));
        double bound = 1 / Math.Sqrt(50);
        var w = lin.Weight.ToDoubleArray();
        var b = lin.Bias!.ToDoubleArray();
        Assert.That(w.Concat(b).All(v => Math.Abs(v) <= bound * (1 + 1e-6)), Is.True);
        // Uniform on [-b, b]: it should actually reach close to the bound, and be centred.
        Assert.That(w.Max(), Is.GreaterThan(0.95 * bound));
        Assert.That(w.Min(), Is.LessThan(-0.95 * bound));
        Assert.That(Math.Abs(w.Average()), Is.LessThan(0.1 * bound));
    }

    [Test]
    public void Conv2dInitUsesFanInOfChannelsTimesKernel()
    {
        var conv = new Conv2d(3, 16, (5, 4), generator: new Generator(6), dtype: DType.Float64);
        Assert.That(Init.CalculateFanInAndFanOut(conv.Weight.Shape), Is.EqualTo((3 * 20, 16 * 20)));
        double bound = 1 / Math.Sqrt(60);
        var w = conv.Weight.ToDoubleArray();
        Assert.That(w.All(v => Math.Abs(v) <= bound * (1 + 1e-12)), Is.True);
        Assert.That(w.Max(), Is.GreaterThan(0.9 * bound));
        Assert.That(conv.Bias!.ToDoubleArray().All(v => Math.Abs(v) <= bound * (1 + 1e-12)), Is.True);
    }

    [Test]
    public void KaimingAndXavierNormalHaveTheirVariance()
    {
        var t = Tensor.Zeros([256, 1024], DType.Float64);
        Init.KaimingNormal(t, nonlinearity: Nonlinearity.Relu, generator: new Generator(1));
        var (mean, variance) = Moments(t.ToDoubleArray());
        Assert.That(mean, Is.EqualTo(0).Within(0.003));
        Assert.That(variance, Is.EqualTo(2.0 / 1024).Within(0.02 * 2.0 / 1024));

        Init.KaimingNormal(t, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: new Generator(2));
        (_, variance) = Moments(t.ToDoubleArray());
        Assert.That(variance, Is.EqualTo(2.0 / 256).Within(0.02 * 2.0 / 256));

        Init.XavierNormal(t, gain: 2, generator: new Generator(3));
        (mean, variance) = Moments(t.ToDoubleArray());
        double expected = 4 * 2.0 / (256 + 1024);
        Assert.That(mean, Is.EqualTo(0).Within(0.003));
        Assert.That(variance, Is.EqualTo(expected).Within(0.02 * expected));
    }

    [Test]
    public void UniformInitsHaveTheirBounds()
    {
        var t = Tensor.Zeros([64, 32, 3, 3], DType.Float64);
        Init.XavierUniform(t, generator: new Generator(1));
        double xb = Math.Sqrt(6.0 / (32 * 9 + 64 * 9));
        var v = t.ToDoubleArray();
        Assert.That(v.Max(), Is.LessThanOrEqualTo(xb).And.GreaterThan(0.99 * xb));
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(-xb).And.LessThan(-0.99 * xb));
        Assert.That(Moments(v).Variance, Is.EqualTo(xb * xb / 3).Within(0.03 * xb * xb / 3));

        Init.KaimingUniform(t, generator: new Generator(2));
        double kb = Math.Sqrt(3) * Init.CalculateGain(Nonlinearity.LeakyRelu, 0) / Math.Sqrt(32 * 9);
        v = t.ToDoubleArray();
        Assert.That(v.Max(), Is.LessThanOrEqualTo(kb).And.GreaterThan(0.99 * kb));

        Init.Uniform(t, -0.5, 2.0, new Generator(3));
        v = t.ToDoubleArray();
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(-0.5));
        Assert.That(v.Max(), Is.LessThan(2.0));
        Init.Zeros(t);
        Assert.That(t.ToDoubleArray().All(x => x == 0), Is.True);
        Assert.Throws<ArgumentException>(() => Init.XavierUniform(Tensor.Zeros([5])));
    }

    [Test]
    public void GainsMatchPyTorch()
    {
        Assert.That(Init.CalculateGain(Nonlinearity.Tanh), Is.EqualTo(5.0 / 3));
        Assert.That(Init.CalculateGain(Nonlinearity.Relu), Is.EqualTo(Math.Sqrt(2)));
        Assert.That(Init.CalculateGain(Nonlinearity.LeakyRelu), Is.EqualTo(Math.Sqrt(2 / (1 + 0.01 * 0.01))));
        Assert.That(Init.CalculateGain(Nonlinearity.LeakyRelu, Math.Sqrt(5)), Is.EqualTo(Math.Sqrt(1.0 / 3)).Within(1e-15));
    }

    [Test]
    public void SeededInitAdvancesTheGenerator()
    {
        var g = new Generator(9);
        var first = new Linear(4, 3, generator: g);
        Assert.That(g.Offset, Is.EqualTo(12UL + 3UL));
        var second = new Linear(4, 3, generator: g);
        Assert.That(second.Weight.ToFloatArray(), Is.Not.EqualTo(first.Weight.ToFloatArray()));
    }

    [Test]
    public void LinearWrongInputThrowsNamingFeaturesAndShape()
    {
        var lin = new Linear(5, 3, generator: new Generator(0));
        var ex = Assert.Throws<ArgumentException>(() => lin.Forward(Tensor.Zeros([4, 6])));
        Assert.That(ex!.Message, Does.Contain("5").And.Contain("[4, 6]"));
        Assert.That(lin.Forward(Tensor.Zeros([2, 7, 5])).Shape.ToArray(), Is.EqualTo(new[] { 2, 7, 3 }));
        Assert.That(lin.Forward(Tensor.Zeros([5])).Shape.ToArray(), Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public void Conv2dWrongInputThrowsNamingBothShapes()
    {
        var conv = new Conv2d(3, 4, 3, generator: new Generator(0));
        var ex = Assert.Throws<ArgumentException>(() => conv.Forward(Tensor.Zeros([2, 1, 8, 8])));
        Assert.That(ex!.Message, Does.Contain("[4, 3, 3, 3]").And.Contain("[2, 1, 8, 8]"));
        ex = Assert.Throws<ArgumentException>(() => conv.Forward(Tensor.Zeros([3, 8, 8])));
        Assert.That(ex!.Message, Does.Contain("[3, 8, 8]"));
        // The tensor op itself names both shapes too.
        ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 1, 8, 8]).Conv2d(conv.Weight));
        Assert.That(ex!.Message, Does.Contain("[4, 3, 3, 3]").And.Contain("[2, 1, 8, 8]"));
    }

    [Test]
    public void Conv2dHonoursStridePaddingDilation()
    {
        var conv = new Conv2d(2, 3, (3, 5), stride: (2, 1), padding: (1, 2), dilation: 2, generator: new Generator(0));
        var y = conv.Forward(Tensor.Zeros([1, 2, 9, 10]));
        // H: (9 + 2 - 2*2 - 1) / 2 + 1 = 4; W: (10 + 4 - 2*4 - 1) / 1 + 1 = 6.
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new[] { 1, 3, 4, 6 }));
        Assert.That(conv.Stride, Is.EqualTo(new Size2d(2, 1)));
        Assert.That(conv.Dilation, Is.EqualTo(new Size2d(2, 2)));
    }

    [Test]
    public void PoolFlattenAndActivationLayersMatchTensorOps()
    {
        var x = Tensor.Randn([2, 3, 6, 6], new Generator(4));
        Assert.That(new MaxPool2d(2).Forward(x).ToFloatArray(), Is.EqualTo(x.MaxPool2d((2, 2)).ToFloatArray()));
        Assert.That(new AvgPool2d(3, stride: 1, padding: 1).Forward(x).Shape.ToArray(), Is.EqualTo(new[] { 2, 3, 6, 6 }));
        Assert.That(new Flatten().Forward(x).Shape.ToArray(), Is.EqualTo(new[] { 2, 108 }));
        Assert.That(new Flatten(0).Forward(x).Shape.ToArray(), Is.EqualTo(new[] { 216 }));
        Assert.That(new ReLU().Forward(x).ToFloatArray(), Is.EqualTo(x.Relu().ToFloatArray()));
        Assert.That(new Tanh().Forward(x).ToFloatArray(), Is.EqualTo(x.Tanh().ToFloatArray()));
        Assert.That(new Sigmoid().Forward(x).ToFloatArray(), Is.EqualTo(x.Sigmoid().ToFloatArray()));
        Assert.That(new SiLU().Forward(x).ToFloatArray(), Is.EqualTo(x.Silu().ToFloatArray()));
        Assert.That(new GELU().Forward(x).ToFloatArray(), Is.EqualTo(x.Gelu().ToFloatArray()));
        Assert.That(new Softplus(2, 1).Forward(x).ToFloatArray(), Is.EqualTo(x.Softplus(2, 1).ToFloatArray()));
        Assert.That(new LeakyReLU(0.2).Forward(x).ToFloatArray(), Is.EqualTo(x.LeakyRelu(0.2).ToFloatArray()));
        // As PyTorch prints them.
        Assert.That(new Module[] { new ReLU(), new GELU(), new SiLU(), new Softplus(), new LeakyReLU() }.Select(m => m.ToString()),
            Is.EqualTo(new[] { "ReLU()", "GELU(approximate='none')", "SiLU()", "Softplus(beta=1, threshold=20)", "LeakyReLU(negative_slope=0.01)" }));
    }

    [Test]
    public void LinearForwardIsAffineMap()
    {
        var lin = new Linear(3, 2, dtype: DType.Float64, generator: new Generator(8));
        var x = Tensor.FromArray(new double[] { 1, 2, 3, -1, 0, 0.5 }, [2, 3]);
        var y = lin.Forward(x).ToArray<double>();
        var w = lin.Weight.ToArray<double>();
        var b = lin.Bias!.ToArray<double>();
        var xs = x.ToArray<double>();
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 2; o++)
            {
                double e = b[o];
                for (int i = 0; i < 3; i++) e += xs[n * 3 + i] * w[o * 3 + i];
                Assert.That(y[n * 2 + o], Is.EqualTo(e).Within(1e-12));
            }
        Assert.That(new Linear(3, 2, bias: false).Bias, Is.Null);
    }

    private static (double Mean, double Variance) Moments(double[] v)
    {
        double mean = v.Average();
        return (mean, v.Sum(x => (x - mean) * (x - mean)) / v.Length);
    }
}
