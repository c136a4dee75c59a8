using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The conv family: forward (with and without bias) and both backward primitives on fixed geometries.
public static partial class ParityChecks
{
    private static readonly Conv2dGeometry[] ConvGeometries =
    [
        new(2, 3, 7, 9, 4, 3, 5, 2, 1, 1, 2, 1, 1),
        new(1, 2, 8, 8, 3, 3, 3, 1, 1, 2, 2, 2, 2),
        new(3, 4, 5, 6, 5, 1, 1, 2, 2, 0, 0, 1, 1),
        new(2, 3, 6, 7, 2, 3, 3, 2, 2, 1, 1, 2, 2),
        new(2, 5, 4, 4, 6, 1, 1, 1, 1, 0, 0, 1, 1),
        new(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1),
        new(2, 3, 11, 10, 8, 3, 3, 1, 1, 1, 1, 1, 1),
        // Big enough for threads and the blocked GEMM; odd channel counts, stride 3 and padding past the kernel.
        new(5, 7, 13, 12, 9, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 4, 17, 15, 11, 5, 5, 1, 1, 2, 2, 1, 1),
        new(2, 3, 14, 13, 5, 2, 4, 3, 3, 3, 4, 1, 2),
        // Stride 1 (unfolded from a zero-bordered copy; input gradient as a flipped forward
        // convolution): uneven padding, padding past the kernel (the gradient's fallback), rows
        // longer than two vectors, and the homework's 1-channel 5x5 layer.
        new(2, 3, 9, 20, 4, 3, 5, 1, 1, 0, 2, 1, 1),
        new(2, 2, 6, 5, 3, 3, 3, 1, 1, 3, 3, 1, 1),
        new(2, 2, 5, 40, 3, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 1, 28, 28, 4, 5, 5, 1, 1, 2, 2, 1, 1),
        // 8 or more input channels: the input gradient as the flipped forward convolution.
        new(2, 9, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1),
        new(2, 8, 9, 11, 3, 5, 3, 1, 1, 2, 0, 1, 1),
    ];

    private static void Conv(ParityContext c, string role)
    {
        foreach (var dtype in Floats)
        foreach (var g in ConvGeometries)
        {
            var (nx, nw, ny) = g.Sizes;
            var w = c.Random(dtype, nw);
            string what = $"conv2d {role} {dtype} {g}";
            switch (role)
            {
                case "forward":
                {
                    var x = c.Random(dtype, nx);
                    var y = c.Random(dtype, ny + 3);
                    c.Both((b, on) => b.Conv2dForward(g, on(x), on(w), on(y)));
                    c.AssertSame(y, ParityContext.Tolerance(dtype, g.C * g.KH * g.KW), what);
                    // With the bias added by the kernel.
                    var bias = c.Random(dtype, g.O);
                    c.Both((b, on) => b.Conv2dForward(g, on(x), on(w), on(y), on(bias)));
                    c.AssertSame(y, ParityContext.Tolerance(dtype, g.C * g.KH * g.KW), what + " with bias");
                    // With the ReLU epilogue, after the bias and alone.
                    c.Both((b, on) => b.Conv2dForward(g, on(x), on(w), on(y), on(bias), Epilogue.Relu));
                    c.AssertSame(y, ParityContext.Tolerance(dtype, g.C * g.KH * g.KW), what + " with bias and relu");
                    c.Both((b, on) => b.Conv2dForward(g, on(x), on(w), on(y), null, Epilogue.Relu));
                    c.AssertSame(y, ParityContext.Tolerance(dtype, g.C * g.KH * g.KW), what + " with relu");
                    break;
                }
                case "backward_input":
                {
                    var dy = c.Random(dtype, ny);
                    var dx = c.Random(dtype, nx + 3);
                    c.Both((b, on) => b.Conv2dBackwardInput(g, on(dy), on(w), on(dx)));
                    c.AssertSame(dx, ParityContext.Tolerance(dtype, g.O * g.KH * g.KW), what);
                    break;
                }
                default:
                {
                    var x = c.Random(dtype, nx);
                    var dy = c.Random(dtype, ny);
                    var dw = c.Random(dtype, nw + 3);
                    c.Both((b, on) => b.Conv2dBackwardWeight(g, on(x), on(dy), on(dw)));
                    c.AssertSame(dw, ParityContext.Tolerance(dtype, g.N * g.OutH * g.OutW), what);
                    // With the bias gradient (dy summed over N, H, W) in the same call.
                    var db = c.Random(dtype, g.O + 2);
                    c.Both((b, on) => b.Conv2dBackwardWeightAndBias(g, on(x), on(dy), on(dw), on(db)));
                    c.AssertSame(dw, ParityContext.Tolerance(dtype, g.N * g.OutH * g.OutW), what + " with the bias gradient");
                    c.AssertSame(db, ParityContext.Tolerance(dtype, g.N * g.OutH * g.OutW), what + " bias gradient");
                    break;
                }
            }
        }
    }

    /// Each convolution geometry with a 2x2 / stride 2 pooling of its output and an overlapping padded
    /// 3x3 / stride 1 one (where the window fits), in float and double.
    private static IEnumerable<(DType, Conv2dGeometry, Pool2dGeometry)> PooledConvolutions()
    {
        foreach (var dtype in Floats)
        foreach (var g in ConvGeometries)
        foreach (var (k, stride, pad) in new[] { (2, 2, 0), (3, 1, 1) })
            if (g.OutH + 2 * pad >= k && g.OutW + 2 * pad >= k)
                yield return (dtype, g, new Pool2dGeometry(g.N, g.O, g.OutH, g.OutW, k, k, stride, stride, pad, pad));
    }

    /// <summary>
    /// The convolution pooled in its own call, on coarse inputs (sums exact, so values and ties
    /// agree across backends to the bit and the indices must match): 2x2 windows (fused on the CPU
    /// for stride-1 float convolutions) and overlapping padded ones (composed), with bias and ReLU
    /// and without.
    /// </summary>
    private static void ConvMaxPool(ParityContext c)
    {
        foreach (var (dtype, g, pool) in PooledConvolutions())
        {
            var (nx, nw, _) = g.Sizes;
            int ny = pool.N * pool.C * pool.OutH * pool.OutW;
            var x = c.Upload(dtype, c.Coarse(nx));
            var w = c.Upload(dtype, c.Coarse(nw));
            var bias = c.Upload(dtype, c.Coarse(g.O));
            foreach (bool relu in new[] { false, true })
            {
                var y = c.Random(dtype, ny + 2);
                var idx = c.Random(DType.Int32, ny + 2, -9, 9);
                c.Both((b, on) => b.Conv2dForwardMaxPool(g, pool, on(x), on(w), relu ? on(bias) : null, relu ? Epilogue.Relu : Epilogue.None, on(y), on(idx)));
                string what = $"conv2d+max_pool2d {dtype} {g} {pool} relu={relu}";
                c.AssertSame(y, 0, what + " values");
                c.AssertSame(idx, 0, what + " indices");
            }
        }
    }

    /// The weight and bias gradients of a max pooled convolution from the pooled gradient: the
    /// forward's indices, gated by its pooled ReLU output or not.
    private static void ConvOfMaxPoolGradient(ParityContext c)
    {
        foreach (var (dtype, g, pool) in PooledConvolutions())
        {
            var (nx, nw, _) = g.Sizes;
            int ny = pool.N * pool.C * pool.OutH * pool.OutW;
            var x = c.Upload(dtype, c.Coarse(nx));
            var w = c.Upload(dtype, c.Coarse(nw));
            var y = c.Random(dtype, ny);
            var idx = c.Random(DType.Int32, ny);
            c.Both((b, on) => b.Conv2dForwardMaxPool(g, pool, on(x), on(w), null, Epilogue.Relu, on(y), on(idx)));
            var dy = c.Random(dtype, ny);
            foreach (bool gated in new[] { false, true })
            {
                var dw = c.Random(dtype, nw);
                var db = c.Random(dtype, g.O);
                c.Both((b, on) => b.Conv2dBackwardWeightOfMaxPool(g, pool, on(x), on(dy), on(idx), gated ? on(y) : null, on(dw), on(db)));
                string what = $"conv2d backward-weight of max_pool2d {dtype} {g} {pool} gated={gated}";
                c.AssertSame(dw, ParityContext.Tolerance(dtype, g.N * g.OutH * g.OutW), what + " weight gradient");
                c.AssertSame(db, ParityContext.Tolerance(dtype, g.N * g.OutH * g.OutW), what + " bias gradient");
            }
        }
    }
}
