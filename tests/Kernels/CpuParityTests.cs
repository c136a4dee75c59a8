using NUnit.Framework;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// CpuBackend against ReferenceBackend, one test case per primitive: Parity("gemm"), ...
public sealed class CpuParityTests
{
    public static IEnumerable<string> Primitives => ParityChecks.Primitives;

    [TestCaseSource(nameof(Primitives))]
    public void Parity(string primitive) => ParityChecks.RunParity(new CpuBackend(), primitive);

    [Test]
    public void DescribesItself()
    {
        var cpu = new CpuBackend();
        Assert.That(cpu.Name, Is.EqualTo("cpu"));
        Assert.That(cpu.Description, Does.Contain(Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
