using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// The AVX-512 GEMM (float and double): op(A) and op(B) are packed per K block into MR-row and
/// NR-column panels (transposes and strides handled by the packing), and an 8 x 2-vector register
/// tile accumulates with fused multiply-adds. Blocking: K in blocks of about <see cref="Kc"/>, rows in
/// blocks of <see cref="Mc"/> (packed A stays in L2), one NR-wide B panel in L1 while the row block is
/// swept. Work is split into a fixed partition (by row panels, or by column panels when there are
/// few rows, or by batch entries for many small products), and every element of C is computed by
/// the same sequence of operations whatever the partition, so results never depend on threads.
/// </summary>
internal static class CpuGemm512
{
    /// <summary>Rows per register tile.</summary>
    private const int Mr = 8;

    /// <summary>Target depth of one K block.</summary>
    private const int Kc = 256;

    /// <summary>Rows per packed A block.</summary>
    private const int Mc = 384;

    /// <summary>Depth from which a product with at most <see cref="DeepOutput"/> outputs is cut in two along K.</summary>
    private const int DeepK = 2048;

    /// <summary>Largest output (M x N) of a product cut along K.</summary>
    private const long DeepOutput = 1 << 16;

    /// <summary>Row panels per block up to which B is read in place rather than packed.</summary>
    private const int SmallRowPanels = 8;

    /// <summary>Multiply-adds below which one thread does the whole call.</summary>
    private const long SerialWork = 1L << 18;

    [ThreadStatic] private static float[]? packA32, packB32;
    [ThreadStatic] private static double[]? packA64, packB64;

    /// <summary>Whether this path runs here: Vector512 in hardware, and not switched off with TINYGRAD_GEMM512=0 (for A/B timing).</summary>
    public static bool IsSupported { get; } = Vector512.IsHardwareAccelerated && Environment.GetEnvironmentVariable("TINYGRAD_GEMM512") != "0";

    private static T[] Scratch<T>(bool forA, int length)
    {
        if (typeof(T) == typeof(float))
        {
            ref float[]? slot = ref forA ? ref packA32 : ref packB32;
            if (slot is null || slot.Length < length) slot = GC.AllocateUninitializedArray<float>(Math.Max(length, 1024));
            return (T[])(object)slot;
        }
        ref double[]? dslot = ref forA ? ref packA64 : ref packB64;
        if (dslot is null || dslot.Length < length) dslot = GC.AllocateUninitializedArray<double>(Math.Max(length, 1024));
        return (T[])(object)dslot;
    }

    /// <summary>C[b] = alpha op(A[b]) op(B[b]) + beta C[b] for every batch entry (arguments already checked).</summary>
    public static void Run<T>(in GemmArgs g, T[] a, T[] b, T[] c, T[]? bias = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        long perMatrix = (long)g.M * g.N * Math.Max(1, g.K);
        int cores = Environment.ProcessorCount;
        if (cores > 1 && g.Batch >= 2 * cores && perMatrix < 1L << 22 || g.Batch > 1 && perMatrix < SerialWork)
        {
            // Many small products: whole batch entries per worker.
            var args = g;
            CpuLayout.Parallel(g.Batch, perMatrix * g.Batch, (lo, hi) =>
            {
                for (int batch = lo; batch < hi; batch++) Single(args, a, b, c, bias, batch, 1);
            });
            return;
        }
        int workers = perMatrix < SerialWork ? 1 : cores;
        for (int batch = 0; batch < g.Batch; batch++) Single(g, a, b, c, bias, batch, workers);
    }

    /// <summary>Every batch entry on the calling thread (for callers that already split their work over the cores).</summary>
    public static void Serial<T>(in GemmArgs g, T[] a, T[] b, T[] c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int batch = 0; batch < g.Batch; batch++) Single(g, a, b, c, null, batch, 1);
    }

    /// <summary>One product of the batch, split over <paramref name="workers"/> threads.</summary>
    private static void Single<T>(GemmArgs g, T[] a, T[] b, T[] c, T[]? bias, int batch, int workers) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = 2 * Vector512<T>.Count;
        int oa = g.OffsetA + batch * g.BatchStrideA, ob = g.OffsetB + batch * g.BatchStrideB, oc = g.OffsetC + batch * g.BatchStrideC;
        T alpha = T.CreateTruncating(g.Alpha), beta = T.CreateTruncating(g.Beta);
        if (g.K == 0 || Skinny(g, a, oa, b, ob, c, oc, alpha, beta, workers))
        {
            if (g.K == 0) ScaleC(g, c, oc, beta);
            if (bias is not null) AddBias(c, oc, g.Ldc, g.M, g.N, bias);
            return;
        }
        int mPanels = (g.M + Mr - 1) / Mr, nPanels = (g.N + nr - 1) / nr;
        if (g.K >= DeepK && (long)g.M * g.N <= DeepOutput)
        {
            Deep(g, a, oa, b, ob, c, oc, alpha, beta, bias, mPanels, nPanels, workers);
            return;
        }
        // Split the longer side (rows only if there are enough panels for every worker). Each worker
        // packs the B panels its region needs itself, so splitting columns also splits the packing;
        // the only synchronisation is the final join.
        bool splitRows = nPanels < 2 * workers || mPanels >= 2 * workers && mPanels > nPanels;
        int total = splitRows ? mPanels : nPanels;
        if (total < workers) workers = 1;
        if (workers == 1)
        {
            Region(g, a, oa, b, ob, c, oc, alpha, beta, bias, 0, mPanels, 0, nPanels);
            return;
        }
        var args = g;
        System.Threading.Tasks.Parallel.For(0, workers, w =>
        {
            int lo = total * w / workers, hi = total * (w + 1) / workers;
            if (splitRows) Region(args, a, oa, b, ob, c, oc, alpha, beta, bias, lo, hi, 0, nPanels);
            else Region(args, a, oa, b, ob, c, oc, alpha, beta, bias, 0, mPanels, lo, hi);
        });
    }

    /// <summary>
    /// A deep product with a small output (a weight gradient summed over a large batch): K is cut
    /// into two fixed halves, each multiplied on its own thread into its own output, so each core
    /// streams half of A and B instead of all of B; then C += alpha * second half. The cut depends
    /// only on the shape, so the result is the same on any number of cores.
    /// </summary>
    private static void Deep<T>(GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, T[]? bias, int mPanels, int nPanels, int workers)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kh = g.K / 2;
        var first = g with { K = kh };
        var second = g with { K = g.K - kh, Alpha = 1, Beta = 0, Ldc = g.N };
        int oa2 = oa + (g.TransA ? kh * g.Lda : kh), ob2 = ob + (g.TransB ? kh : kh * g.Ldb);
        T[] rest = System.Buffers.ArrayPool<T>.Shared.Rent(g.M * g.N);
        try
        {
            Action low = () => Region(first, a, oa, b, ob, c, oc, alpha, beta, null, 0, mPanels, 0, nPanels);
            Action high = () => Region(second, a, oa2, b, ob2, rest, 0, T.One, T.Zero, null, 0, mPanels, 0, nPanels);
            if (workers > 1) System.Threading.Tasks.Parallel.Invoke(low, high);
            else
            {
                low();
                high();
            }
            for (int i = 0; i < g.M; i++)
            {
                var row = c.AsSpan(oc + i * g.Ldc, g.N);
                var add = rest.AsSpan(i * g.N, g.N);
                for (int j = 0; j < row.Length; j++) row[j] += alpha * add[j];
                if (bias is not null) TensorPrimitives.Add(row, bias.AsSpan(0, g.N), row);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(rest);
        }
    }

    /// <summary>
    /// C over row panels [m0, m1) x column panels [n0, n1), all K blocks, on the calling thread. Per
    /// row block and K block, A is packed once (it stays in L2); each B panel is packed just before
    /// the row block sweeps it (it stays in L1).
    /// </summary>
    private static void Region<T>(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, T[]? bias, int m0, int m1, int n0, int n1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = 2 * Vector512<T>.Count, mcPanels = Mc / Mr;
        int kBlocks = (g.K + Kc - 1) / Kc, kc = (g.K + kBlocks - 1) / kBlocks;
        T[] bp = Scratch<T>(false, nr * kc);
        T[] ap = Scratch<T>(true, mcPanels * Mr * kc);
        Span<T> tile = stackalloc T[Mr * 2 * Vector512<T>.Count];
        ref T tileRef = ref MemoryMarshal.GetReference(tile);
        for (int mb = m0; mb < m1; mb += mcPanels)
        {
            int me = Math.Min(m1, mb + mcPanels);
            for (int k0 = 0; k0 < g.K; k0 += kc)
            {
                int kb = Math.Min(kc, g.K - k0);
                bool first = k0 == 0;
                // Full panels of A are read in place (8 row streams, or 8 adjacent values per k when
                // transposed); only a partial last panel goes through the packed copy.
                int lastFull = Math.Min(me, g.M / Mr);
                if (me > lastFull) PackA(g, a, oa, k0, kb, lastFull, me, ap);
                for (int np = n0; np < n1; np++)
                {
                    int col = np * nr, width = Math.Min(nr, g.N - col);
                    // A few row panels cannot repay packing B: a full row-major panel is read in place.
                    bool directB = !g.TransB && width == nr && me - mb <= SmallRowPanels;
                    if (!directB) PackB(g, b, ob, k0, kb, np, np + 1, bp, nr);
                    ref T bRef = ref directB ? ref b[ob + k0 * g.Ldb + col] : ref bp[0];
                    int bStep = directB ? g.Ldb : nr;
                    for (int mp = mb; mp < me; mp++)
                    {
                        int row = mp * Mr, rows = Math.Min(Mr, g.M - row);
                        if (mp >= lastFull) Kernel(ref ap[(mp - lastFull) * kb * Mr], 1, Mr, ref bRef, bStep, kb, ref tileRef);
                        else if (g.TransA) Kernel(ref a[oa + k0 * g.Lda + row], 1, g.Lda, ref bRef, bStep, kb, ref tileRef);
                        else Kernel(ref a[oa + row * g.Lda + k0], g.Lda, 1, ref bRef, bStep, kb, ref tileRef);
                        StoreTile(tile, c, oc + row * g.Ldc + col, g.Ldc, rows, width, first, g.Beta != 0, alpha, beta);
                        // The bias after the last K block, while the tile's rows are still in L1.
                        if (bias is not null && k0 + kb == g.K) AddBias(c, oc + row * g.Ldc + col, g.Ldc, rows, width, bias, col);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Direct paths for degenerate shapes the register tile would mostly waste: one output column
    /// (matrix-vector: a dot product per row) and depth 1 (an outer product). Rows are independent,
    /// so splitting them over <paramref name="workers"/> changes nothing in the result. False when
    /// not applicable.
    /// </summary>
    private static bool Skinny<T>(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, int workers) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool dot = g.N == 1 && !g.TransA && (g.TransB || g.Ldb == 1);
        bool outer = g.K == 1 && (!g.TransB || g.Ldb == 1) && g.Beta == 0;
        if (!dot && !outer) return VectorTimesMatrix(g, a, oa, b, ob, c, oc, alpha, beta);
        var args = g;
        if (workers == 1 || g.M < 64) SkinnyRows(args, a, oa, b, ob, c, oc, alpha, beta, dot, 0, g.M);
        else CpuLayout.Parallel(g.M, (long)g.M * Math.Max(g.N, g.K), (lo, hi) => SkinnyRows(args, a, oa, b, ob, c, oc, alpha, beta, dot, lo, hi));
        return true;
    }

    /// <summary>
    /// One output row, or one output column read from a transposed A (the weight gradient of a
    /// one-input or one-output layer): out[j] = sum over k of w[k] * R[k, j], with the rows of R
    /// contiguous, summed over k in order in vector accumulators. False when not applicable.
    /// </summary>
    private static bool VectorTimesMatrix<T>(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
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
    private static void WeightedRowSum<T>(int kCount, T[] w, int wAt, int wStep, T[] r, int rAt, int ldr, int width, T[] sum) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vw = Vector512<T>.Count, j = 0;
        ref T wr = ref w[wAt];
        for (; j + 2 * vw <= width; j += 2 * vw)
        {
            Vector512<T> s0 = default, s1 = default;
            ref T col = ref r[rAt + j];
            for (int k = 0; k < kCount; k++)
            {
                var wk = Vector512.Create(Unsafe.Add(ref wr, k * wStep));
                ref T rk = ref Unsafe.Add(ref col, k * ldr);
                s0 = Fma(wk, Vector512.LoadUnsafe(ref rk), s0);
                s1 = Fma(wk, Vector512.LoadUnsafe(ref rk, (nuint)vw), s1);
            }
            s0.StoreUnsafe(ref sum[j]);
            s1.StoreUnsafe(ref sum[j], (nuint)vw);
        }
        for (; j + vw <= width; j += vw)
        {
            Vector512<T> s0 = default;
            ref T col = ref r[rAt + j];
            for (int k = 0; k < kCount; k++)
                s0 = Fma(Vector512.Create(Unsafe.Add(ref wr, k * wStep)), Vector512.LoadUnsafe(ref Unsafe.Add(ref col, k * ldr)), s0);
            s0.StoreUnsafe(ref sum[j]);
        }
        for (; j < width; j++)
        {
            T acc = T.Zero;
            for (int k = 0; k < kCount; k++) acc = T.FusedMultiplyAdd(Unsafe.Add(ref wr, k * wStep), r[rAt + k * ldr + j], acc);
            sum[j] = acc;
        }
    }

    private static void SkinnyRows<T>(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, bool dot, int lo, int hi) where T : unmanaged, IFloatingPointIeee754<T>
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

    /// <summary>Adds bias[col + j] to C[at + r * ldc + j] for r &lt; rows, j &lt; width (whole vectors, then a scalar tail).</summary>
    internal static void AddBias<T>(T[] c, int at, int ldc, int rows, int width, T[] bias, int col = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512.IsHardwareAccelerated ? Vector512<T>.Count : int.MaxValue;
        ref T src = ref bias[col];
        for (int r = 0; r < rows; r++)
        {
            ref T dst = ref c[at + r * ldc];
            int j = 0;
            for (; j + w <= width; j += w)
                (Vector512.LoadUnsafe(ref dst, (nuint)j) + Vector512.LoadUnsafe(ref src, (nuint)j)).StoreUnsafe(ref dst, (nuint)j);
            for (; j < width; j++) Unsafe.Add(ref dst, j) += Unsafe.Add(ref src, j);
        }
    }

    private static void ScaleC<T>(in GemmArgs g, T[] c, int oc, T beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < g.M; i++)
        {
            var row = c.AsSpan(oc + i * g.Ldc, g.N);
            if (g.Beta == 0) row.Clear();
            else for (int j = 0; j < row.Length; j++) row[j] *= beta;
        }
    }

    /// <summary>Packs rows [k0, k0 + kb) of op(B), column panels [p0, p1): dst[(p - p0) * kb * nr + k * nr + j] = op(B)(k0 + k, p * nr + j), zero past N.</summary>
    private static void PackB<T>(in GemmArgs g, T[] b, int ob, int k0, int kb, int p0, int p1, T[] dst, int nr) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int p = p0; p < p1; p++)
        {
            int n0 = p * nr, width = Math.Min(nr, g.N - n0), at = (p - p0) * kb * nr;
            if (!g.TransB)
            {
                if (width == nr)
                {
                    ref T src = ref b[ob + k0 * g.Ldb + n0];
                    ref T d = ref dst[at];
                    for (int k = 0; k < kb; k++)
                    {
                        Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref src, (nuint)(k * g.Ldb)), ref d, (nuint)(k * nr));
                        Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref src, (nuint)(k * g.Ldb + nr / 2)), ref d, (nuint)(k * nr + nr / 2));
                    }
                }
                else
                {
                    for (int k = 0; k < kb; k++)
                    {
                        var row = dst.AsSpan(at + k * nr, nr);
                        b.AsSpan(ob + (k0 + k) * g.Ldb + n0, width).CopyTo(row);
                        row[width..].Clear();
                    }
                }
            }
            else
            {
                // B stored N x K: column j of op(B) is a contiguous run of B's row n0 + j. Float
                // panels go through 8 x 8 register transposes; the edges element by element.
                if (width < nr) dst.AsSpan(at, kb * nr).Clear();
                int fullJ = 0, fullK = 0;
                if (typeof(T) == typeof(float) && FloatTranspose.IsSupported)
                {
                    fullJ = width / 8 * 8;
                    fullK = kb / 8 * 8;
                    ref float bs = ref Unsafe.As<T, float>(ref b[0]);
                    ref float ds = ref Unsafe.As<T, float>(ref dst[0]);
                    for (int j = 0; j < fullJ; j += 8)
                    for (int k = 0; k < fullK; k += 8)
                        FloatTranspose.Tile8x8(ref Unsafe.Add(ref bs, ob + (n0 + j) * g.Ldb + k0 + k), g.Ldb, ref Unsafe.Add(ref ds, at + k * nr + j), nr);
                }
                for (int j = 0; j < width; j++)
                {
                    var src = b.AsSpan(ob + (n0 + j) * g.Ldb + k0, kb);
                    for (int k = j < fullJ ? fullK : 0; k < src.Length; k++) dst[at + k * nr + j] = src[k];
                }
            }
        }
    }

    /// <summary>Packs row panels [m0, m1) of op(A) for K block [k0, k0 + kb): dst[(panel - m0) * kb * Mr + k * Mr + r], zero past M.</summary>
    private static void PackA<T>(in GemmArgs g, T[] a, int oa, int k0, int kb, int m0, int m1, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int p = m0; p < m1; p++)
        {
            int r0 = p * Mr, rows = Math.Min(Mr, g.M - r0), at = (p - m0) * kb * Mr;
            if (rows < Mr) dst.AsSpan(at, kb * Mr).Clear();
            if (g.TransA)
            {
                // A stored K x M: the Mr values of one k are contiguous.
                for (int k = 0; k < kb; k++)
                    a.AsSpan(oa + (k0 + k) * g.Lda + r0, rows).CopyTo(dst.AsSpan(at + k * Mr, rows));
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    var src = a.AsSpan(oa + (r0 + r) * g.Lda + k0, kb);
                    for (int k = 0; k < src.Length; k++) dst[at + k * Mr + r] = src[k];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), acc.As<T, float>()).As<float, T>();
        return Vector512.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), acc.As<T, double>()).As<double, T>();
    }

    /// <summary>The 8 x 2-vector register tile: acc = A panel (kb x 8) times B panel (kb x nr, rows <paramref name="bStep"/> apart), then stored into C.</summary>
    private static void Kernel<T>(ref T ap, int rowStep, int kStep, ref T bp, int bStep, int kb, ref T t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        nint o1 = rowStep, o2 = 2 * o1, o3 = 3 * o1, o4 = 4 * o1, o5 = 5 * o1, o6 = 6 * o1, o7 = 7 * o1, ks = kStep, bs = bStep;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int k = 0; k < kb; k++)
        {
            Vector512<T> b0 = Vector512.LoadUnsafe(ref bp), b1 = Vector512.LoadUnsafe(ref bp, (nuint)w);
            Vector512<T> x = Vector512.Create(ap);
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref ap, o1));
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref ap, o2));
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref ap, o3));
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref ap, o4));
            c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref ap, o5));
            c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            x = Vector512.Create(Unsafe.Add(ref ap, o6));
            c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61);
            x = Vector512.Create(Unsafe.Add(ref ap, o7));
            c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71);
            ap = ref Unsafe.Add(ref ap, ks);
            bp = ref Unsafe.Add(ref bp, bs);
        }
        // The accumulators go to the caller's tile buffer and this method makes no calls: on the
        // SysV ABI no vector register survives a call, and any call here makes the JIT spill all 16
        // accumulators on every iteration.
        int s2 = 2 * w;
        c00.StoreUnsafe(ref t, 0); c01.StoreUnsafe(ref t, (nuint)w);
        c10.StoreUnsafe(ref t, (nuint)s2); c11.StoreUnsafe(ref t, (nuint)(s2 + w));
        c20.StoreUnsafe(ref t, (nuint)(2 * s2)); c21.StoreUnsafe(ref t, (nuint)(2 * s2 + w));
        c30.StoreUnsafe(ref t, (nuint)(3 * s2)); c31.StoreUnsafe(ref t, (nuint)(3 * s2 + w));
        c40.StoreUnsafe(ref t, (nuint)(4 * s2)); c41.StoreUnsafe(ref t, (nuint)(4 * s2 + w));
        c50.StoreUnsafe(ref t, (nuint)(5 * s2)); c51.StoreUnsafe(ref t, (nuint)(5 * s2 + w));
        c60.StoreUnsafe(ref t, (nuint)(6 * s2)); c61.StoreUnsafe(ref t, (nuint)(6 * s2 + w));
        c70.StoreUnsafe(ref t, (nuint)(7 * s2)); c71.StoreUnsafe(ref t, (nuint)(7 * s2 + w));
    }

    /// <summary>Writes the valid rows x columns of a finished tile into C.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTile<T>(Span<T> tile, T[] c, int at, int ldc, int rows, int width, bool first, bool readC, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, s2 = 2 * w;
        ref T t = ref MemoryMarshal.GetReference(tile);
        ref T cr = ref c[at];
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref t, r * s2);
            StoreRow(ref Unsafe.Add(ref cr, r * ldc), Vector512.LoadUnsafe(ref row), Vector512.LoadUnsafe(ref row, (nuint)w), w, width, first, readC, alpha, beta);
        }
    }

    /// <summary>Stores the first <paramref name="width"/> columns of one tile row (whole vectors where possible).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(ref T dst, Vector512<T> lo, Vector512<T> hi, int w, int width, bool first, bool readC, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (width == 2 * w)
        {
            Store(ref dst, lo, first, readC, alpha, beta);
            Store(ref Unsafe.Add(ref dst, w), hi, first, readC, alpha, beta);
            return;
        }
        StoreTail(ref dst, lo, hi, w, width, first, readC, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTail<T>(ref T dst, Vector512<T> lo, Vector512<T> hi, int w, int width, bool first, bool readC, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (width >= w)
        {
            Store(ref dst, lo, first, readC, alpha, beta);
            lo = hi;
            j = w;
        }
        for (int i = 0; j < width; i++, j++)
        {
            ref T cv = ref Unsafe.Add(ref dst, j);
            T v = alpha * lo.GetElement(i);
            cv = !first ? cv + v : readC ? v + beta * cv : v;
        }
    }

    /// <summary>Stores one vector: C = alpha acc (+ beta C) on the first K block, C += alpha acc after.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(ref T dst, Vector512<T> acc, bool first, bool readC, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        acc *= Vector512.Create(alpha);
        if (!first) acc += Vector512.LoadUnsafe(ref dst);
        else if (readC) acc += Vector512.Create(beta) * Vector512.LoadUnsafe(ref dst);
        Vector512.StoreUnsafe(acc, ref dst);
    }
}
