using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The random family: the Philox stream at two seeds and offsets, both distributions.
public static partial class ParityChecks
{
    private static void Random(ParityContext c)
    {
        foreach (var dtype in Floats)
        foreach (var dist in new[] { RandomDistribution.Uniform, RandomDistribution.Normal })
        foreach (var (seed, offset) in new[] { (42UL, 0UL), (7UL, 123_456_789_000UL) })
        {
            var d = c.Upload(dtype, new double[1003]);
            c.Both((b, on) => b.Random(on(d), dist, seed, offset));
            // The uniform bits are the same everywhere; a device's own log/cos may differ from .NET's in the last ulp.
            double tolerance = dist == RandomDistribution.Uniform ? 0 : dtype == DType.Float32 ? 1e-6 : 1e-14;
            c.AssertSame(d, tolerance, $"random {dtype} {dist} seed {seed} offset {offset}");
        }
    }
}
