using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Gradients;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class AutogradTests(string device) : DeviceFixture(device)
{
    private static Tensor Leaf(double[] values, params int[] shape)
    {
        var t = Tensor.FromArray(values, shape);
        t.RequiresGrad = true;
        return t;
    }

    [Test]
    public void BackwardAccumulatesIntoLeavesAcrossCalls()
    {
        var x = Leaf([1, 2, 3], 3);
        (x * x).Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new[] { 2.0, 4, 6 }));
        (x * 3.0).Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new[] { 5.0, 7, 9 }));
    }

    [Test]
    public void ReusedTensorGetsTheSumOfItsPaths()
    {
        var x = Leaf([2], 1);
        var y = x * x * x + x.Exp(); // 3x^2 + e^x
        y.Sum().Backward();
        Assert.That(x.Grad!.Item(), Is.EqualTo(12 + Math.Exp(2)).Within(1e-12));
    }

    [Test]
    public void SecondDerivativeOfCubicIsSixX()
    {
        var x = Leaf([1.5, -2], 2);
        var g = TinyGrad.Autograd.Grad([(x * x * x).Sum()], [x], createGraph: true)[0];
        Assert.That(g.ToArray<double>(), Is.EqualTo(new[] { 3 * 2.25, 3 * 4.0 }).Within(1e-12));
        var h = TinyGrad.Autograd.Grad([g.Sum()], [x])[0];
        Assert.That(h.ToArray<double>(), Is.EqualTo(new[] { 9.0, -12 }).Within(1e-12));
    }

    [Test]
    public void HessianVectorProductOfQuadraticFormIsAv()
    {
        // f(x) = 0.5 x^T A x with symmetric A: H = A, so Hv = A v exactly.
        var a = Tensor.FromArray(new double[] { 2, 1, 0, 1, 3, -1, 0, -1, 4 }, [3, 3]);
        var x = Leaf([0.3, -0.7, 1.1], 3);
        var v = Tensor.FromArray(new double[] { 1, 2, -1 }, [3]);
        var f = 0.5 * x.MatMul(a).MatMul(x);
        var g = TinyGrad.Autograd.Grad([f], [x], createGraph: true)[0];
        var hv = TinyGrad.Autograd.Grad([(g * v).Sum()], [x])[0];
        Assert.That(hv.ToArray<double>(), Is.EqualTo(new[] { 4.0, 8, -6 }).Within(1e-12));
    }

    [Test]
    public void GradOutputsWeightNonScalarOutputs()
    {
        var x = Leaf([1, 2, 3], 3);
        var y = x * x;
        var g = TinyGrad.Autograd.Grad([y], [x], [Tensor.FromArray(new double[] { 1, 0, -1 }, [3])])[0];
        Assert.That(g.ToArray<double>(), Is.EqualTo(new[] { 2.0, 0, -6 }));
    }

    [Test]
    public void NonScalarBackwardWithoutGradientThrows()
    {
        var x = Leaf([1, 2, 3], 3);
        var ex = Assert.Throws<InvalidOperationException>(() => (x * 2.0).Backward());
        Assert.That(ex!.Message, Does.Contain("not a scalar").And.Contain("[3]"));
    }

    [Test]
    public void BackwardOnTensorWithoutGradThrows()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }, [2]);
        var ex = Assert.Throws<InvalidOperationException>(() => x.Sum().Backward());
        Assert.That(ex!.Message, Does.Contain("does not require grad"));
    }

    [Test]
    public void GradientOfWrongShapeThrows()
    {
        var x = Leaf([1, 2, 3], 3);
        var ex = Assert.Throws<ArgumentException>(() => (x * 2.0).Backward(Tensor.Ones([2], DType.Float64)));
        Assert.That(ex!.Message, Does.Contain("[2]").And.Contain("[3]"));
    }

    [Test]
    public void OpWithoutBackwardRuleThrowsNamingIt()
    {
        var x = Leaf([1, 2], 2);
        var y = TinyGrad.Autograd.Function("my_opaque_op", [x], i => i[0] * 2.0, backward: null);
        Assert.That(y.RequiresGrad, Is.True);
        var ex = Assert.Throws<NotSupportedException>(() => y.Sum().Backward());
        Assert.That(ex!.Message, Does.Contain("my_opaque_op").And.Contain("no backward rule"));
    }

    [Test]
    public void CustomFunctionRuleIsUsed()
    {
        var x = Leaf([1, 2], 2);
        // Straight-through estimator: forward rounds, backward passes the gradient unchanged.
        var y = TinyGrad.Autograd.Function("straight_through", [x], i => (i[0] * 0.4).Sign(), (g, _) => [g]);
        (y * 3.0).Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new[] { 3.0, 3 }));
    }

    [Test]
    public void SecondBackwardThroughFreedGraphThrows()
    {
        var x = Leaf([1, 2], 2);
        var loss = (x.Exp() * x).Sum();
        loss.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.That(ex!.Message, Does.Contain("retainGraph"));
    }

    [Test]
    public void BackwardReleasesTheSavedTensorsUnlessRetainGraph()
    {
        var x = Leaf([1, 2], 2);
        var (loss, saved) = LossSavingAnIntermediate(x);
        loss.Backward(retainGraph: true);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.That(saved.IsAlive, Is.True, "a retained graph keeps the tensors its backward needs");
        loss.Backward();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.That(saved.IsAlive, Is.False, "after backward nothing holds the intermediate");
        Assert.That(x.Grad!.ToArray<double>()[0], Is.EqualTo(2 * 2 * Math.E).Within(1e-12), "both backwards ran: 2 * (x + 1) e^x at 1");
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.That(ex!.Message, Does.StartWith("Trying to backward through the graph a second time").And.Contain("retainGraph: true"));
    }

    /// <summary>(e^x * x).Sum() and a weak reference to e^x, which only the graph holds.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (Tensor Loss, WeakReference Saved) LossSavingAnIntermediate(Tensor x)
    {
        var e = x.Exp();
        return ((e * x).Sum(), new WeakReference(e));
    }

    [Test]
    public void RetainGraphAllowsASecondBackward()
    {
        var x = Leaf([1, 2], 2);
        var loss = (x * x).Sum();
        loss.Backward(retainGraph: true);
        loss.Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new[] { 4.0, 8 }));
    }

    [Test]
    public void NoGradScopeRecordsNothing()
    {
        var x = Leaf([1, 2], 2);
        Tensor y;
        using (TinyGrad.Autograd.NoGrad()) y = x * x;
        Assert.That(y.RequiresGrad, Is.False);
        Assert.That(y.IsLeaf, Is.True);
        Assert.That(TinyGrad.Autograd.IsEnabled, Is.True);
    }

    [Test]
    public void DetachCutsTheGraphButSharesMemory()
    {
        var x = Leaf([1, 2], 2);
        var d = (x * 2.0).Detach();
        Assert.That(d.RequiresGrad, Is.False);
        var y = (x * d).Sum();
        y.Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new[] { 2.0, 4 })); // d treated as constant
    }

    [Test]
    public void UnusedInputThrowsUnlessAllowed()
    {
        var x = Leaf([1], 1);
        var z = Leaf([5], 1);
        var y = (x * 2.0).Sum();
        Assert.Throws<InvalidOperationException>(() => TinyGrad.Autograd.Grad([y], [z], retainGraph: true));
        var g = TinyGrad.Autograd.Grad([y], [z], allowUnused: true)[0];
        Assert.That(g.ToArray<double>(), Is.EqualTo(new[] { 0.0 }));
    }

    [Test]
    public void GradWithRespectToAnIntermediate()
    {
        var x = Leaf([3], 1);
        var h = x * x;
        var y = (h * h).Sum(); // dy/dh = 2h = 18
        Assert.That(TinyGrad.Autograd.Grad([y], [h])[0].Item(), Is.EqualTo(18));
    }

    [Test]
    public void RequiresGradCannotBeSetOnNonLeaf()
    {
        var x = Leaf([1], 1);
        var y = x * 2.0;
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
    }

    [Test]
    public void IntegerTensorsCannotRequireGrad()
    {
        var i = Tensor.FromArray(new[] { 1, 2 }, [2]);
        Assert.Throws<InvalidOperationException>(() => i.RequiresGrad = true);
    }

    [Test]
    public void AnomalyModeNamesTheFirstOpThatMadeANaN()
    {
        var x = Leaf([-1, 4], 2);
        using var _ = TinyGrad.Autograd.DetectAnomaly();
        var ex = Assert.Throws<ArithmeticException>(() => x.Sqrt().Sum().Backward());
        Assert.That(ex!.Message, Does.Contain("sqrt"));
    }

    [Test]
    public void CastGradientFlowsBackInTheSourceDtype()
    {
        var x = Leaf([1, 2], 2);
        (x.To(DType.Float32) * 3.0f).Sum().Backward();
        Assert.That(x.Grad!.DType, Is.EqualTo(DType.Float64));
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(new[] { 3.0, 3 }));
    }

    [Test]
    public void ConvolutionHasThirdDerivatives()
    {
        // conv is bilinear, so d^3/dx dw dw of <R, conv(x, w)^2> exists and the rules compose to any order.
        var g = new Generator(5);
        // Small enough for ILGPU's simulator: 16 weights, two double backwards each.
        var x = Tensor.Randn([1, 2, 4, 4], g, DType.Float64);
        var w = Tensor.Randn([2, 2, 2, 2], g, DType.Float64);
        x.RequiresGrad = true;
        w.RequiresGrad = true;
        var third = TinyGrad.Autograd.Grad([SquaredMixedGradient(x, w, createGraph: true)], [w])[0];
        Assert.That(third.Shape.ToArray(), Is.EqualTo(new[] { 2, 2, 2, 2 }));
        // f(w) = sum(gx(w)^2) with gx linear in w: f is quadratic, so central differences of f (each
        // evaluation itself a double backward) give its gradient up to rounding.
        double[] w0 = w.ToArray<double>(), actual = third.ToArray<double>();
        const double h = 1e-3;
        for (int i = 0; i < w0.Length; i++)
        {
            double At(double delta)
            {
                var shifted = (double[])w0.Clone();
                shifted[i] += delta;
                var wi = Tensor.FromArray(shifted, [2, 2, 2, 2]);
                wi.RequiresGrad = true;
                return SquaredMixedGradient(x, wi, createGraph: false).Item();
            }
            double expected = (At(h) - At(-h)) / (2 * h);
            Assert.That(actual[i], Is.EqualTo(expected).Within(1e-6 * Math.Max(1, Math.Abs(expected))), $"d f / d w[{i}]");
        }
        Assert.That(actual.Max(Math.Abs), Is.GreaterThan(1), "a third derivative that is not trivially zero");
    }

    /// sum(gx^2) where gx = d/dx sum(d/dw sum(conv(x, w)^2)): a double backward through the convolution.
    private static Tensor SquaredMixedGradient(Tensor x, Tensor w, bool createGraph)
    {
        var y = x.Conv2d(w, padding: (1, 1));
        var gw = TinyGrad.Autograd.Grad([(y * y).Sum()], [w], createGraph: true)[0];
        var gx = TinyGrad.Autograd.Grad([gw.Sum()], [x], createGraph: createGraph)[0];
        return (gx * gx).Sum();
    }
}
