using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The convolution's weight and bias gradients in one call give the bits of the weight gradient
/// followed by Reduce's sum of dy over N, H and W: on the path that sums each plane while the weight
/// gradient reads it (N, O and the plane above 1) and on the default (the rest), float and double,
/// with a NaN and a -0 plane in dy.
public sealed class ConvBiasGradientTests
{
    private static readonly Conv2dGeometry[] Geometries =
    [
        new(5, 3, 9, 11, 7, 3, 3, 1, 1, 1, 1, 1, 1),
        new(4, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2, 1, 1),
        new(3, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1),
        new(1, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 3, 6, 6, 1, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 3, 3, 3, 4, 3, 3, 1, 1, 0, 0, 1, 1),
    ];

    [Test]
    public void WeightAndBiasGradientsInOneCallGiveTheSumsBits()
    {
        var backend = Device.Cpu.Backend;
        ulong seed = 70;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (var g in Geometries)
        {
            var (xs, ws, ys) = g.Sizes;
            double[] xv = HostData.Uniform<double>(xs, seed++), dyv = HostData.Uniform<double>(ys, seed++);
            dyv[ys / 2] = double.NaN;
            int plane = g.OutH * g.OutW;
            if (g.O > 1) for (int i = 0; i < plane; i++) dyv[plane + i] = -0.0;
            using var x = backend.Upload(dtype, xv);
            using var dy = backend.Upload(dtype, dyv);
            using var dw0 = backend.Allocate(dtype, ws);
            using var db0 = backend.Allocate(dtype, g.O);
            using var dw1 = backend.Allocate(dtype, ws);
            using var db1 = backend.Allocate(dtype, g.O);
            backend.Conv2dBackwardWeight(g, x, dy, dw0);
            backend.Reduce(ReduceOp.Sum, StridedView.Contiguous(dy, [g.N, g.O, g.OutH, g.OutW]), StridedView.Contiguous(db0, [1, g.O, 1, 1]));
            backend.Conv2dBackwardWeightAndBias(g, x, dy, dw1, db1);
            string what = $"{dtype} {g}";
            AssertBits(backend, dw0, dw1, what + " weight gradient");
            AssertBits(backend, db0, db1, what + " bias gradient");
        }
    }

    private static void AssertBits(Backend backend, DeviceBuffer expected, DeviceBuffer actual, string what)
    {
        double[] e = backend.ReadDoubles(expected), a = backend.ReadDoubles(actual);
        for (int i = 0; i < e.Length; i++)
            if (BitConverter.DoubleToInt64Bits(e[i]) != BitConverter.DoubleToInt64Bits(a[i]))
                Assert.Fail($"{what}: [{i}] = {a[i]}, separately {e[i]}");
    }
}
