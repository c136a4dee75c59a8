using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad.Tests.Kernels;

/// The CPU's weight gradient, whichever way round it multiplies (dy times the unfolded image
/// transposed for a first layer's 25 or 27 unfolded rows, else the unfolded image times dy^T), gives
/// the bits of its definition as the blocked GEMM sums it: per element, each image's product summed
/// over the output pixels with fused multiply-adds in K blocks (two for 400 pixels), each block from
/// zero and added to the running sum, images in order within two fixed chunks, then the chunks
/// added. A change of order (another way round, or another cut) must show here.
public sealed class ConvWeightGradientBitsTests
{
    private static readonly Conv2dGeometry[] Geometries =
    [
        new(3, 32, 14, 14, 20, 3, 3, 1, 1, 1, 1, 1, 1),
        new(2, 16, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 8, 6, 7, 10, 3, 2, 1, 1, 1, 0, 1, 1),
        new(2, 8, 20, 20, 4, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 32, 8, 8, 28, 3, 3, 1, 1, 1, 1, 1, 1),
        new(2, 3, 9, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 1, 12, 12, 8, 5, 5, 1, 1, 2, 2, 1, 1),
    ];

    [Test]
    public void WeightGradientHasTheBlockedSumsBits()
    {
        var backend = Device.Cpu.Backend;
        ulong seed = 130;
        foreach (var g in Geometries)
        {
            var (xs, ws, ys) = g.Sizes;
            float[] x = HostData.Uniform<float>(xs, seed++), dy = HostData.Uniform<float>(ys, seed++);
            using var xb = backend.Upload(x);
            using var dyb = backend.Upload(dy);
            using var dwb = backend.Allocate(DType.Float32, ws);
            backend.Conv2dBackwardWeight(g, xb, dyb, dwb);
            float[] actual = backend.Read<float>(dwb), expected = Expected(g, x, dy);
            for (int i = 0; i < ws; i++)
                if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                    Assert.Fail($"{g}: dw[{i}] = {actual[i]:R}, the blocked sums give {expected[i]:R}");
        }
    }

    private static float[] Expected(in Conv2dGeometry g, float[] x, float[] dy)
    {
        int ohw = g.OutH * g.OutW, kk = g.KH * g.KW, depth = GemmBlocking.KBlockDepth(ohw);
        var dw = new float[g.O * g.C * kk];
        for (int o = 0; o < g.O; o++)
        for (int c = 0; c < g.C; c++)
        for (int ij = 0; ij < kk; ij++)
        {
            float total = 0;
            for (int chunk = 0; chunk < 2; chunk++)
            {
                int n0 = g.N * chunk / 2, n1 = g.N * (chunk + 1) / 2;
                float running = 0;
                for (int n = n0; n < n1; n++)
                for (int k0 = 0; k0 < ohw; k0 += depth)
                {
                    float block = 0;
                    for (int p = k0; p < Math.Min(ohw, k0 + depth); p++)
                    {
                        int h = p / g.OutW - g.PadH + ij / g.KW, w = p % g.OutW - g.PadW + ij % g.KW;
                        float xv = h < 0 || h >= g.H || w < 0 || w >= g.W ? 0 : x[((n * g.C + c) * g.H + h) * g.W + w];
                        block = MathF.FusedMultiplyAdd(xv, dy[(n * g.O + o) * ohw + p], block);
                    }
                    running = n == n0 && k0 == 0 ? block : running + block;
                }
                total = chunk == 0 ? running : total + running;
            }
            dw[(o * g.C + c) * kk + ij] = total;
        }
        return dw;
    }
}
