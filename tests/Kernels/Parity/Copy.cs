using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The copy family: strided copies between every dtype pair (overlapping views too), and fill.
public static partial class ParityChecks
{
    private static void Copy(ParityContext c)
    {
        var cases = new (ViewSpec Src, ViewSpec Dst)[]
        {
            (ViewSpec.Contiguous(3, 4, 5), ViewSpec.Contiguous(3, 4, 5)),
            (new ViewSpec([3, 4, 5], [1, 3, 12]), ViewSpec.Contiguous(3, 4, 5).At(7)),
            (new ViewSpec([3, 4, 5], [5, 0, 1], 2), new ViewSpec([3, 4, 5], [40, 10, 2], 3)),
            (ViewSpec.Contiguous(3, 4, 5).At(4), new ViewSpec([3, 4, 5], [20, 5, -1], 4)),
            (new ViewSpec([2, 3, 33], [0, 40, 1], 1), ViewSpec.Contiguous(2, 3, 33)),
            (ViewSpec.Contiguous(1, 1), ViewSpec.Contiguous(1, 1)),
            (new ViewSpec([9, 37], [1, 9]), ViewSpec.Contiguous(9, 37)),
            (new ViewSpec([40, 35], [1, 40], 3), ViewSpec.Contiguous(40, 35).At(2)),
            (new ViewSpec([33, 35], [1, 33]), new ViewSpec([33, 35], [40, 1], 1)),
            // Long enough to be split over the cores.
            (ViewSpec.Contiguous(70001).At(3), ViewSpec.Contiguous(70001).At(1)),
        };
        var dtypes = new (DType From, DType To)[]
        {
            (DType.Float32, DType.Float32), (DType.Float64, DType.Float64), (DType.Int32, DType.Int32),
            (DType.Float32, DType.Float64), (DType.Float64, DType.Float32), (DType.Int32, DType.Float32), (DType.Float32, DType.Int32),
        };
        foreach (var (from, to) in dtypes)
        foreach (var (src, dst) in cases)
        {
            var s = c.Random(from, src.BufferLength, -100, 100);
            var d = c.Random(to, dst.BufferLength + 2, -100, 100);
            c.Both((b, on) => b.Copy(src.On(on(s)), dst.On(on(d))));
            c.AssertSame(d, 0, $"copy {from}->{to} {src} -> {dst}");
        }
        // Overlapping views of one buffer: the element order decides the result.
        foreach (var dtype in Floats)
        {
            var buf = c.Random(dtype, 20);
            c.Both((b, on) => b.Copy(ViewSpec.Contiguous(12).On(on(buf)), ViewSpec.Contiguous(12).At(5).On(on(buf))));
            c.AssertSame(buf, 0, $"copy {dtype} overlapping");
        }
    }

    private static void Fill(ParityContext c)
    {
        var specs = new[]
        {
            ViewSpec.Contiguous(4, 9), ViewSpec.Contiguous(4, 9).At(3), new ViewSpec([4, 9], [1, 4]),
            new ViewSpec([3, 5], [12, 2], 1), new ViewSpec([3, 5], [0, 1], 2), ViewSpec.Contiguous(0, 3),
            ViewSpec.Contiguous(70001).At(2),
        };
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        foreach (var spec in specs)
        foreach (double value in new[] { 1.5, -3, 0 })
        {
            if (dtype == DType.Int32 && value != Math.Floor(value)) continue;
            var d = c.Random(dtype, spec.BufferLength + 3, -50, 50);
            c.Both((b, on) => b.Fill(spec.On(on(d)), value));
            c.AssertSame(d, 0, $"fill {dtype} {spec} with {value}");
        }
    }
}
