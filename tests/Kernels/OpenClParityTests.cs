using NUnit.Framework;

namespace TinyGrad.Tests.Kernels;

/// The OpenCL kernels against ReferenceBackend, one case per primitive: Parity("gemm"), ...
/// Ignored without an OpenCL device unless TINYGRAD_REQUIRE=opencl.
public sealed class OpenClParityTests
{
    public static IEnumerable<string> Primitives => ParityChecks.Primitives;

    [TestCaseSource(nameof(Primitives))]
    public void Parity(string primitive) => ParityChecks.RunParity(TestDevices.Require("opencl").Backend, primitive);
}
