using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Tests.Nn;

/// <summary>
/// Module.To(device) and To(dtype): a model trained on cpu, moved in place to the device under test,
/// predicts what it predicted on cpu (within 1e-5) and keeps training with its optimizer, whose state follows.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class ModuleToTests(string device)
{
    private Device target = Device.Cpu;

    [SetUp]
    public void SetUp() => target = TestDevices.Require(device);

    private static (Tensor X, Tensor Y)[] Batches(int count, Device on)
    {
        var g = new Generator(31);
        return [.. Enumerable.Range(0, count).Select(i => (Tensor.Randn([6, 1, 8, 8], g, device: on), Tensor.FromArray(new[] { 0, 1, 2, i % 3, 1, 0 }, on)))];
    }

    [Test]
    public void ATrainedModelPredictsTheSameAfterMovingAndKeepsTraining()
    {
        var model = StateDictTests.Cnn(1);
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        StateDictTests.Steps(model, optimizer, Batches(3, Device.Cpu));
        var parameters = model.Parameters().ToArray();
        var x = Tensor.Randn([8, 1, 8, 8], new Generator(4));
        float[] onCpu;
        using (Autograd.NoGrad()) onCpu = model.Forward(x).ToArray<float>();

        // The reference keeps training on cpu; the moved copy continues on the device under test.
        var reference = StateDictTests.Cnn(1);
        var referenceOptimizer = new Adam(reference.Parameters(), lr: 0.01);
        StateDictTests.Steps(reference, referenceOptimizer, Batches(3, Device.Cpu));

        Assert.That(model.To(target), Is.SameAs(model));
        Assert.That(model.Parameters().ToArray(), Is.EqualTo(parameters).Using<Tensor>(ReferenceEquals), "the same tensor objects, moved in place");
        Assert.That(model.Parameters().All(p => p.Device == target && p.Grad!.Device == target), Is.True, "parameters and their gradients");
        float[] moved;
        using (Autograd.NoGrad()) moved = model.Forward(x.To(target)).ToArray<float>();
        Assert.That(moved, Is.EqualTo(onCpu).Within(1e-5));

        // The optimizer built before the move keeps working: its state follows the parameters.
        StateDictTests.Steps(model, optimizer, Batches(5, target).Skip(3));
        StateDictTests.Steps(reference, referenceOptimizer, Batches(5, Device.Cpu).Skip(3));
        Assert.That(optimizer.State(0)["exp_avg"].Device, Is.EqualTo(target));
        Assert.That(model.ParametersToVector().To(Device.Cpu).ToArray<float>(), Is.EqualTo(reference.ParametersToVector().ToArray<float>()).Within(1e-5));
    }

    [Test]
    public void ToDTypeConvertsInPlaceAndTheStateFollows()
    {
        if (!target.Backend.SupportsFloat64) Assert.Ignore($"{target} has no Float64");
        var model = StateDictTests.Cnn(2).To(target);
        var optimizer = new Sgd(model.Parameters(), lr: 0.1, momentum: 0.9);
        StateDictTests.Steps(model, optimizer, Batches(1, target));
        var narrow = model.ParametersToVector().ToArray<float>();
        model.To(DType.Float64);
        Assert.That(model.Parameters().All(p => p.DType == DType.Float64 && p.Device == target), Is.True);
        Assert.That(model.ParametersToVector().ToArray<double>(), Is.EqualTo(narrow.Select(v => (double)v)), "widened exactly");
        var batch = Batches(2, target)[1];
        optimizer.ZeroGrad();
        Functional.CrossEntropy(model.Forward(batch.X.To(DType.Float64)), batch.Y).Backward();
        optimizer.Step();
        Assert.That(optimizer.State(0)["momentum_buffer"].DType, Is.EqualTo(DType.Float64));
        var ex = Assert.Throws<ArgumentException>(() => model.To(DType.Int32));
        Assert.That(ex!.Message, Does.Contain("Int32"));
    }
}
