using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The indexing family: gather and scatter-add along every axis of strided views.
public static partial class ParityChecks
{
    private static void Gather(ParityContext c)
    {
        var cases = new (ViewSpec Source, int Axis, ViewSpec Index)[]
        {
            (ViewSpec.Contiguous(5, 7), 0, ViewSpec.Contiguous(3, 7)),
            (ViewSpec.Contiguous(5, 7), 1, ViewSpec.Contiguous(5, 4)),
            (ViewSpec.Contiguous(5, 7).At(3), 1, ViewSpec.Contiguous(2, 9).At(1)),
            (new ViewSpec([4, 6, 5], [1, 20, 4]), 2, ViewSpec.Contiguous(2, 6, 3)),
            (ViewSpec.Contiguous(4, 6, 5), 0, new ViewSpec([6, 6, 5], [0, 5, 1])),
            (ViewSpec.Contiguous(4, 6, 5), 1, new ViewSpec([4, 3, 2], [1, 4, 12], 2)),
            (ViewSpec.Contiguous(9), 0, ViewSpec.Contiguous(20)),
            // index_select's index: one vector along the axis, broadcast over the other dimensions.
            (ViewSpec.Contiguous(4, 6, 5), 1, new ViewSpec([4, 9, 5], [0, 1, 0])),
        };
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        foreach (var (src, axis, index) in cases)
        {
            var s = c.Random(dtype, src.BufferLength, -100, 100);
            var i = c.Upload(DType.Int32, c.Integers(index.BufferLength, 0, src.Shape[axis]));
            var d = c.Random(dtype, index.Length + 2, -100, 100);
            c.Both((b, on) => b.Gather(src.On(on(s)), axis, index.On(on(i)), on(d)));
            c.AssertSame(d, 0, $"gather {dtype} {src} axis {axis} index {index}");
        }
    }

    private static void ScatterAdd(ParityContext c)
    {
        var cases = new (ViewSpec Dst, int Axis, ViewSpec Index, ViewSpec Src)[]
        {
            (ViewSpec.Contiguous(5, 7), 0, ViewSpec.Contiguous(9, 7), ViewSpec.Contiguous(9, 7)),
            (ViewSpec.Contiguous(5, 7), 1, ViewSpec.Contiguous(4, 12), new ViewSpec([4, 12], [0, 1], 2)),
            (new ViewSpec([5, 7], [1, 6], 1), 1, ViewSpec.Contiguous(5, 10), new ViewSpec([5, 10], [1, 5])),
            (ViewSpec.Contiguous(3, 4, 5), 2, ViewSpec.Contiguous(3, 4, 8), new ViewSpec([3, 4, 8], [0, 0, 1])),
            (ViewSpec.Contiguous(3, 4, 5).At(2), 1, new ViewSpec([2, 6, 5], [0, 5, 1]), ViewSpec.Contiguous(2, 6, 5)),
            (ViewSpec.Contiguous(3, 4, 5), 0, ViewSpec.Contiguous(6, 4, 5), new ViewSpec([6, 4, 5], [1, 0, 6], 1)),
            (ViewSpec.Contiguous(10), 0, ViewSpec.Contiguous(50), ViewSpec.Contiguous(50)),
            // index_select's gradient (index_add): repeated positions, the index broadcast over the other dimensions.
            (ViewSpec.Contiguous(4, 6, 5), 1, new ViewSpec([4, 9, 5], [0, 1, 0]), ViewSpec.Contiguous(4, 9, 5)),
            // Along the last axis with enough rows for threads (the fast path's parallel rows).
            (ViewSpec.Contiguous(300, 64), 1, ViewSpec.Contiguous(300, 130), ViewSpec.Contiguous(300, 130)),
        };
        foreach (var dtype in Floats)
        foreach (var (dst, axis, index, src) in cases)
        {
            var d = c.Random(dtype, dst.BufferLength + 1);
            var i = c.Upload(DType.Int32, c.Integers(index.BufferLength, 0, dst.Shape[axis]));
            var s = c.Random(dtype, src.BufferLength);
            c.Both((b, on) => b.ScatterAdd(dst.On(on(d)), axis, index.On(on(i)), src.On(on(s))));
            c.AssertSame(d, ParityContext.Tolerance(dtype, 8), $"scatter_add {dtype} {dst} axis {axis} index {index} source {src}");
        }
    }
}
