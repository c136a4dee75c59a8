using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The blocked GEMM (float and double) for one vector width <typeparamref name="TVec"/> and register
/// tile <typeparamref name="TTile"/> (Gemm.cs picks them for the host): per K block, op(B) is packed
/// into NR-column panels (NR = the tile's vectors times the width; read in place when only a few
/// row panels use it), op(A) is read in place in Mr-row panels (packed when a panel is partial or
/// its rows alias in the cache), and the tile accumulates with fused multiply-adds. Blocking: K in
/// blocks (<see cref="GemmBlocking"/>), rows in blocks of about <see cref="Mc"/> (the block of A stays
/// in L2), each NR-wide B panel in L1 while the row block sweeps it.
/// Work is split into a fixed partition (by row panels, or by column panels when there are few
/// rows, or by batch entries for many small products), and every element of C is computed by the
/// same sequence of operations whatever the partition, tile or width, so results never depend on
/// threads. Gemm.Skinny.cs holds the matrix-vector and outer-product paths, Gemm.Pack.cs the
/// packing and tile stores, Gemm.Tiles.cs the register tiles.
/// </summary>
internal static partial class GemmBlocked<T, TVec, TTile>
    where T : unmanaged, IFloatingPointIeee754<T> where TVec : struct, ISimd<TVec, T> where TTile : struct, ITile
{
    /// <summary>Rows per register tile.</summary>
    private static int Mr => TTile.Mr;

    /// <summary>Columns per register tile (and per packed B panel).</summary>
    private static int Nr => TTile.Vectors * TVec.Count;

    /// <summary>Rows per packed A block (rounded down to whole tiles).</summary>
    private const int Mc = 384;

    /// <summary>
    /// Row panels per block up to which B is read in place rather than packed (packing from 5 row
    /// panels on: 48 x 980 x 100 tA 0.80 of the time, 64 x 700 x 700 0.90, 48 x 700 x 784 0.90, one
    /// core, in pairs, Xeon family 6 model 106; with 3 or 4 panels packing took 1.04-1.09).
    /// </summary>
    private const int SmallRowPanels = 4;

    /// <summary>Multiply-adds below which one thread does the whole call.</summary>
    private const long SerialWork = 1L << 18;

    [ThreadStatic] private static T[]? packA, packB;

    /// <summary>Where <see cref="packB"/>'s first 64-byte boundary falls.</summary>
    [ThreadStatic] private static int packBStart;

    /// <summary>Whether <see cref="PackA"/> packs row-major A with 8 x 8 register transposes (float, AVX, at most 8 rows a panel).</summary>
    private static bool TransposedPackA => typeof(T) == typeof(float) && FloatTranspose.IsSupported && Mr <= 8;

    /// <summary>Rows this far apart (a multiple of 4 KB) fall into the same cache sets.</summary>
    private static bool Aliases(int ld) => (long)ld * Unsafe.SizeOf<T>() % 4096 == 0;

    /// <summary>
    /// Whether a tile of full rows but fewer columns than the panel goes straight into C, its last
    /// vector stored with a masked move (fit's 18-column and the CNNs' 10-column panels: 0.92-0.94
    /// and 0.83-0.92 of the time, one core, in pairs, Xeon family 6 model 106). AVX-512 only: its
    /// masked moves run at full speed, while AVX's vmaskmovps store is microcoded on AMD before Zen 4
    /// (unmeasured here), so 256-bit and narrower kernels keep the scratch tile.
    /// </summary>
    internal static bool MaskedEdges => TVec.Count * Unsafe.SizeOf<T>() == 64 && Avx512F.IsSupported;

    /// <summary>A's packing scratch of at least <paramref name="length"/> values (this thread's, reused).</summary>
    private static T[] ScratchA(int length)
    {
        if (packA is null || packA.Length < length) packA = GC.AllocateUninitializedArray<T>(Math.Max(length, 1024));
        return packA;
    }

    /// <summary>
    /// B's packing scratch (this thread's, reused), pinned and used from its first 64-byte boundary,
    /// so every packed panel row starts a cache line and no vector load of the tile splits one
    /// (arrays themselves are only 8-byte aligned; 16 bytes off took 1.04-1.08x as long on the mlp's
    /// products, one core, in pairs, Xeon family 6 model 207).
    /// </summary>
    internal static unsafe (T[] Array, int Start) ScratchB(int length)
    {
        int slack = 64 / Unsafe.SizeOf<T>();
        if (packB is null || packB.Length < length + slack)
        {
            packB = GC.AllocateUninitializedArray<T>(Math.Max(length + slack, 1024), pinned: true);
            packBStart = (int)((64 - (nuint)Unsafe.AsPointer(ref packB[0]) % 64) % 64) / Unsafe.SizeOf<T>();
        }
        return (packB, packBStart);
    }

    /// <summary>C[b] = alpha op(A[b]) op(B[b]) + beta C[b] (+ bias, then the epilogue) for every batch entry (arguments already checked).</summary>
    public static void Run(in GemmArgs g, T[] a, T[] b, T[] c, in GemmPost<T> post = default)
    {
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        long perMatrix = (long)g.M * g.N * Math.Max(1, g.K);
        int cores = Environment.ProcessorCount;
        if (cores > 1 && g.Batch >= 2 * cores && perMatrix < 1L << 22 || g.Batch > 1 && perMatrix < SerialWork)
        {
            // Many small products: whole batch entries per worker.
            var args = g;
            var then = post;
            Partition.Parallel(g.Batch, perMatrix * g.Batch, (lo, hi) =>
            {
                for (int batch = lo; batch < hi; batch++) Single(args, a, b, c, then, batch, 1);
            });
            return;
        }
        int workers = perMatrix < SerialWork ? 1 : cores;
        for (int batch = 0; batch < g.Batch; batch++) Single(g, a, b, c, post, batch, workers);
    }

    /// <summary>Every batch entry on the calling thread (for callers that already split their work over the cores).</summary>
    public static void Serial(in GemmArgs g, T[] a, T[] b, T[] c, in GemmPost<T> post = default)
    {
        for (int batch = 0; batch < g.Batch; batch++) Single(g, a, b, c, post, batch, 1);
    }

    /// <summary>One product of the batch, split over <paramref name="workers"/> threads.</summary>
    private static void Single(GemmArgs g, T[] a, T[] b, T[] c, GemmPost<T> post, int batch, int workers)
    {
        int nr = Nr;
        int oa = g.OffsetA + batch * g.BatchStrideA, ob = g.OffsetB + batch * g.BatchStrideB, oc = g.OffsetC + batch * g.BatchStrideC;
        T alpha = T.CreateTruncating(g.Alpha), beta = T.CreateTruncating(g.Beta);
        if (g.K == 0)
        {
            ScaleC(g, c, oc, beta);
            Finish(c, oc, g.Ldc, g.M, g.N, post, 0);
            return;
        }
        if (Skinny(g, a, oa, b, ob, c, oc, alpha, beta, post, workers)) return;
        int mPanels = (g.M + Mr - 1) / Mr, nPanels = (g.N + nr - 1) / nr;
        if (GemmBlocking.CutsK(g.M, g.N, g.K))
        {
            Deep(g, a, oa, b, ob, c, oc, alpha, beta, post, mPanels, nPanels, workers);
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
            Region(g, a, oa, b, ob, c, oc, alpha, beta, post, 0, mPanels, 0, nPanels);
            return;
        }
        var args = g;
        var then = post;
        ForkJoin.Run(workers, w =>
        {
            int lo = total * w / workers, hi = total * (w + 1) / workers;
            if (splitRows) Region(args, a, oa, b, ob, c, oc, alpha, beta, then, lo, hi, 0, nPanels);
            else Region(args, a, oa, b, ob, c, oc, alpha, beta, then, 0, mPanels, lo, hi);
        });
    }

    /// <summary>
    /// A deep product with a small output (a weight gradient summed over a large batch): K is cut
    /// into two fixed halves, each multiplied on its own thread into its own output, so each core
    /// streams half of A and B instead of all of B; then C += alpha * second half. The cut depends
    /// only on the shape, so the result is the same on any number of cores.
    /// </summary>
    private static void Deep(GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, GemmPost<T> post, int mPanels, int nPanels, int workers)
    {
        int kh = g.K / 2;
        var first = g with { K = kh };
        var second = g with { K = g.K - kh, Alpha = 1, Beta = 0, Ldc = g.N };
        int oa2 = oa + (g.TransA ? kh * g.Lda : kh), ob2 = ob + (g.TransB ? kh : kh * g.Ldb);
        T[] rest = System.Buffers.ArrayPool<T>.Shared.Rent(g.M * g.N);
        try
        {
            Action low = () => Region(first, a, oa, b, ob, c, oc, alpha, beta, default, 0, mPanels, 0, nPanels);
            Action high = () => Region(second, a, oa2, b, ob2, rest, 0, T.One, T.Zero, default, 0, mPanels, 0, nPanels);
            if (workers > 1) ForkJoin.Run(2, w => (w == 0 ? low : high)());
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
            }
            Finish(c, oc, g.Ldc, g.M, g.N, post, 0);
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(rest);
        }
    }

    /// <summary>
    /// C over row panels [m0, m1) x column panels [n0, n1), all K blocks, on the calling thread. Per
    /// K block the region's B panels are packed once (read along B's rows); per row block A is read
    /// in place or packed (it stays in L2), and each B panel stays in L1 while the row block sweeps it.
    /// </summary>
    private static void Region(in GemmArgs g, T[] a, int oa, T[] b, int ob, T[] c, int oc, T alpha, T beta, in GemmPost<T> post, int m0, int m1, int n0, int n1)
    {
        bool finish = !post.IsNone;
        int nr = Nr, mcPanels = Mc / Mr;
        bool unscaled = g.Alpha == 1;
        int kc = GemmBlocking.KBlockDepth(g.K, g.TransA);
        var (bp, bo) = ScratchB(nr * kc * (n1 - n0));
        T[] ap = ScratchA(mcPanels * Mr * kc + 8); // + 8: PackA's transposes may write 2 values past the last panel
        Span<T> tile = stackalloc T[Mr * Nr];
        ref T tileRef = ref MemoryMarshal.GetReference(tile);
        // K blocks outermost: the region's B panels are packed once per K block and every row block
        // sweeps them (row blocks outermost repacked B per row block: 1024^3 on one core 0.94-0.97x,
        // 10000x50x50 0.96x, in pairs; the same bits, each C element still sums its K blocks in order).
        // A few row panels cannot repay packing B: its full row-major panels are read in place (a
        // partial last one is packed alone), unless B's rows are a multiple of 4 KB apart (cifar
        // conv1's 1024-pixel rows): a panel's rows would then share a few cache sets and evict each
        // other (packing gave 0.72-0.96x there, measured in pairs). Otherwise the region's panels are
        // packed together, B read row by row.
        bool packAll = g.TransB || m1 - m0 > SmallRowPanels || Aliases(g.Ldb);
        for (int k0 = 0; k0 < g.K; k0 += kc)
        {
            int kb = Math.Min(kc, g.K - k0);
            bool first = k0 == 0;
            if (packAll) PackBRegion(g, b, ob, k0, kb, n0, n1, bp, bo, nr);
            for (int mb = m0; mb < m1; mb += mcPanels)
            {
                int me = Math.Min(m1, mb + mcPanels);
                // Full panels of A are read in place (Mr row streams, or Mr adjacent values per k when
                // transposed); only a partial last panel goes through the packed copy. Unless A's rows
                // are a multiple of 4 KB apart (SGEMM 1024): a panel's rows would share L1 sets with
                // each other and with B's panel, so a block of many row panels packs them all when the
                // packing is vectorised (one core, in pairs: 1024^3 0.94-0.95x, 256x256x1024 0.97x;
                // few panels, or scalar packing, cannot repay it).
                int lastFull = !g.TransA && TransposedPackA && Aliases(g.Lda) && me - mb > SmallRowPanels ? mb : Math.Min(me, g.M / Mr);
                if (me > lastFull) PackA(g, a, oa, k0, kb, lastFull, me, ap);
                for (int np = n0; np < n1; np++)
                {
                    int col = np * nr, width = Math.Min(nr, g.N - col);
                    bool directB = !packAll && width == nr;
                    if (!packAll && !directB) PackB(g, b, ob, k0, kb, np, np + 1, bp, nr, bo);
                    ref T bRef = ref directB ? ref b[ob + k0 * g.Ldb + col] : ref bp[bo + (packAll ? (np - n0) * kb * nr : 0)];
                    int bStep = directB ? g.Ldb : nr;
                    for (int mp = mb; mp < me; mp++)
                    {
                        int row = mp * Mr, rows = Math.Min(Mr, g.M - row);
                        PrefetchTile(c, oc + row * g.Ldc + col, g.Ldc, rows, width);
                        if (post.Aux is not null && k0 + kb == g.K) PrefetchTile(post.Aux, oc + row * g.Ldc + col, g.Ldc, rows, width);
                        bool packed = mp >= lastFull;
                        ref T aRef = ref packed ? ref ap[(mp - lastFull) * kb * Mr] : ref g.TransA ? ref a[oa + k0 * g.Lda + row] : ref a[oa + row * g.Lda + k0];
                        nint rowStep = packed || g.TransA ? 1 : g.Lda, kStep = packed ? Mr : g.TransA ? g.Lda : 1;
                        // A whole unscaled tile goes from the registers straight into C (4-22% faster
                        // than through the scratch tile, measured in pairs), and so does a tile of
                        // full rows narrower than the panel where masked moves are cheap; other edges
                        // and scaled products go through the scratch tile and StoreTile.
                        bool direct = rows == Mr && (width == nr || width == TVec.Count || MaskedEdges) && unscaled && (!first || g.Beta == 0);
                        int at = oc + row * g.Ldc + col;
                        if (direct && (width == nr || width == TVec.Count) && finish && k0 + kb == g.K)
                        {
                            // The last K block of a whole tile: the bias and the epilogue in the registers.
                            var output = new FinishedTileOutput<T, TVec>(ref c[at], (nuint)g.Ldc, !first,
                                ref post.Bias is null ? ref c[at] : ref post.Bias[col], post.Bias is not null,
                                ref post.Aux is null ? ref c[at] : ref post.Aux[at], post.Epilogue);
                            Tile(width, ref aRef, rowStep, kStep, ref bRef, bStep, kb, ref output);
                            continue;
                        }
                        var plain = direct ? new TileOutput<T, TVec>(ref c[at], (nuint)g.Ldc, width, !first) : new TileOutput<T, TVec>(ref tileRef, (nuint)nr, nr, false);
                        Tile(width, ref aRef, rowStep, kStep, ref bRef, bStep, kb, ref plain);
                        if (!direct) StoreTile(tile, c, at, g.Ldc, rows, width, first, g.Beta != 0, alpha, beta);
                        // The bias and the epilogue of an edge tile after the last K block, while its rows are still in L1.
                        if (finish && k0 + kb == g.K) Finish(c, at, g.Ldc, rows, width, post, col);
                    }
                }
            }
        }
    }

    /// <summary>The register tile over one panel pair; a last panel at most one vector wide (fit's 50 columns leave 2) runs one vector, not Nr.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TOut>(int width, ref T a, nint rowStep, nint kStep, ref T b, nint bStep, int kb, ref TOut output)
        where TOut : struct, ITileOutput<T, TVec>, allows ref struct
    {
        if (width <= TVec.Count) TTile.RunNarrow<T, TVec, TOut>(ref a, rowStep, kStep, ref b, bStep, kb, ref output);
        else TTile.Run<T, TVec, TOut>(ref a, rowStep, kStep, ref b, bStep, kb, ref output);
    }

    /// <summary>
    /// Asks for the C tile's cache lines (first and last element of each row) before the tile is
    /// computed, so its store finds them in L1 instead of waiting on memory: the kernel's K steps
    /// hide the fetch. A hint only (it never faults, and a moved array just makes it useless).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchTile(T[] c, int at, int ldc, int rows, int width)
    {
        if (!Sse.IsSupported) return;
        ref T first = ref c[at];
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref first, r * ldc);
            Sse.Prefetch0(Unsafe.AsPointer(ref row));
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref row, width - 1)));
        }
    }

    /// <summary>
    /// C[at + r * ldc + j] = epilogue(C[...] + bias[col + j]) for r &lt; rows, j &lt; width (whole
    /// vectors, then a scalar tail); ReluGradient's select reads the auxiliary input at C's index.
    /// No bias adds nothing, and no bias and no epilogue does nothing.
    /// </summary>
    private static void Finish(T[] c, int at, int ldc, int rows, int width, in GemmPost<T> post, int col)
    {
        Epilogue epilogue = post.Epilogue;
        bool add = post.Bias is not null, relu = epilogue == Epilogue.Relu, gate = epilogue == Epilogue.ReluGradient;
        if (!add && epilogue == Epilogue.None) return;
        int w = TVec.Count, whole = width / w * w;
        // A row tail of a vector or more (fit's 50 columns leave 18) is one more vector ending at the
        // row's end, computed from C before the whole vectors overwrite the part they share and
        // stored after them: no scalar tail, whose data-dependent selects mispredicted (Finish took
        // 11% of a fit step).
        bool backTail = whole < width && width >= w;
        ref T src = ref add ? ref post.Bias![col] : ref c[at];
        ref T aux = ref gate ? ref post.Aux![at] : ref c[at];
        for (int r = 0; r < rows; r++)
        {
            ref T dst = ref c[at + r * ldc];
            ref T mask = ref Unsafe.Add(ref aux, r * ldc);
            var tail = backTail ? Post(TVec.Load(ref dst, (nuint)(width - w)), false, default, ref src, ref mask, (nuint)(width - w), add, relu, gate) : default;
            for (int j = 0; j < whole; j += w) Post(TVec.Load(ref dst, (nuint)j), false, default, ref src, ref mask, (nuint)j, add, relu, gate).Store(ref dst, (nuint)j);
            if (backTail) tail.Store(ref dst, (nuint)(width - w));
            else
            {
                for (int j = whole; j < width; j++)
                {
                    ref T v = ref Unsafe.Add(ref dst, j);
                    if (add) v += Unsafe.Add(ref src, j);
                    v = gate ? EpilogueMath.Gate(v, Unsafe.Add(ref mask, j)) : EpilogueMath.Apply(epilogue, v);
                }
            }
        }
    }

    private static void ScaleC(in GemmArgs g, T[] c, int oc, T beta)
    {
        for (int i = 0; i < g.M; i++)
        {
            var row = c.AsSpan(oc + i * g.Ldc, g.N);
            if (g.Beta == 0) row.Clear();
            else for (int j = 0; j < row.Length; j++) row[j] *= beta;
        }
    }
}
