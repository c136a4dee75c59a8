using NUnit.Framework;

namespace TinyGrad.Tests.Kernels;

/// The CUDA kernels against ReferenceBackend, one case per primitive: Parity("gemm"), ...
/// Ignored without a CUDA device unless TINYGRAD_REQUIRE=cuda (bench/gpu sets it on the GPU machine).
public sealed class CudaParityTests
{
    public static IEnumerable<string> Primitives => ParityChecks.Primitives;

    [TestCaseSource(nameof(Primitives))]
    public void Parity(string primitive) => ParityChecks.RunParity(TestDevices.Require("cuda").Backend, primitive);
}
