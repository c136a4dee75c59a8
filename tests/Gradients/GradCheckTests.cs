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

    /// <summary>The op's inputs on the device under test, those not listed as constant marked as requiring grad, and R.</summary>
    private static (OpCase Op, Tensor[] Inputs, Tensor Weights) Setup(string name)
    {
        var op = OpCases.All[name];
        var g = new Generator(1234);
        var inputs = op.Inputs(g);
        Assert.That(inputs[0].Device, Is.SameAs(Device.Default), "inputs are created on the device under test");
        var constant = op.Constant ?? [];
        for (int i = 0; i < inputs.Length; i++) inputs[i].RequiresGrad = !constant.Contains(i);
        Tensor y;
        using (TinyGrad.Autograd.NoGrad()) y = op.Apply(inputs);
        var weights = Tensor.Randn(y.Shape.ToArray(), g, DType.Float64);
        return (op, inputs, weights);
    }

    /// <summary>Every entry of the gradient of the objective against its central difference (the public checker).</summary>
    [TestCaseSource(nameof(OpNames))]
    public void GradCheck(string op)
    {
        var (c, inputs, weights) = Setup(op);
        var result = TinyGrad.Autograd.GradCheck(x => Objective(c, x, weights), inputs, Eps, Atol, Rtol);
        Assert.That(result.Passed, Is.True, $"{op}: {result}");
        Assert.That(result.EntriesChecked, Is.EqualTo(inputs.Where(x => x.RequiresGrad).Sum(x => x.Numel)), $"{op}: every element of every differentiable input");
    }

    /// <summary>
    /// The public gradgradcheck in fast mode: every entry of a Hessian-vector product of the objective (its
    /// gradient differentiated along a random direction of the inputs and of the output gradient) against
    /// central differences of the gradient.
    /// </summary>
    [TestCaseSource(nameof(OpNames))]
    public void GradGradCheck(string op)
    {
        var (c, inputs, weights) = Setup(op);
        var result = TinyGrad.Autograd.GradGradCheck(x => Objective(c, x, weights), inputs, eps: Eps, atol: Atol, rtol: Rtol, fastMode: true);
        Assert.That(result.Passed, Is.True, $"{op}: {result}");
        Assert.That(result.EntriesChecked, Is.EqualTo(inputs.Where(x => x.RequiresGrad).Sum(x => x.Numel)), $"{op}: every gradient entry");
    }
}
