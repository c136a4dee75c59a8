using NUnit.Framework;
using TinyGrad.Kernels.Ilgpu;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Tests.Devices;

/// Device memory and compiled kernels are reused: after the first training step, later steps take
/// no new block from the device and compile no kernel.
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Others))]
public sealed class IlgpuMemoryTests(string device)
{
    [Test]
    public void TrainingStepsReuseDeviceMemoryAndCompiledKernels()
    {
        var d = TestDevices.Require(device);
        var backend = (IlgpuBackend)d.Backend;
        var saved = Device.Default;
        Device.Default = d;
        try
        {
            var g = new Generator(5);
            var model = new Sequential(new Conv2d(1, 4, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3, generator: g));
            var x = Tensor.Randn([6, 1, 8, 8], g);
            var labels = Tensor.FromArray(new[] { 0, 1, 2, 0, 1, 2 }, [6]);
            var optimizer = new Adam(model.Parameters(), lr: 0.01);
            void Step()
            {
                optimizer.ZeroGrad();
                Functional.CrossEntropy(model.Forward(x), labels).Backward();
                optimizer.Step();
                // Dropped tensors return their blocks when finalized.
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            Step();
            Step();
            var after = backend.Footprint;
            for (int i = 0; i < 3; i++) Step();
            Assert.That(backend.Footprint, Is.EqualTo(after), "blocks allocated, kernels compiled");
            Assert.That(after.Kernels, Is.GreaterThan(10), "the step ran kernels on the device");
        }
        finally
        {
            Device.Default = saved;
        }
    }
}
