using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace TinyGrad.Kernels.Cpu.Fast;

internal static partial class GemmBlocked<T, TVec, TTile>
{
    /// <summary>
    /// Direct paths for degenerate shapes the register tile would mostly waste: one output column
    /// (matrix-vector: a dot product per row), depth 1 (an outer product, its bias and epilogue
    /// applied as each row is made) and one output row or a column from a transposed A. Rows are
    /// independent, so splitting them over <paramref name="workers"/> changes nothing in the result.
    /// Every path applies the bias and the epilogue. False when not applicable.
    /// </summary>
    private static bool Skinny(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, in GemmPost<T> post, int workers)
    {
        bool dot = g.N == 1 && !g.TransA && (g.TransB || g.Ldb == 1);
        bool outer = g.K == 1 && (!g.TransB || g.Ldb == 1) && g.Beta == 0;
        if (!dot && !outer)
        {
            if (!VectorTimesMatrix(g, a, oa, b, ob, c, oc, alpha, beta)) return false;
            Finish(c, oc, g.Ldc, g.M, g.N, post, 0);
            return true;
        }
        var args = g;
        var then = post;
        if (workers == 1 || g.M < 64) SkinnyRows(args, a, oa, b, ob, c, oc, alpha, beta, dot, then, 0, g.M);
        else Partition.Parallel(g.M, (long)g.M * Math.Max(g.N, g.K), (lo, hi) => SkinnyRows(args, a, oa, b, ob, c, oc, alpha, beta, dot, then, lo, hi));
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

    /// <summary>
    /// sum[j] = sum over k &lt; kCount of w[wAt + k * wStep] * r[rAt + k * ldr + j], j &lt; width, k in
    /// order (fused multiply-adds). Up to four vectors of columns in one pass over R, so one pass
    /// reads each of its rows once and four sums are in flight (fit's 10000 x 50 took a pass per
    /// vector, each waiting on its own sum); a last partial vector is one more vector ending at the
    /// row's end, its overlap summed again to the same values.
    /// </summary>
    private static void WeightedRowSum(int kCount, T[] w, int wAt, int wStep, T[] r, int rAt, int ldr, int width, T[] sum)
    {
        int vw = TVec.Count;
        ref T wr = ref w[wAt];
        if (width < vw)
        {
            for (int j = 0; j < width; j++)
            {
                T acc = T.Zero;
                for (int k = 0; k < kCount; k++) acc = T.FusedMultiplyAdd(Unsafe.Add(ref wr, k * wStep), r[rAt + k * ldr + j], acc);
                sum[j] = acc;
            }
            return;
        }
        for (int j = 0; j < width; j += 4 * vw)
        {
            // Vector v of this pass starts at min(j + v * vw, width - vw).
            int vectors = Math.Min(4, (width - j + vw - 1) / vw);
            nuint o0 = (nuint)j, o1 = (nuint)Math.Min(j + vw, width - vw), o2 = (nuint)Math.Min(j + 2 * vw, width - vw), o3 = (nuint)Math.Min(j + 3 * vw, width - vw);
            TVec s0 = default, s1 = default, s2 = default, s3 = default;
            ref T col = ref r[rAt];
            for (int k = 0; k < kCount; k++)
            {
                var wk = TVec.Broadcast(Unsafe.Add(ref wr, k * wStep));
                ref T rk = ref Unsafe.Add(ref col, k * ldr);
                TVec.Fma(ref s0, wk, TVec.Load(ref rk, o0));
                if (vectors > 1) TVec.Fma(ref s1, wk, TVec.Load(ref rk, o1));
                if (vectors > 2) TVec.Fma(ref s2, wk, TVec.Load(ref rk, o2));
                if (vectors > 3) TVec.Fma(ref s3, wk, TVec.Load(ref rk, o3));
            }
            s0.Store(ref sum[0], o0);
            if (vectors > 1) s1.Store(ref sum[0], o1);
            if (vectors > 2) s2.Store(ref sum[0], o2);
            if (vectors > 3) s3.Store(ref sum[0], o3);
        }
    }

    private static void SkinnyRows(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, bool dot, in GemmPost<T> post, int lo, int hi)
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
            if (hi > lo) Finish(c, oc + lo * g.Ldc, g.Ldc, hi - lo, 1, post, 0);
            return;
        }
        int step = g.TransA ? 1 : g.Lda;
        for (int i = lo; i < hi; i++)
        {
            int at = oc + i * g.Ldc;
            OuterRow(a[oa + i * step], ref b[ob], ref c[at], g.N, alpha, post, at);
        }
    }

    /// <summary>
    /// C's row = epilogue(x * b[j] (* alpha) + bias[j]), j &lt; n: the product, its scaling, the bias
    /// and the epilogue in that order, as the product stored and then <see cref="Finish"/> would
    /// make them, in one pass (fit's first layer and last input gradient, 10000 x 50, made C and
    /// then read it back). A partial last vector is one more ending at the row's end, made first.
    /// </summary>
    private static void OuterRow(T x, ref T b, ref T row, int n, T alpha, in GemmPost<T> post, int at)
    {
        Epilogue epilogue = post.Epilogue;
        bool add = post.Bias is not null, relu = epilogue == Epilogue.Relu, gate = epilogue == Epilogue.ReluGradient, scale = alpha != T.One;
        ref T bias = ref add ? ref post.Bias![0] : ref b;
        ref T mask = ref gate ? ref post.Aux![at] : ref b;
        int w = TVec.Count;
        if (n < w)
        {
            for (int j = 0; j < n; j++)
            {
                T v = Unsafe.Add(ref b, j) * x;
                if (scale) v *= alpha;
                if (add) v += Unsafe.Add(ref bias, j);
                Unsafe.Add(ref row, j) = gate ? EpilogueMath.Gate(v, Unsafe.Add(ref mask, j)) : EpilogueMath.Apply(epilogue, v);
            }
            return;
        }
        TVec xs = TVec.Broadcast(x), alphas = TVec.Broadcast(alpha);
        nuint last = (nuint)(n - w);
        TVec tail = Post(TVec.Multiply(TVec.Load(ref b, last), xs), scale, alphas, ref bias, ref mask, last, add, relu, gate);
        for (nuint j = 0; j + (nuint)w <= (nuint)n; j += (nuint)w)
            Post(TVec.Multiply(TVec.Load(ref b, j), xs), scale, alphas, ref bias, ref mask, j, add, relu, gate).Store(ref row, j);
        tail.Store(ref row, last);
    }

    /// <summary>A vector of C at column <paramref name="j"/> scaled (when asked), with the bias and the epilogue (the outer rows' and <see cref="Finish"/>'s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Post(TVec v, bool scale, TVec alpha, ref T bias, ref T mask, nuint j, bool add, bool relu, bool gate)
    {
        if (scale) v = TVec.Multiply(v, alpha);
        if (add) v = TVec.Add(v, TVec.Load(ref bias, j));
        if (relu) v = TVec.Relu(v);
        if (gate) v = TVec.Gate(v, TVec.Load(ref mask, j));
        return v;
    }
}
