using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.OpenCl;

namespace TinyGrad.Tests.Devices;

public sealed class OpenClTests
{
    private static OpenClBackend Backend() => (OpenClBackend)TestDevices.Require("opencl").Backend;

    [Test]
    public void SyntaxErrorCarriesTheCompilerLog()
    {
        var backend = Backend();
        var ex = Assert.Throws<KernelBuildException>(() => backend.Build("__kernel void broken(__global float* x) { x[0] = ; }", ""));
        Assert.That(ex!.Log, Is.Not.Empty);
        Assert.That(ex.Message, Does.Contain("build failed").And.Contain(ex.Log));
        Assert.That(ex.Log, Does.Contain("error").IgnoreCase);
    }

    [Test]
    public void MissingRuntimeSaysWhatWasLookedFor()
    {
        var ex = Assert.Throws<BackendUnavailableException>(() => NativeLibraries.Require("OpenCL-test-missing", "OpenCL runtime", ["libOpenCL-missing.so.1"]));
        Assert.That(ex!.Message, Is.EqualTo("OpenCL runtime not found (looked for libOpenCL-missing.so.1)"));
    }

    [Test]
    public void CompiledProgramsAreCachedOnDisk()
    {
        var backend = Backend();
        string dir = Path.Combine(Path.GetTempPath(), "tinygrad-cache-test-" + Guid.NewGuid().ToString("N"));
        string? saved = Environment.GetEnvironmentVariable("TINYGRAD_CACHE");
        Environment.SetEnvironmentVariable("TINYGRAD_CACHE", dir);
        try
        {
            const string source = "__kernel void twice(__global float* x) { x[get_global_id(0)] *= 2.0f; }";
            backend.Build(source, "");
            var files = Directory.GetFiles(Path.Combine(dir, "opencl"), "*.bin");
            Assert.That(files, Has.Length.EqualTo(1));
            var written = File.GetLastWriteTimeUtc(files[0]);
            backend.Build(source, ""); // served from the cache: the file is not rewritten
            Assert.That(File.GetLastWriteTimeUtc(files[0]), Is.EqualTo(written));
            backend.Build(source, "-cl-fast-relaxed-math"); // other options: another entry
            Assert.That(Directory.GetFiles(Path.Combine(dir, "opencl"), "*.bin"), Has.Length.EqualTo(2));
        }
        finally
        {
            Environment.SetEnvironmentVariable("TINYGRAD_CACHE", saved);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void MixingDevicesInOneOpIsAClearError()
    {
        var gpu = TestDevices.Require("opencl");
        var a = Tensor.Ones([3], device: Device.Cpu);
        var b = Tensor.Ones([3], device: gpu);
        var ex = Assert.Throws<ArgumentException>(() => _ = a + b);
        Assert.That(ex!.Message, Does.Contain("cpu").And.Contain("opencl"));
        Assert.That((a + b.To(Device.Cpu)).ToArray<float>(), Is.EqualTo(new[] { 2f, 2, 2 }));
    }

    [Test]
    public void SmallCnnTrainsToTheCpuLossCurve()
    {
        var cpu = CnnCurve.Train(Device.Cpu);
        var gpu = CnnCurve.Train(TestDevices.Require("opencl"));
        Assert.That(cpu[^1], Is.LessThan(cpu[0] * 0.7), "the CNN learns");
        int mismatch = CnnCurve.FirstMismatch(cpu, gpu);
        Assert.That(mismatch, Is.EqualTo(-1), mismatch < 0 ? "" : $"step {mismatch}: cpu {cpu[mismatch]}, opencl {gpu[mismatch]}");
    }
}
