using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Gradients;

/// <summary>
/// The public <see cref="TinyGrad.Autograd.GradCheck(Func{Tensor[], Tensor}, Tensor[], double, double, double, bool)"/>
/// and GradGradCheck: they pass correct rules, and a wrong rule fails naming the input, the element and
/// both values (a checker that cannot fail would pass every op's test).
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class GradCheckApiTests(string device)
{
    [SetUp]
    public void UseDevice() => Device.Default = TestDevices.Require(device);

    [TearDown]
    public void RestoreDevice() => Device.Default = Device.Cpu;

    /// <summary>A Float64 leaf of normal draws that requires grad.</summary>
    internal static Tensor Leaf(Generator g, params int[] shape)
    {
        var t = Tensor.Randn(shape, g, DType.Float64);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>x * x whose backward is off by 0.5 at one element (a one-hot added to 2 x g).</summary>
    private static Tensor WrongSquare(Tensor x, int[] badIndex)
    {
        var shape = x.Shape.ToArray();
        var bump = new double[x.Numel];
        int linear = 0;
        for (int d = 0; d < shape.Length; d++) linear = linear * shape[d] + badIndex[d];
        bump[linear] = 0.5;
        var error = Tensor.FromArray(bump, shape, x.Device);
        return TinyGrad.Autograd.Function("wrong_square", [x], i => i[0] * i[0], (g, i) => [g * i[0] * 2.0 + error * g]);
    }

    [Test]
    public void CorrectRulePassesAndEveryEntryIsCompared()
    {
        var g = new Generator(1);
        var a = Leaf(g, 3, 4);
        var b = Leaf(g, 4, 2);
        var result = TinyGrad.Autograd.GradCheck(x => x[0].MatMul(x[1]).Tanh(), [a, b]).ThrowIfFailed();
        Assert.That(result.Passed, Is.True);
        Assert.That(result.EntriesChecked, Is.EqualTo(3 * 2 * (12 + 8)), "output elements x input elements");
        Assert.That(result.RelativeError, Is.LessThan(1e-6));
        Assert.That(result.Message, Does.StartWith("gradcheck passed"));
    }

    [Test]
    public void WrongBackwardFailsNamingTheInputElementAndBothValues()
    {
        var g = new Generator(2);
        var x = Leaf(g, 2, 3);
        var w = Leaf(g, 3);
        var result = TinyGrad.Autograd.GradCheck(i => (WrongSquare(i[0], [1, 2]) * i[1]).Sum(), [x, w]);
        Assert.That(result.Passed, Is.False);
        Assert.That((result.Input, result.InputName, result.Index), Is.EqualTo((0, "input 0", new[] { 1, 2 })));
        Assert.That(result.Output, Is.EqualTo(0));
        double x12 = x.ToArray<double>()[5], w2 = w.ToArray<double>()[2];
        Assert.That(result.Numeric, Is.EqualTo(2 * x12 * w2).Within(1e-6), "d/dx of x^2 w");
        Assert.That(result.Analytic, Is.EqualTo(2 * x12 * w2 + 0.5 * w2).Within(1e-12), "the wrong rule's value");
        Assert.That(result.RelativeError, Is.EqualTo(Math.Abs(0.5 * w2 / (2 * x12 * w2))).Within(1e-5));
        Assert.That(result.Message, Does.Contain("d output 0 / d input 0[1, 2]").And.Contain("gradcheck failed"));
        var ex = Assert.Throws<GradCheckException>(() => result.ThrowIfFailed());
        Assert.That(ex!.Message, Is.EqualTo(result.Message));
        Assert.That(ex.Result, Is.SameAs(result));
    }

    [Test]
    public void FastModeFindsTheWrongElementToo()
    {
        var x = Leaf(new Generator(3), 4, 2);
        var fast = TinyGrad.Autograd.GradCheck(i => WrongSquare(i[0], [3, 0]).Exp(), [x], fastMode: true);
        Assert.That(fast.Passed, Is.False);
        Assert.That(fast.Projected, Is.False, "a failed projection is re-checked entry by entry");
        Assert.That(fast.Index, Is.EqualTo(new[] { 3, 0 }));
        Assert.That(fast.OutputIndex, Is.EqualTo(new[] { 3, 0 }), "the diagonal entry of the elementwise op");

        var good = TinyGrad.Autograd.GradCheck(i => i[0].Exp().Sin(), [x], fastMode: true);
        Assert.That((good.Passed, good.Projected, good.EntriesChecked), Is.EqualTo((true, true, 1)));
    }

    [Test]
    public void SeveralOutputsAreEachChecked()
    {
        var x = Leaf(new Generator(4), 3);
        var ok = TinyGrad.Autograd.GradCheck(i => [i[0].Sin(), i[0] * 3.0], [x]).ThrowIfFailed();
        Assert.That(ok.EntriesChecked, Is.EqualTo(2 * 3 * 3));
        var bad = TinyGrad.Autograd.GradCheck(i => [i[0].Sin(), WrongSquare(i[0], [2])], [x]);
        Assert.That((bad.Passed, bad.Output, bad.OutputIndex, bad.Index), Is.EqualTo((false, 1, new[] { 2 }, new[] { 2 })));
    }

    [Test]
    public void OnlyInputsThatRequireGradAreCheckedAndTheOthersAreLeftAlone()
    {
        var g = new Generator(5);
        var x = Leaf(g, 4, 3);
        var index = Tensor.FromArray(new[] { 2, 0, 1, 2 }, [4, 1]);
        var frozen = Tensor.Randn([4, 1], g, DType.Float64);
        var before = x.ToArray<double>();
        var result = TinyGrad.Autograd.GradCheck(i => i[0].Gather(1, i[1]) * i[2], [x, index, frozen]).ThrowIfFailed();
        Assert.That(result.EntriesChecked, Is.EqualTo(4 * 12), "only x's 12 elements, against 4 outputs");
        Assert.That(x.ToArray<double>(), Is.EqualTo(before), "perturbations are undone bit for bit");
    }

    [Test]
    public void InputsThatCannotBeCheckedAreRefused()
    {
        var single = Tensor.Randn([3]);
        single.RequiresGrad = true;
        var ex = Assert.Throws<ArgumentException>(() => TinyGrad.Autograd.GradCheck(i => i[0] * 2.0, [single]));
        Assert.That(ex!.Message, Does.Contain("input 0").And.Contain("Float32").And.Contain("Float64"));
        ex = Assert.Throws<ArgumentException>(() => TinyGrad.Autograd.GradCheck(i => i[0] * 2.0, [Tensor.Randn([3], dtype: DType.Float64)]));
        Assert.That(ex!.Message, Does.Contain("no input requires grad"));
        var broadcast = Leaf(new Generator(6), 1, 3);
        using (TinyGrad.Autograd.NoGrad())
        {
            var expanded = broadcast.Detach().Expand(4, 3);
            expanded.RequiresGrad = true;
            ex = Assert.Throws<ArgumentException>(() => TinyGrad.Autograd.GradCheck(i => i[0] * 2.0, [expanded]));
        }
        Assert.That(ex!.Message, Does.Contain("share memory"));
    }

    [Test]
    public void GradGradCheckCatchesABackwardThatIsNotDifferentiable()
    {
        var x = Leaf(new Generator(7), 2, 3);
        // Right first derivative, but built from a detached x: its own derivative misses the 2 g term.
        Tensor Opaque(Tensor t) => TinyGrad.Autograd.Function("detached_square", [t], i => i[0] * i[0], (g, i) => [g * i[0].Detach() * 2.0]);
        TinyGrad.Autograd.GradCheck(i => Opaque(i[0]), [x]).ThrowIfFailed();
        var result = TinyGrad.Autograd.GradGradCheck(i => Opaque(i[0]), [x]);
        Assert.That(result.Passed, Is.False);
        Assert.That(result.Check, Is.EqualTo("gradgradcheck"));
        Assert.That(result.InputName, Is.EqualTo("input 0"));
        Assert.That(result.Index.Count, Is.EqualTo(2));
        Assert.That(result.Analytic, Is.EqualTo(0).Within(1e-12), "the detached rule has no second derivative");
        Assert.That(Math.Abs(result.Numeric), Is.GreaterThan(1e-3));
        var fast = TinyGrad.Autograd.GradGradCheck(i => Opaque(i[0]), [x], fastMode: true);
        Assert.That((fast.Passed, fast.InputName, fast.Index.Count), Is.EqualTo((false, "input 0", 2)));
        Assert.That(fast.Message, Does.Contain("Hessian-vector product"));

        var correct = TinyGrad.Autograd.GradGradCheck(i => (i[0] * i[0]).Sin(), [x]).ThrowIfFailed();
        Assert.That(correct.EntriesChecked, Is.EqualTo(6 * (6 + 6)), "6 gradient entries against x's and the output gradient's 6 elements each");
        var fastCorrect = TinyGrad.Autograd.GradGradCheck(i => (i[0] * i[0]).Sin(), [x], fastMode: true).ThrowIfFailed();
        Assert.That(fastCorrect.EntriesChecked, Is.EqualTo(6));
    }

    [Test]
    public void ParametersReadThroughAClosureAreChecked()
    {
        var g = new Generator(8);
        var model = new TinyGrad.Nn.Sequential(new TinyGrad.Nn.Linear(3, 4, generator: g, dtype: DType.Float64), new TinyGrad.Nn.Tanh(),
            new TinyGrad.Nn.Linear(4, 2, generator: g, dtype: DType.Float64));
        var input = Tensor.Randn([5, 3], g, DType.Float64);
        var target = Tensor.FromArray(new[] { 0, 1, 1, 0, 1 });
        var parameters = model.Parameters().ToArray();
        var result = TinyGrad.Autograd.GradCheck(_ => Functional.CrossEntropy(model.Forward(input), target), parameters, atol: 1e-7, rtol: 1e-6).ThrowIfFailed();
        Assert.That(result.EntriesChecked, Is.EqualTo(model.ParameterCount));
    }
}
