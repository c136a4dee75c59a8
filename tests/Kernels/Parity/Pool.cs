using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The pool family: max pooling (values and indices, NaN included) and its adjoint, average pooling and its adjoint.
public static partial class ParityChecks
{
    private static readonly Pool2dGeometry[] PoolGeometries =
    [
        new(2, 3, 7, 8, 3, 3, 2, 2, 1, 1),
        new(1, 2, 5, 6, 2, 3, 1, 2, 1, 1),
        new(2, 2, 9, 9, 4, 4, 3, 3, 2, 2),
        new(1, 3, 4, 4, 2, 2, 2, 2, 0, 0),
        new(3, 1, 6, 5, 3, 2, 1, 1, 0, 1),
        new(1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
        // The 2x2 / stride 2 fast path: odd sizes (last row and column dropped) and enough planes for threads.
        new(2, 3, 7, 9, 2, 2, 2, 2, 0, 0),
        new(8, 32, 28, 28, 2, 2, 2, 2, 0, 0),
        // Two whole 16-output chunks and a masked 3-output tail per row.
        new(2, 2, 6, 70, 2, 2, 2, 2, 0, 0),
    ];

    private static void MaxPool(ParityContext c)
    {
        foreach (var dtype in Floats)
        foreach (var g in PoolGeometries)
        foreach (bool nan in new[] { false, true })
        {
            int nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OutH * g.OutW;
            var values = c.Coarse(nx);
            if (nan) values[nx / 3] = double.NaN;
            var x = c.Upload(dtype, values);
            var y = c.Random(dtype, ny + 2);
            var idx = c.Random(DType.Int32, ny + 2, -9, 9);
            c.Both((b, on) => b.MaxPool2dForward(g, on(x), on(y), on(idx)));
            c.AssertSame(y, 0, $"max_pool2d {dtype} {g} nan={nan} values");
            c.AssertSame(idx, 0, $"max_pool2d {dtype} {g} nan={nan} indices");
        }
    }

    /// Backward at the forward's own indices (ties and NaN windows included); overlapping windows sum;
    /// and the same gated by the pooled values.
    private static void MaxPoolBackward(ParityContext c)
    {
        foreach (var dtype in Floats)
        foreach (var g in PoolGeometries)
        {
            int nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OutH * g.OutW;
            var values = c.Coarse(nx);
            values[nx / 2] = double.NaN;
            var x = c.Upload(dtype, values);
            var y = c.Random(dtype, ny);
            var idx = c.Random(DType.Int32, ny, 0, 1);
            c.Both((b, on) => b.MaxPool2dForward(g, on(x), on(y), on(idx)));
            var dy = c.Random(dtype, ny);
            var dx = c.Random(dtype, nx + 2);
            c.Both((b, on) => b.MaxPool2dBackward(g, on(dy), on(idx), on(dx)));
            c.AssertSame(dx, ParityContext.Tolerance(dtype, g.KH * g.KW), $"max_pool2d backward {dtype} {g}");
            // Gated by the pooled values (zeros, -0, NaN and negatives among them): ReLU's rule in the same pass.
            c.Both((b, on) => b.MaxPool2dBackward(g, on(dy), on(idx), on(dx), on(y)));
            c.AssertSame(dx, ParityContext.Tolerance(dtype, g.KH * g.KW), $"max_pool2d backward gated {dtype} {g}");
        }
    }

    private static void AvgPool(ParityContext c, bool backward)
    {
        foreach (var dtype in Floats)
        foreach (var g in PoolGeometries)
        {
            int nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OutH * g.OutW;
            double tol = ParityContext.Tolerance(dtype, g.KH * g.KW);
            if (backward)
            {
                var dy = c.Random(dtype, ny);
                var dx = c.Random(dtype, nx + 2);
                c.Both((b, on) => b.AvgPool2dBackward(g, on(dy), on(dx)));
                c.AssertSame(dx, tol, $"avg_pool2d backward {dtype} {g}");
            }
            else
            {
                var x = c.Random(dtype, nx);
                var y = c.Random(dtype, ny + 2);
                c.Both((b, on) => b.AvgPool2dForward(g, on(x), on(y)));
                c.AssertSame(y, tol, $"avg_pool2d forward {dtype} {g}");
            }
        }
    }
}
