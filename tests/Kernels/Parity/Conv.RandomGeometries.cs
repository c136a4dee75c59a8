using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

public static partial class ParityChecks
{
    /// <summary>
    /// Seeded random convolution geometries at the edges of what is valid: kernels wider than the
    /// unpadded input, padding past the kernel, strides and dilations up to 3, 1-pixel inputs. All three
    /// primitives in both float dtypes against the reference; the draw is checked to cover each edge.
    /// </summary>
    public static IReadOnlyList<Conv2dGeometry> RandomConvGeometries(int count, int seed)
    {
        var rng = new Random(seed);
        var result = new List<Conv2dGeometry>();
        while (result.Count < count)
        {
            bool onePixel = rng.Next(4) == 0;
            int h = onePixel ? 1 : 1 + rng.Next(7), w = onePixel ? 1 : 1 + rng.Next(7);
            var g = new Conv2dGeometry(1 + rng.Next(2), 1 + rng.Next(3), h, w, 1 + rng.Next(3), 1 + rng.Next(5), 1 + rng.Next(5),
                1 + rng.Next(3), 1 + rng.Next(3), rng.Next(5), rng.Next(5), 1 + rng.Next(3), 1 + rng.Next(3));
            if (g.OutH >= 1 && g.OutW >= 1) result.Add(g);
        }
        return result;
    }

    private static void ConvRandomGeometries(ParityContext c)
    {
        var geometries = RandomConvGeometries(150, seed: 2024);
        // The edges the draw must reach (each is a geometry that once threw or read out of range).
        Assert.That(geometries.Count(g => g.H == 1 && g.W == 1), Is.GreaterThan(10), "1-pixel inputs");
        Assert.That(geometries.Count(g => (g.KW - 1) * g.DilationW + 1 > g.W || (g.KH - 1) * g.DilationH + 1 > g.H), Is.GreaterThan(30), "kernel wider than the unpadded input");
        Assert.That(geometries.Count(g => g.PadW >= g.KW || g.PadH >= g.KH), Is.GreaterThan(30), "padding past the kernel");
        Assert.That(geometries.Count(g => g.StrideW == 1 && g.DilationW > 1), Is.GreaterThan(10), "horizontal stride 1 with dilation");
        Assert.That(geometries.Count(g => g.StrideH > 1 && g.StrideW > 1 && g.DilationH > 1), Is.GreaterThan(10), "stride and dilation together");
        foreach (var dtype in Floats)
        foreach (var g in geometries)
        {
            var (nx, nw, ny) = g.Sizes;
            string what = $"conv2d {dtype} {g}";
            var x = c.Random(dtype, nx);
            var wt = c.Random(dtype, nw);
            var dy = c.Random(dtype, ny);
            var y = c.Random(dtype, ny + 2);
            var dx = c.Random(dtype, nx + 2);
            var dw = c.Random(dtype, nw + 2);
            var bias = c.Random(dtype, g.O);
            Run(what + " forward", () => c.Both((b, on) => b.Conv2dForward(g, on(x), on(wt), on(y), on(bias))));
            c.AssertSame(y, ParityContext.Tolerance(dtype, g.C * g.KH * g.KW), what + " forward");
            Run(what + " backward-input", () => c.Both((b, on) => b.Conv2dBackwardInput(g, on(dy), on(wt), on(dx))));
            c.AssertSame(dx, ParityContext.Tolerance(dtype, g.O * g.KH * g.KW), what + " backward-input");
            Run(what + " backward-weight", () => c.Both((b, on) => b.Conv2dBackwardWeight(g, on(x), on(dy), on(dw))));
            c.AssertSame(dw, ParityContext.Tolerance(dtype, g.N * g.OutH * g.OutW), what + " backward-weight");
        }
    }

    /// <summary>Runs a primitive; an exception fails the check naming the geometry it came from.</summary>
    private static void Run(string what, Action call)
    {
        try
        {
            call();
        }
        catch (Exception e) when (e is not AssertionException)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }
}
