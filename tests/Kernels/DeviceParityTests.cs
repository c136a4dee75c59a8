using NUnit.Framework;

namespace TinyGrad.Tests.Kernels;

/// Each kernel device's primitives against ReferenceBackend, one case per primitive: Parity("gemm"), ...
/// A device that is absent is Ignored unless TINYGRAD_REQUIRE names it (CI: ilgpu-cpu; bench/gpu: cuda).
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Ilgpu))]
public sealed class DeviceParityTests(string device)
{
    public static IEnumerable<string> Primitives => ParityChecks.Primitives;

    [TestCaseSource(nameof(Primitives))]
    public void Parity(string primitive) => ParityChecks.RunParity(TestDevices.Require(device).Backend, primitive);
}
