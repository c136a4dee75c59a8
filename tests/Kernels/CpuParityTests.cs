using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// CpuBackend against ReferenceBackend, one test case per primitive: Parity("gemm"), ...
public sealed class CpuParityTests
{
    public static IEnumerable<string> Primitives => ParityChecks.Primitives;

    [TestCaseSource(nameof(Primitives))]
    public void Parity(string primitive) => ParityChecks.RunParity(new CpuBackend(), primitive);

    [Test]
    public void ThreadedKernelsAreBitwiseRepeatable()
    {
        var cpu = new CpuBackend();
        var g = new Conv2dGeometry(4, 8, 17, 19, 16, 3, 3, 1, 1, 1, 1, 1, 1);
        var (nx, nw, ny) = g.Sizes;
        DeviceBuffer x = cpu.Allocate(DType.Float32, nx), w = cpu.Allocate(DType.Float32, nw);
        cpu.Random(x, RandomDistribution.Normal, 3, 0);
        cpu.Random(w, RandomDistribution.Normal, 4, 0);
        float[]? first = null;
        for (int run = 0; run < 4; run++)
        {
            DeviceBuffer y = cpu.Allocate(DType.Float32, ny), dw = cpu.Allocate(DType.Float32, nw), s = cpu.Allocate(DType.Float32, 16);
            cpu.Conv2dForward(g, x, w, y);
            cpu.Conv2dBackwardWeight(g, x, y, dw);
            cpu.Reduce(ReduceOp.Sum, StridedView.Contiguous(y, [4, 16, g.OutH * g.OutW]), StridedView.Contiguous(s, [1, 16, 1]));
            var result = new float[ny + nw + 16];
            cpu.Download<float>(y, result.AsSpan(0, ny));
            cpu.Download<float>(dw, result.AsSpan(ny, nw));
            cpu.Download<float>(s, result.AsSpan(ny + nw));
            first ??= result;
            Assert.That(result, Is.EqualTo(first), $"run {run}");
        }
    }

    [Test]
    public void DescribesItself()
    {
        var cpu = new CpuBackend();
        Assert.That(cpu.Name, Is.EqualTo("cpu"));
        Assert.That(cpu.Description, Does.Contain(Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
