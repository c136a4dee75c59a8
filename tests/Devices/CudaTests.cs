using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cuda;

namespace TinyGrad.Tests.Devices;

/// <summary>CUDA without a GPU: clear messages and a CPU fallback. With a GPU: parity (see CudaParityTests).</summary>
public sealed class CudaTests
{
    private static bool DriverPresent()
    {
        try
        {
            return CudaDevices.List().Count > 0;
        }
        catch (BackendUnavailableException)
        {
            return false;
        }
    }

    [Test]
    public void MissingDriverSaysWhatWasLookedFor()
    {
        if (DriverPresent()) Assert.Ignore("a CUDA driver is present on this machine");
        var ex = Assert.Throws<ArgumentException>(() => Device.Parse("cuda"));
        Assert.That(ex!.Message, Does.Contain("CUDA driver not found (looked for libcuda.so.1"));
        var listed = Device.List().Single(d => d.Name == "cuda");
        Assert.That(listed.Available, Is.False);
        Assert.That(listed.Description, Does.Contain("CUDA driver not found"));
    }

    [Test]
    public void AutoFallsBackToTheCpuWithOneLineSayingWhy()
    {
        if (DriverPresent()) Assert.Ignore("a CUDA driver is present on this machine");
        var saved = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var device = Device.Parse("auto");
            // PoCL is a CPU OpenCL device: auto must not pick it.
            Assert.That(device, Is.SameAs(Device.Cpu));
        }
        finally
        {
            Console.SetError(saved);
        }
        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.Contain("using cpu").And.Contain("CUDA driver not found"));
    }

    [Test]
    public void CudaKernelSourceIsAssembledWithTheCudaPrelude()
    {
        var source = KernelSources.Program("prelude_cuda.h", DType.Float32, hasFloat64: true);
        Assert.That(source, Does.Contain("#define KERNEL extern \"C\" __global__"));
        Assert.That(source, Does.Contain("#define T float"));
        Assert.That(source, Does.Contain("KERNEL void gemm("));
        Assert.That(source, Does.Not.Contain("__kernel"), "the shared sources use the dialect's words only");
    }
}
