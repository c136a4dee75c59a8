using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace TinyGrad.Kernels.Cpu.Fast;

internal static partial class GemmBlocked<T, TVec, TTile>
{
    /// <summary>
    /// Direct paths for degenerate shapes the register tile would mostly waste: one output column
    /// (matrix-vector: a dot product per row) and depth 1 (an outer product). Rows are independent,
    /// so splitting them over <paramref name="workers"/> changes nothing in the result. False when
    /// not applicable.
    /// </summary>
    private static bool Skinny(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, int workers)
    {
        bool dot = g.N == 1 && !g.TransA && (g.TransB || g.Ldb == 1);
        bool outer = g.K == 1 && (!g.TransB || g.Ldb == 1) && g.Beta == 0;
        if (!dot && !outer) return VectorTimesMatrix(g, a, oa, b, ob, c, oc, alpha, beta);
        var args = g;
        if (workers == 1 || g.M < 64) SkinnyRows(args, a, oa, b, ob, c, oc, alpha, beta, dot, 0, g.M);
        else Partition.Parallel(g.M, (long)g.M * Math.Max(g.N, g.K), (lo, hi) => SkinnyRows(args, a, oa, b, ob, c, oc, alpha, beta, dot, lo, hi));
        return true;
    }

    /// <summary>
    /// One output row, or one output column read from a transposed A (the weight gradient of a
    /// one-input or one-output layer): out[j] = sum over k of w[k] * R[k, j], with the rows of R
    /// contiguous, summed over k in order in vector accumulators. False when not applicable.
    /// </summary>
    private static bool VectorTimesMatrix(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta)
    {
        bool row = g.M == 1 && !g.TransB, column = g.N == 1 && g.TransA;
        if (!row && !column) return false;
        int width = row ? g.N : g.M;
        T[] sum = System.Buffers.ArrayPool<T>.Shared.Rent(width);
        try
        {
            if (row) WeightedRowSum(g.K, a, oa, g.TransA ? g.Lda : 1, b, ob, g.Ldb, width, sum);
            else WeightedRowSum(g.K, b, ob, g.TransB ? 1 : g.Ldb, a, oa, g.Lda, width, sum);
            int step = row ? 1 : g.Ldc;
            for (int j = 0; j < width; j++)
            {
                ref T cv = ref c[oc + j * step];
                cv = g.Beta != 0 ? alpha * sum[j] + beta * cv : alpha * sum[j];
            }
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(sum);
        }
        return true;
    }

    /// <summary>sum[j] = sum over k &lt; kCount of w[wAt + k * wStep] * r[rAt + k * ldr + j], j &lt; width, k in order (fused multiply-adds).</summary>
    private static void WeightedRowSum(int kCount, T[] w, int wAt, int wStep, T[] r, int rAt, int ldr, int width, T[] sum)
    {
        int vw = TVec.Count, j = 0;
        ref T wr = ref w[wAt];
        for (; j + 2 * vw <= width; j += 2 * vw)
        {
            TVec s0 = default, s1 = default;
            ref T col = ref r[rAt + j];
            for (int k = 0; k < kCount; k++)
            {
                var wk = TVec.Broadcast(Unsafe.Add(ref wr, k * wStep));
                ref T rk = ref Unsafe.Add(ref col, k * ldr);
                TVec.Fma(ref s0, wk, TVec.Load(ref rk, 0));
                TVec.Fma(ref s1, wk, TVec.Load(ref rk, (nuint)vw));
            }
            s0.Store(ref sum[j], 0);
            s1.Store(ref sum[j], (nuint)vw);
        }
        for (; j + vw <= width; j += vw)
        {
            TVec s0 = default;
            ref T col = ref r[rAt + j];
            for (int k = 0; k < kCount; k++)
                TVec.Fma(ref s0, TVec.Broadcast(Unsafe.Add(ref wr, k * wStep)), TVec.Load(ref Unsafe.Add(ref col, k * ldr), 0));
            s0.Store(ref sum[j], 0);
        }
        for (; j < width; j++)
        {
            T acc = T.Zero;
            for (int k = 0; k < kCount; k++) acc = T.FusedMultiplyAdd(Unsafe.Add(ref wr, k * wStep), r[rAt + k * ldr + j], acc);
            sum[j] = acc;
        }
    }

    private static void SkinnyRows(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, bool dot, int lo, int hi)
    {
        if (dot)
        {
            ReadOnlySpan<T> column = b.AsSpan(ob, g.K);
            for (int i = lo; i < hi; i++)
            {
                T v = alpha * TensorPrimitives.Dot(a.AsSpan(oa + i * g.Lda, g.K), column);
                ref T cv = ref c[oc + i * g.Ldc];
                cv = g.Beta != 0 ? v + beta * cv : v;
            }
            return;
        }
        ReadOnlySpan<T> row = b.AsSpan(ob, g.N);
        int step = g.TransA ? 1 : g.Lda;
        for (int i = lo; i < hi; i++)
        {
            var dst = c.AsSpan(oc + i * g.Ldc, g.N);
            TensorPrimitives.Multiply(row, a[oa + i * step], dst);
            if (alpha != T.One) TensorPrimitives.Multiply(dst, alpha, dst);
        }
    }
}
