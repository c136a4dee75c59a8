using NUnit.Framework;
using TinyGrad.Kernels.Ilgpu;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Tests.Devices;

/// A training loop that never calls GC.Collect keeps the device pool bounded: the tape lets go of a
/// step's tensors after backward, and the allocator collects on its own to bring back the blocks of
/// dropped tensors (their finalizers return them). A step never waits for the device, and compiled
/// kernels stop growing after the first step.
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Others))]
[NonParallelizable]
public sealed class IlgpuMemoryTests(string device)
{
    // A small pool budget, so that the allocator's own collections start after a dozen tiny steps
    // (the default, 64 MiB at least, would take a million of them); the rule is the same.
    private const long PoolBudget = 64 << 10;

    [Test]
    public void TwoThousandStepsWithoutGcCollectKeepTheDevicePoolBounded()
    {
        // The same kind of device as the registry opens, with a small pool of its own.
        var kind = ((IlgpuBackend)TestDevices.Require(device).Backend).Kind;
        using var backend = new IlgpuBackend(kind, 0, PoolBudget);
        var saved = Device.Default;
        Device.Default = new Device(backend);
        try
        {
            TrainAndCheck(backend);
        }
        finally
        {
            Device.Default = saved;
        }
    }

    private void TrainAndCheck(IlgpuBackend backend)
    {
        var g = new Generator(5);
        var model = new Linear(8, 3, generator: g);
        var x = Tensor.Randn([6, 8], g);
        var labels = Tensor.FromArray(new[] { 0, 1, 2, 0, 1, 2 }, [6]);
        var optimizer = new Sgd(model.Parameters(), lr: 0.1, momentum: 0.9);
        Tensor Step()
        {
            optimizer.ZeroGrad();
            var loss = Functional.CrossEntropy(model.Forward(x), labels); // a checked gather at the labels
            loss.Backward();
            optimizer.Step();
            return loss;
        }
        float first = Step().ToArray<float>()[0];
        Step();
        int kernels = backend.Footprint.Kernels;
        long waits = backend.HostWaits;
        for (int i = 2; i < 1999; i++) Step();
        Assert.That(backend.HostWaits, Is.EqualTo(waits), "a training step does not wait for the device");
        float last = Step().ToArray<float>()[0];

        var pool = backend.Memory;
        TestContext.Out.WriteLine($"{device}: loss {first} -> {last}; {pool.RentedBytes >> 10} KiB rented in 2000 steps; " +
            $"pool {pool.HeldBytes >> 10} KiB in {pool.Blocks} blocks; {pool.Collections} collections of its own");
        Assert.That(last, Is.LessThan(first / 2), "the loop trains");
        Assert.That(backend.Footprint.Kernels, Is.EqualTo(kernels), "no kernel compiled after the first two steps");
        Assert.That(pool.Collections, Is.GreaterThan(10), "the allocator collected on its own");
        // Held: the live tensors (a few KiB) plus about one budget of dropped ones. A loop whose blocks
        // never came back would hold all it rented, over ten times this bound.
        Assert.That(pool.HeldBytes, Is.LessThanOrEqualTo(3 * PoolBudget));
        Assert.That(pool.RentedBytes, Is.GreaterThan(10 * 3 * PoolBudget));
    }
}
