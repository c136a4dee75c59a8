using NUnit.Framework;

namespace TinyGrad.Tests.Kernels;

/// Each kernel device's primitives against ReferenceBackend, one case per check: Parity("gemm", "gemm"), ...
/// A device that is absent is Ignored unless TINYGRAD_REQUIRE names it (CI: ilgpu-cpu; bench/gpu: cuda).
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Others))]
public sealed class DeviceParityTests(string device)
{
    [TestCaseSource(typeof(ParityChecks), nameof(ParityChecks.Cases))]
    public void Parity(string family, string check) => ParityChecks.Run(TestDevices.Require(device).Backend, family, check);
}
