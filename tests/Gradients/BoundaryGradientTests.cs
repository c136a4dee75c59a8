using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Gradients;

/// <summary>
/// Gradients at points where an op is not differentiable follow PyTorch 1.13 (values confirmed with
/// python3-torch 1.13, float64, loss = sum of the output): the subgradient it picks, NaN where it gives NaN.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class BoundaryGradientTests(string device) : DeviceFixture(device)
{
    private static Tensor Leaf(params double[] values)
    {
        var t = Tensor.FromArray(values, [values.Length]);
        t.RequiresGrad = true;
        return t;
    }

    private static double[] Grad(Tensor y, Tensor x) => TinyGrad.Autograd.Grad([y.Sum()], [x])[0].ToArray<double>();

    public static IEnumerable<string> BoundaryOps => OpCases.All.Where(c => c.Value.Boundary is not null).Select(c => c.Key);

    /// <summary>
    /// Every registered op with boundary points: its value and gradient there are PyTorch's, NaN for
    /// NaN, the sign of a zero included, else within 1e-12 relative.
    /// </summary>
    [TestCaseSource(nameof(BoundaryOps))]
    public void PyTorchValuesAtBoundaryPoints(string op)
    {
        var c = OpCases.All[op];
        var b = c.Boundary!;
        var inputs = c.Inputs(new Generator(1234));
        var x = inputs[0] = Leaf(b.X);
        var y = c.Apply(inputs);
        Same(y.ToArray<double>(), b.Y, "value");
        Same(Grad(y, x), b.Grad, "gradient");

        void Same(double[] actual, double[] expected, string what)
        {
            Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{op}: {what}s");
            for (int i = 0; i < expected.Length; i++)
            {
                double e = expected[i], a = actual[i];
                bool same = double.IsNaN(e) ? double.IsNaN(a)
                    : e == a ? e != 0 || double.IsNegative(e) == double.IsNegative(a)
                    : Math.Abs(a - e) <= 1e-12 * Math.Abs(e);
                Assert.That(same, $"{op}: {what} at x = {b.X[i]:R} is {a:R}, PyTorch's is {e:R}");
            }
        }
    }

    [Test]
    public void ClampPassesTheFullGradientAtBothBounds()
    {
        var x = Leaf(-1, 1, 0, 2, -3, double.NaN);
        Assert.That(Grad(x.Clamp(-1, 1), x), Is.EqualTo(new[] { 1.0, 1, 1, 0, 0, 0 }));
        Assert.That(x.Clamp(-1, 1).ToArray<double>(), Is.EqualTo(new[] { -1.0, 1, 0, 1, -1, double.NaN }));
    }

    [Test]
    public void PowZeroHasZeroGradientEverywhereIncludingZero()
    {
        var x = Leaf(0, 1, -2);
        Assert.That(Grad(x.Pow(0.0), x), Is.EqualTo(new[] { 0.0, 0, 0 }));
        Assert.That(x.Pow(0.0).ToArray<double>(), Is.EqualTo(new[] { 1.0, 1, 1 }));
    }

    [TestCase(2.0, 0.0)]
    [TestCase(0.5, double.PositiveInfinity)]
    [TestCase(0.0, 0.0)]
    public void PowExponentGradientIsZeroAtZeroBase(double exponent, double expectedBaseGrad)
    {
        var a = Leaf(0);
        var b = Leaf(exponent);
        var grads = TinyGrad.Autograd.Grad([a.Pow(b).Sum()], [a, b]);
        Assert.That(grads[1].ToArray<double>(), Is.EqualTo(new[] { 0.0 }), "d(a^b)/db at a = 0");
        Assert.That(grads[0].ToArray<double>(), Is.EqualTo(new[] { expectedBaseGrad }), "d(a^b)/da at a = 0");
    }

    [Test]
    public void PowExponentGradientAwayFromZeroIsUnchanged()
    {
        var a = Leaf(2);
        var b = Leaf(3);
        var grads = TinyGrad.Autograd.Grad([a.Pow(b).Sum()], [a, b]);
        Assert.That(grads[0].ToArray<double>()[0], Is.EqualTo(12.0).Within(1e-12));
        Assert.That(grads[1].ToArray<double>()[0], Is.EqualTo(8 * Math.Log(2)).Within(1e-12));
    }

    [Test]
    public void MaximumAndMinimumWithNaNSendTheFullGradientToBoth()
    {
        foreach (bool max in new[] { true, false })
        {
            var a = Leaf(1, double.NaN, 3, 5);
            var b = Leaf(double.NaN, 2, 3, 4);
            var y = max ? a.Maximum(b) : a.Minimum(b);
            var grads = TinyGrad.Autograd.Grad([y.Sum()], [a, b]);
            // NaN pairs: 1 to both; a tie: half each; otherwise all to the winner.
            double[] ga = max ? [1, 1, 0.5, 1] : [1, 1, 0.5, 0], gb = max ? [1, 1, 0.5, 0] : [1, 1, 0.5, 1];
            Assert.That(grads[0].ToArray<double>(), Is.EqualTo(ga), max ? "maximum a" : "minimum a");
            Assert.That(grads[1].ToArray<double>(), Is.EqualTo(gb), max ? "maximum b" : "minimum b");
        }
    }

    [Test]
    public void UnbiasedVarianceOfOneElementIsNaNWithNaNGradient()
    {
        var x = Tensor.FromArray(new double[] { 0.5, -1, 2 }, [3, 1]);
        x.RequiresGrad = true;
        var v = x.Var([1]);
        Assert.That(v.ToArray<double>(), Is.All.NaN);
        var g = TinyGrad.Autograd.Grad([v.Sum()], [x])[0].ToArray<double>();
        Assert.That(g, Is.All.NaN);
        // The biased variance of one element is 0, with gradient 0.
        var vb = x.Var([1], unbiased: false);
        Assert.That(vb.ToArray<double>(), Is.EqualTo(new[] { 0.0, 0, 0 }));
        Assert.That(TinyGrad.Autograd.Grad([vb.Sum()], [x])[0].ToArray<double>(), Is.EqualTo(new[] { 0.0, 0, 0 }));
    }

    [Test]
    public void MaxAndMinOverAnAxisSplitTiesEvenlyLikeAmax()
    {
        var x = Tensor.FromArray(new double[] { 1, 3, 3, 2, 2, 2 }, [2, 3]);
        x.RequiresGrad = true;
        Assert.That(TinyGrad.Autograd.Grad([x.Max(1).Sum()], [x])[0].ToArray<double>(),
            Is.EqualTo(new[] { 0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3 }).Within(1e-15));
        var m = Tensor.FromArray(new double[] { 1, 1, 3, 2, 2, 2 }, [2, 3]);
        m.RequiresGrad = true;
        Assert.That(TinyGrad.Autograd.Grad([m.Min(1).Sum()], [m])[0].ToArray<double>(),
            Is.EqualTo(new[] { 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3 }).Within(1e-15));
    }

    [Test]
    public void BoundaryRulesKeepSecondOrderDerivatives()
    {
        // d/dx of the clamp gradient times x^2: the rule is itself differentiable (Hessian diag 2 inside, 0 outside).
        var x = Leaf(-1, 0.5, 3);
        var y = x.Clamp(-1, 1) * x * x;
        var g = TinyGrad.Autograd.Grad([y.Sum()], [x], createGraph: true)[0];
        var h = TinyGrad.Autograd.Grad([g.Sum()], [x])[0].ToArray<double>();
        // y = x^3 inside (y'' = 6x), 1 * x^2 above the upper bound (y'' = 2).
        Assert.That(h, Is.EqualTo(new[] { -6.0, 3, 2 }).Within(1e-12));
    }
}
