using System.Runtime.CompilerServices;
using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Gradients;

/// <summary>
/// Custom ops (<c>Autograd.Function</c> with a context): several outputs, saved inputs and outputs,
/// needs-input-grad, unused outputs, and double backward, each checked with the public gradcheck and
/// gradgradcheck.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class CustomFunctionTests(string device)
{
    [SetUp]
    public void UseDevice() => Device.Default = TestDevices.Require(device);

    [TearDown]
    public void RestoreDevice() => Device.Default = Device.Cpu;

    private static Tensor Leaf(Generator g, params int[] shape) => GradCheckApiTests.Leaf(g, shape);

    /// <summary>(sin x, cos x) saving x: backward g0 cos x - g1 sin x, from tensor ops.</summary>
    private static Tensor[] SinCos(Tensor x) => TinyGrad.Autograd.Function("sincos", [x],
        (ctx, i) =>
        {
            ctx.SaveForBackward(i[0]);
            return [i[0].Sin(), i[0].Cos()];
        },
        (ctx, g) =>
        {
            var saved = ctx.SavedTensors[0];
            return [g[0] * saved.Cos() - g[1] * saved.Sin()];
        });

    /// <summary>(a b, exp(a)) with two inputs, saving a, b and the output exp(a) itself.</summary>
    private static Tensor[] ProductAndExp(Tensor a, Tensor b) => TinyGrad.Autograd.Function("product_exp", [a, b],
        (ctx, i) =>
        {
            var e = i[0].Exp();
            ctx.SaveForBackward(i[0], i[1], e);
            return [i[0] * i[1], e];
        },
        (ctx, g) =>
        {
            var (sa, sb, se) = (ctx.SavedTensors[0], ctx.SavedTensors[1], ctx.SavedTensors[2]);
            return [g[0] * sb + g[1] * se, ctx.NeedsInputGrad[1] ? g[0] * sa : null];
        });

    [Test]
    public void SeveralOutputsWithASavedInputPassGradcheckAndGradgradcheck()
    {
        var x = Leaf(new Generator(1), 3, 4);
        var outputs = SinCos(x);
        Assert.That(outputs.Select(o => o.GradFnName), Is.EqualTo(new[] { "sincos", "sincos" }));
        TinyGrad.Autograd.GradCheck(i => SinCos(i[0]), [x]).ThrowIfFailed();
        var second = TinyGrad.Autograd.GradGradCheck(i => SinCos(i[0]), [x]).ThrowIfFailed();
        Assert.That(second.EntriesChecked, Is.EqualTo(12 * (12 + 2 * 12)), "x's gradient against x and both output gradients");
    }

    [Test]
    public void SavedOutputsCarryTheirPlaceOnTheTapeForDoubleBackward()
    {
        var g = new Generator(2);
        var a = Leaf(g, 2, 3);
        var b = Leaf(g, 2, 3);
        TinyGrad.Autograd.GradCheck(i => ProductAndExp(i[0], i[1]), [a, b]).ThrowIfFailed();
        // d/da of the backward's g1 exp(a) needs the saved output's own derivative, exp(a).
        TinyGrad.Autograd.GradGradCheck(i => ProductAndExp(i[0], i[1]), [a, b]).ThrowIfFailed();
    }

    [Test]
    public void NeedsInputGradAndUnusedOutputsGetWhatTorchGives()
    {
        var g = new Generator(3);
        var a = Leaf(g, 4);
        var b = Tensor.Randn([4], g, DType.Float64);
        bool[]? needs = null;
        double[]? unusedGradient = null;
        var outputs = TinyGrad.Autograd.Function("first_only", [a, b],
            (ctx, i) =>
            {
                needs = [.. ctx.NeedsInputGrad];
                return [i[0] * i[1], i[0] + i[1]];
            },
            (ctx, gs) =>
            {
                unusedGradient = gs[1].ToArray<double>();
                return [gs[0] * b + gs[1], null];
            });
        outputs[0].Sum().Backward();
        Assert.That(needs, Is.EqualTo(new[] { true, false }));
        Assert.That(unusedGradient, Is.EqualTo(new double[4]), "an output without gradient gets zeros");
        Assert.That(a.Grad!.ToArray<double>(), Is.EqualTo(b.ToArray<double>()));
    }

    [Test]
    public void IntegerOutputsAreNotDifferentiableAndInputsAreNeverRelabelled()
    {
        var x = Leaf(new Generator(4), 2, 5);
        var outputs = TinyGrad.Autograd.Function("max_with_index", [x],
            (ctx, i) => [i[0].Max([1]), i[0].ArgMax(1), i[0]],
            (ctx, g) => [g[2] + g[0].Unsqueeze(1) * 0.0]);
        Assert.That(outputs[1].DType, Is.EqualTo(DType.Int32));
        Assert.That(outputs[1].RequiresGrad, Is.False);
        Assert.That(outputs[2], Is.Not.SameAs(x), "an input returned as output is handed out as a new tensor");
        Assert.That(x.IsLeaf, Is.True);
        outputs[2].Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(Enumerable.Repeat(1.0, 10)));
    }

    [Test]
    public void BackwardReturningTheWrongNumberOfGradientsNamesTheOp()
    {
        var x = Leaf(new Generator(5), 3);
        var y = TinyGrad.Autograd.Function("too_many", [x], (ctx, i) => [i[0] * 2.0], (ctx, g) => [g[0], g[0]])[0];
        var ex = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.That(ex!.Message, Does.Contain("too_many").And.Contain("2 gradients for 1 inputs"));
    }

    [Test]
    public void SavedTensorsAreReleasedWithTheGraph()
    {
        var x = Leaf(new Generator(6), 64);
        var (outputs, saved) = OpSavingAnIntermediate(x);
        outputs[0].Sum().Backward(retainGraph: true);
        Collect();
        Assert.That(saved.IsAlive, Is.True, "kept while the graph is retained");
        outputs[0].Sum().Backward();
        Collect();
        Assert.That(saved.IsAlive, Is.False, "released once backward frees the graph, while the outputs live on");
        GC.KeepAlive(outputs);
        var ex = Assert.Throws<InvalidOperationException>(() => outputs[1].Sum().Backward());
        Assert.That(ex!.Message, Does.Contain("'keeps_tanh'").And.Contain("freed"));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Tensor[] Outputs, WeakReference Saved) OpSavingAnIntermediate(Tensor x)
    {
        WeakReference? saved = null;
        var outputs = TinyGrad.Autograd.Function("keeps_tanh", [x],
            (ctx, i) =>
            {
                var t = i[0].Tanh();
                saved = new WeakReference(t);
                ctx.SaveForBackward(t);
                return [t * 2.0, t * 3.0];
            },
            (ctx, g) =>
            {
                var t = ctx.SavedTensors[0];
                return [(g[0] * 2.0 + g[1] * 3.0) * (1.0 - t * t)];
            });
        return (outputs, saved!);
    }

    private static void Collect()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [Test]
    public void AnIntermediateSavedInForwardIsAConstantToDoubleBackward()
    {
        var x = Leaf(new Generator(8), 2, 3);
        // exp(x) made in forward and saved: right first derivative, but double backward cannot see that it
        // depends on x (as in PyTorch); gradgradcheck names the entry. Recomputing it in backward is exact.
        Tensor Saved(Tensor t) => TinyGrad.Autograd.Function("exp_saved", [t], (ctx, i) =>
        {
            var e = i[0].Exp();
            ctx.SaveForBackward(e * 1.0);
            return [e];
        }, (ctx, g) => [g[0] * ctx.SavedTensors[0]])[0];
        Tensor Recomputed(Tensor t) => TinyGrad.Autograd.Function("exp_recomputed", [t], (ctx, i) =>
        {
            ctx.SaveForBackward(i[0]);
            return [i[0].Exp()];
        }, (ctx, g) => [g[0] * ctx.SavedTensors[0].Exp()])[0];
        TinyGrad.Autograd.GradCheck(i => Saved(i[0]), [x]).ThrowIfFailed();
        var wrong = TinyGrad.Autograd.GradGradCheck(i => Saved(i[0]), [x]);
        Assert.That((wrong.Passed, wrong.InputName), Is.EqualTo((false, "input 0")));
        TinyGrad.Autograd.GradGradCheck(i => Recomputed(i[0]), [x]).ThrowIfFailed();
    }

    [Test]
    public void SingleOutputOverloadPassesTheInputsToBackward()
    {
        var g = new Generator(7);
        var a = Leaf(g, 3);
        var b = Leaf(g, 3);
        Tensor Mul(Tensor[] x) => TinyGrad.Autograd.Function("mul", x, i => i[0] * i[1], (grad, inputs) => [grad * inputs[1], grad * inputs[0]]);
        TinyGrad.Autograd.GradCheck(Mul, [a, b]).ThrowIfFailed();
        TinyGrad.Autograd.GradGradCheck(Mul, [a, b]).ThrowIfFailed();
    }
}
