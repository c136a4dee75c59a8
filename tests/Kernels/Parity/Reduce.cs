using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The reduce family: sum and max over every axis subset (NaN included), and argmax along every axis.
public static partial class ParityChecks
{
    private static void Reduce(ParityContext c, ReduceOp op)
    {
        var inputs = new List<ViewSpec>
        {
            ViewSpec.Contiguous(6, 7, 9), ViewSpec.Contiguous(6, 7, 9).At(3), new ViewSpec([6, 7, 9], [1, 6, 42]),
            new ViewSpec([6, 7, 9], [0, 9, 1], 1), ViewSpec.Contiguous(37, 129), ViewSpec.Contiguous(3, 1, 300),
            // Few outputs over many elements, kept axes that do not merge (GPUs split such reductions into chunks).
            new ViewSpec([2, 2000, 2], [1, 4, 2]),
        };
        foreach (var dtype in Floats)
        foreach (var x in inputs)
        foreach (bool nan in new[] { false, true })
        {
            if (nan && op == ReduceOp.Sum && x.Shape[0] == 37) continue;
            int rank = x.Shape.Length;
            for (int mask = 0; mask < 1 << rank; mask++)
            {
                int[] yShape = x.Shape.Select((e, d) => (mask >> d & 1) != 0 ? 1 : e).ToArray();
                int reduced = x.Length / StridedView.Product(yShape);
                foreach (var y in new[] { ViewSpec.Contiguous(yShape), ViewSpec.Contiguous(yShape).At(2), ColumnMajor(yShape) })
                {
                    var values = c.Random(x.BufferLength, -1, 1);
                    if (nan) values[values.Length / 2] = double.NaN;
                    var xs = c.Upload(dtype, values);
                    var ys = c.Random(dtype, y.BufferLength + 1);
                    c.Both((b, on) => b.Reduce(op, x.On(on(xs)), y.On(on(ys))));
                    double tol = op == ReduceOp.Max ? 0 : ParityContext.Tolerance(dtype, reduced);
                    c.AssertSame(ys, tol, $"reduce {op} {dtype} {x} -> [{string.Join(",", yShape)}]@{y.Offset} nan={nan}");
                }
            }
        }
    }

    /// <summary>A dense view whose first axis varies fastest (the reverse of row-major).</summary>
    private static ViewSpec ColumnMajor(int[] shape)
    {
        var strides = new int[shape.Length];
        int step = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            strides[d] = step;
            step *= shape[d];
        }
        return new ViewSpec(shape, strides);
    }

    private static void ArgMax(ParityContext c)
    {
        var inputs = new[] { ViewSpec.Contiguous(5, 7, 9), new ViewSpec([5, 7, 9], [1, 5, 35]), ViewSpec.Contiguous(5, 7, 9).At(4), ViewSpec.Contiguous(2, 70) };
        foreach (var dtype in Floats)
        foreach (var x in inputs)
        foreach (bool nan in new[] { false, true })
        for (int axis = 0; axis < x.Shape.Length; axis++)
        {
            var values = c.Coarse(x.BufferLength);
            if (nan) { values[3] = double.NaN; values[values.Length - 2] = double.NaN; }
            var xs = c.Upload(dtype, values);
            int[] shape = x.Shape.Select((e, d) => d == axis ? 1 : e).ToArray();
            var idx = c.Random(DType.Int32, StridedView.Product(shape) + 2, -5, 5);
            int ax = axis;
            c.Both((b, on) => b.ArgMax(x.On(on(xs)), ax, ViewSpec.Contiguous(shape).On(on(idx))));
            c.AssertSame(idx, 0, $"argmax {dtype} {x} axis {axis} nan={nan}");
        }
    }
}
