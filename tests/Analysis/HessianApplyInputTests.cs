using NUnit.Framework;
using TinyGrad.Analysis;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Analysis;

/// <summary>HessianOperator.Apply takes a flat vector of the operator's size, dtype and device, and says so otherwise.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class HessianApplyInputTests(string device)
{
    [Test]
    public void TheVectorIsFlatInTheParametersDTypeAndDevice()
    {
        var on = TestDevices.Require(device);
        var w = Tensor.Randn([2, 3], new Generator(1), device: on);
        w.RequiresGrad = true;
        var hessian = new HessianOperator(() => (w * w * w).Sum(), [w]);
        var v = Tensor.Ones([6], device: on);
        Assert.That(hessian.Apply(v).ToArray<float>(), Is.EqualTo(w.ToArray<float>().Select(x => 6 * x)).Within(1e-5), "H v = 6 w v");
        var ex = Assert.Throws<ArgumentException>(() => hessian.Apply(Tensor.Ones([2, 3], device: on)));
        Assert.That(ex!.Message, Does.Contain("flat vector of 6 elements"));
        ex = Assert.Throws<ArgumentException>(() => hessian.Apply(Tensor.Ones([6], DType.Float64, on)));
        Assert.That(ex!.Message, Does.Contain("Float32 vector on").And.Contain("got Float64"));
        if (on != Device.Cpu)
        {
            ex = Assert.Throws<ArgumentException>(() => hessian.Apply(Tensor.Ones([6])));
            Assert.That(ex!.Message, Does.Contain($"on {on}"));
        }
    }
}
