using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Gradients;

/// <summary>
/// First and second derivatives of every registered op against float64 central differences:
/// |analytic - numeric| &lt;= 1e-5 + 1e-3 |numeric|.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class GradCheckTests(string device)
{
    private const double Eps = 1e-6, Atol = 1e-5, Rtol = 1e-3;

    public static IEnumerable<string> OpNames => OpCases.All.Keys;

    [SetUp]
    public void UseDevice()
    {
        var d = TestDevices.Require(device);
        if (!d.Backend.SupportsFloat64) Assert.Ignore($"{d} has no Float64: gradient checks need it");
        Device.Default = d;
    }

    [TearDown]
    public void RestoreDevice() => Device.Default = Device.Cpu;

    /// <summary>
    /// The scalar the checks differentiate: sum(R * y) + 0.5 sum(y * y) with a fixed random R. The
    /// quadratic term makes the output gradient depend on the inputs, so double backward also
    /// exercises each rule's derivative with respect to its incoming gradient.
    /// </summary>
    private static Tensor Objective(OpCase op, Tensor[] inputs, Tensor weights)
    {
        var y = op.Apply(inputs);
        return (weights * y).Sum() + 0.5 * (y * y).Sum();
    }

    private static (OpCase Op, Tensor[] Inputs, int[] Differentiable, Tensor Weights) Setup(string name)
    {
        var op = OpCases.All[name];
        var g = new Generator(1234);
        var inputs = op.Inputs(g);
        Assert.That(inputs[0].Device, Is.SameAs(Device.Default), "inputs are created on the device under test");
        var constant = op.Constant ?? [];
        var differentiable = Enumerable.Range(0, inputs.Length).Where(i => !constant.Contains(i)).ToArray();
        foreach (int i in differentiable) inputs[i].RequiresGrad = true;
        Tensor y;
        using (TinyGrad.Autograd.NoGrad()) y = op.Apply(inputs);
        var weights = Tensor.Randn(y.Shape.ToArray(), g, DType.Float64);
        return (op, inputs, differentiable, weights);
    }

    private static double Evaluate(OpCase op, Tensor[] inputs, Tensor weights)
    {
        using var _ = TinyGrad.Autograd.NoGrad();
        return Objective(op, inputs, weights).Item();
    }

    /// <summary>Replaces input <paramref name="i"/> by a leaf holding <paramref name="values"/>.</summary>
    private static Tensor[] With(Tensor[] inputs, int i, double[] values)
    {
        var copy = (Tensor[])inputs.Clone();
        copy[i] = Tensor.FromArray(values, inputs[i].Shape.ToArray());
        return copy;
    }

    [TestCaseSource(nameof(OpNames))]
    public void GradCheck(string op)
    {
        var (c, inputs, differentiable, weights) = Setup(op);
        var analytic = TinyGrad.Autograd.Grad([Objective(c, inputs, weights)], differentiable.Select(i => inputs[i]).ToArray());
        for (int k = 0; k < differentiable.Length; k++)
        {
            int i = differentiable[k];
            var x = inputs[i].ToArray<double>();
            var a = analytic[k].ToArray<double>();
            Assert.That(analytic[k].Shape.ToArray(), Is.EqualTo(inputs[i].Shape.ToArray()), $"{op}: gradient shape of input {i}");
            for (int e = 0; e < x.Length; e++)
            {
                var plus = (double[])x.Clone();
                var minus = (double[])x.Clone();
                plus[e] += Eps;
                minus[e] -= Eps;
                double numeric = (Evaluate(c, With(inputs, i, plus), weights) - Evaluate(c, With(inputs, i, minus), weights)) / (2 * Eps);
                Assert.That(Math.Abs(a[e] - numeric), Is.LessThanOrEqualTo(Atol + Rtol * Math.Abs(numeric)),
                    $"{op}: d/d input {i}[{e}]: analytic {a[e]}, numeric {numeric}");
            }
        }
    }

    [TestCaseSource(nameof(OpNames))]
    public void GradGradCheck(string op)
    {
        var (c, inputs, differentiable, weights) = Setup(op);
        var g = new Generator(99);
        var leaves = differentiable.Select(i => inputs[i]).ToArray();
        var directions = leaves.Select(t => Tensor.Randn(t.Shape.ToArray(), g, DType.Float64)).ToArray();

        // Analytic H v: differentiate <grad, v> once more.
        var grads = TinyGrad.Autograd.Grad([Objective(c, inputs, weights)], leaves, createGraph: true);
        Tensor dot = (grads[0] * directions[0]).Sum();
        for (int k = 1; k < leaves.Length; k++) dot = dot + (grads[k] * directions[k]).Sum();
        var hvp = dot.RequiresGrad
            ? TinyGrad.Autograd.Grad([dot], leaves, allowUnused: true)
            : leaves.Select(Tensor.ZerosLike).ToArray();

        // Numeric H v: central difference of the gradient along v.
        var plus = Shifted(+Eps);
        var minus = Shifted(-Eps);
        for (int k = 0; k < leaves.Length; k++)
        {
            var a = hvp[k].ToArray<double>();
            var p = plus[k].ToArray<double>();
            var m = minus[k].ToArray<double>();
            for (int e = 0; e < a.Length; e++)
            {
                double numeric = (p[e] - m[e]) / (2 * Eps);
                Assert.That(Math.Abs(a[e] - numeric), Is.LessThanOrEqualTo(Atol + Rtol * Math.Abs(numeric)),
                    $"{op}: (Hv) of input {differentiable[k]}[{e}]: analytic {a[e]}, numeric {numeric}");
            }
        }

        Tensor[] Shifted(double step)
        {
            var moved = (Tensor[])inputs.Clone();
            for (int k = 0; k < leaves.Length; k++)
            {
                var x = leaves[k].ToArray<double>();
                var v = directions[k].ToArray<double>();
                for (int e = 0; e < x.Length; e++) x[e] += step * v[e];
                moved[differentiable[k]] = Tensor.FromArray(x, leaves[k].Shape.ToArray());
                moved[differentiable[k]].RequiresGrad = true;
            }
            var movedLeaves = differentiable.Select(i => moved[i]).ToArray();
            return TinyGrad.Autograd.Grad([Objective(c, moved, weights)], movedLeaves);
        }
    }
}
