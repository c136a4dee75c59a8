using System.Numerics;

namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The reduce family: sum and max over axes, and argmax along one axis, input elements in row-major order.</summary>
internal static class Reduce
{
    /// <summary>Each input element is added (or maxed) into the output element its kept coordinates address.</summary>
    public static void Run<T>(ReduceOp op, in StridedView x, in StridedView y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> src = CpuBuffer.Of(x.Buffer).Span<T>(), dst = CpuBuffer.Of(y.Buffer).Span<T>();
        T init = op == ReduceOp.Sum ? T.Zero : T.NegativeInfinity;
        for (int j = 0; j < y.Length; j++) dst[y.IndexOf(j)] = init;
        int rank = x.Rank;
        Span<int> coord = stackalloc int[rank];
        for (int i = 0; i < x.Length; i++)
        {
            int rest = i, target = y.Offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                coord[d] = rest % x.Shape[d];
                rest /= x.Shape[d];
                if (y.Shape[d] != 1) target += coord[d] * y.Strides[d];
            }
            T v = src[x.IndexOf(i)];
            dst[target] = op == ReduceOp.Sum ? dst[target] + v : T.Max(dst[target], v);
        }
    }

    /// <summary>Index of the first largest element along the axis; NaN counts as the largest.</summary>
    public static void ArgMax(in StridedView x, int axis, in StridedView indices)
    {
        CpuBuffer src = CpuBuffer.Of(x.Buffer);
        Span<int> dst = CpuBuffer.Of(indices.Buffer).Span<int>();
        int extent = x.Shape[axis];
        for (int j = 0; j < indices.Length; j++)
        {
            int at = x.IndexOf(OuterLinear(j, indices.Shape, x.Shape));
            int best = 0;
            double bestValue = double.NegativeInfinity;
            for (int k = 0; k < extent; k++)
            {
                double v = src.Get(at + k * x.Strides[axis]);
                if (k == 0 || ScalarMath.Beats(v, bestValue))
                {
                    best = k;
                    bestValue = v;
                }
            }
            dst[indices.IndexOf(j)] = best;
        }
    }

    /// <summary>Row-major position in <paramref name="full"/> of the coordinate that has position <paramref name="j"/> in <paramref name="partial"/>.</summary>
    private static int OuterLinear(int j, int[] partial, int[] full)
    {
        int linear = 0, scale = 1;
        for (int d = partial.Length - 1; d >= 0; d--)
        {
            linear += j % partial[d] * scale;
            j /= partial[d];
            scale *= full[d];
        }
        return linear;
    }
}
