using System.Runtime.CompilerServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// A GEMM register tile (micro-kernel): acc (Mr x Vectors vectors) = A panel (kb x Mr) times B
/// panel (kb x Vectors * width), then the accumulators go to the caller's tile buffer, row-major
/// (row r at r * Vectors * width). A values are read at <c>ap + r * rowStep + k * kStep</c> and
/// broadcast, B rows at <c>bp + k * bStep</c>. Every accumulator sums its k terms in order with
/// fused multiply-adds, so every tile shape and width gives the same bits.
/// </summary>
internal interface ITile
{
    /// <summary>Rows of C per tile.</summary>
    static abstract int Mr { get; }

    /// <summary>Vectors of C per tile row.</summary>
    static abstract int Vectors { get; }

    /// <summary>Runs the tile over <paramref name="kb"/> steps of k.</summary>
    static abstract void Run<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T tile)
        where T : unmanaged where TVec : struct, ISimd<TVec, T>;

    /// <summary>
    /// The tile's first vector of columns only (a last panel at most one vector wide, as fit's 50
    /// columns leave): the same sums, written where <see cref="Run"/> writes them.
    /// </summary>
    static abstract void RunNarrow<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T tile)
        where T : unmanaged where TVec : struct, ISimd<TVec, T>;
}

/// <summary>One-vector-wide tiles of 6 and 8 rows, the <see cref="ITile.RunNarrow"/> of the wide ones; row r goes to r * <c>rowStride</c>.</summary>
internal static class NarrowTile
{
    public static void Rows6<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T t, nuint rowStride)
        where T : unmanaged where TVec : struct, ISimd<TVec, T>
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
        TVec c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0);
            c0 = TVec.Fma(TVec.Broadcast(ap), b0, c0);
            c1 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r1)), b0, c1);
            c2 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r2)), b0, c2);
            c3 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r3)), b0, c3);
            c4 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r4)), b0, c4);
            c5 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r5)), b0, c5);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        c0.Store(ref t, 0); c1.Store(ref t, rowStride); c2.Store(ref t, 2 * rowStride);
        c3.Store(ref t, 3 * rowStride); c4.Store(ref t, 4 * rowStride); c5.Store(ref t, 5 * rowStride);
    }

    public static void Rows8<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T t, nuint rowStride)
        where T : unmanaged where TVec : struct, ISimd<TVec, T>
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1, r6 = 6 * r1, r7 = 7 * r1;
        TVec c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0);
            c0 = TVec.Fma(TVec.Broadcast(ap), b0, c0);
            c1 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r1)), b0, c1);
            c2 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r2)), b0, c2);
            c3 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r3)), b0, c3);
            c4 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r4)), b0, c4);
            c5 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r5)), b0, c5);
            c6 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r6)), b0, c6);
            c7 = TVec.Fma(TVec.Broadcast(Unsafe.Add(ref ap, r7)), b0, c7);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        c0.Store(ref t, 0); c1.Store(ref t, rowStride); c2.Store(ref t, 2 * rowStride); c3.Store(ref t, 3 * rowStride);
        c4.Store(ref t, 4 * rowStride); c5.Store(ref t, 5 * rowStride); c6.Store(ref t, 6 * rowStride); c7.Store(ref t, 7 * rowStride);
    }
}

/// <summary>
/// 6 rows x 2 vectors: 12 accumulators, 2 B vectors and a broadcast fill the 16 registers of AVX2,
/// and 12 independent FMA chains cover two FMA pipes of 4-cycle latency (Zen 3).
/// </summary>
internal readonly struct Tile6x2 : ITile
{
    public static int Mr => 6;

    public static int Vectors => 2;

    public static void RunNarrow<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T t)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> =>
        NarrowTile.Rows6<T, TVec>(ref ap, rowStep, kStep, ref bp, bStep, kb, ref t, (nuint)(2 * TVec.Count));

    // The method makes no calls (everything inlines): on the SysV ABI no vector register survives a
    // call, and one call in the loop makes the JIT spill every accumulator on every iteration.
    public static void Run<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T t)
        where T : unmanaged where TVec : struct, ISimd<TVec, T>
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
        nuint w = (nuint)TVec.Count;
        TVec c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVec c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0), b1 = TVec.Load(ref bp, w);
            TVec x = TVec.Broadcast(ap);
            c00 = TVec.Fma(x, b0, c00); c01 = TVec.Fma(x, b1, c01);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r1));
            c10 = TVec.Fma(x, b0, c10); c11 = TVec.Fma(x, b1, c11);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r2));
            c20 = TVec.Fma(x, b0, c20); c21 = TVec.Fma(x, b1, c21);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r3));
            c30 = TVec.Fma(x, b0, c30); c31 = TVec.Fma(x, b1, c31);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r4));
            c40 = TVec.Fma(x, b0, c40); c41 = TVec.Fma(x, b1, c41);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r5));
            c50 = TVec.Fma(x, b0, c50); c51 = TVec.Fma(x, b1, c51);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        c00.Store(ref t, 0); c01.Store(ref t, w);
        c10.Store(ref t, 2 * w); c11.Store(ref t, 3 * w);
        c20.Store(ref t, 4 * w); c21.Store(ref t, 5 * w);
        c30.Store(ref t, 6 * w); c31.Store(ref t, 7 * w);
        c40.Store(ref t, 8 * w); c41.Store(ref t, 9 * w);
        c50.Store(ref t, 10 * w); c51.Store(ref t, 11 * w);
    }
}

/// <summary>
/// 8 rows x 2 vectors: 16 accumulators for the 32 registers of AVX-512 (Zen 4 and Zen 5), 16 FMAs
/// per 2 B loads and 8 broadcasts.
/// </summary>
internal readonly struct Tile8x2 : ITile
{
    public static int Mr => 8;

    public static int Vectors => 2;

    public static void RunNarrow<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T t)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> =>
        NarrowTile.Rows8<T, TVec>(ref ap, rowStep, kStep, ref bp, bStep, kb, ref t, (nuint)(2 * TVec.Count));

    public static void Run<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T t)
        where T : unmanaged where TVec : struct, ISimd<TVec, T>
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1, r6 = 6 * r1, r7 = 7 * r1;
        nuint w = (nuint)TVec.Count;
        TVec c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        TVec c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0), b1 = TVec.Load(ref bp, w);
            TVec x = TVec.Broadcast(ap);
            c00 = TVec.Fma(x, b0, c00); c01 = TVec.Fma(x, b1, c01);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r1));
            c10 = TVec.Fma(x, b0, c10); c11 = TVec.Fma(x, b1, c11);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r2));
            c20 = TVec.Fma(x, b0, c20); c21 = TVec.Fma(x, b1, c21);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r3));
            c30 = TVec.Fma(x, b0, c30); c31 = TVec.Fma(x, b1, c31);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r4));
            c40 = TVec.Fma(x, b0, c40); c41 = TVec.Fma(x, b1, c41);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r5));
            c50 = TVec.Fma(x, b0, c50); c51 = TVec.Fma(x, b1, c51);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r6));
            c60 = TVec.Fma(x, b0, c60); c61 = TVec.Fma(x, b1, c61);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r7));
            c70 = TVec.Fma(x, b0, c70); c71 = TVec.Fma(x, b1, c71);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        c00.Store(ref t, 0); c01.Store(ref t, w);
        c10.Store(ref t, 2 * w); c11.Store(ref t, 3 * w);
        c20.Store(ref t, 4 * w); c21.Store(ref t, 5 * w);
        c30.Store(ref t, 6 * w); c31.Store(ref t, 7 * w);
        c40.Store(ref t, 8 * w); c41.Store(ref t, 9 * w);
        c50.Store(ref t, 10 * w); c51.Store(ref t, 11 * w);
        c60.Store(ref t, 12 * w); c61.Store(ref t, 13 * w);
        c70.Store(ref t, 14 * w); c71.Store(ref t, 15 * w);
    }
}

/// <summary>
/// 8 rows x 3 vectors: 24 accumulators (of AVX-512's 32 registers), 24 FMAs per 3 B loads and 8
/// broadcasts, for cores with two full-width 512-bit FMA pipes (Zen 5): more independent chains
/// and fewer loads per FMA than <see cref="Tile8x2"/>.
/// </summary>
internal readonly struct Tile8x3 : ITile
{
    public static int Mr => 8;

    public static int Vectors => 3;

    public static void RunNarrow<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T t)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> =>
        NarrowTile.Rows8<T, TVec>(ref ap, rowStep, kStep, ref bp, bStep, kb, ref t, (nuint)(3 * TVec.Count));

    public static void Run<T, TVec>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref T t)
        where T : unmanaged where TVec : struct, ISimd<TVec, T>
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1, r6 = 6 * r1, r7 = 7 * r1;
        nuint w = (nuint)TVec.Count;
        TVec c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        TVec c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        TVec c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        TVec c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0), b1 = TVec.Load(ref bp, w), b2 = TVec.Load(ref bp, 2 * w);
            TVec x = TVec.Broadcast(ap);
            c00 = TVec.Fma(x, b0, c00); c01 = TVec.Fma(x, b1, c01); c02 = TVec.Fma(x, b2, c02);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r1));
            c10 = TVec.Fma(x, b0, c10); c11 = TVec.Fma(x, b1, c11); c12 = TVec.Fma(x, b2, c12);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r2));
            c20 = TVec.Fma(x, b0, c20); c21 = TVec.Fma(x, b1, c21); c22 = TVec.Fma(x, b2, c22);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r3));
            c30 = TVec.Fma(x, b0, c30); c31 = TVec.Fma(x, b1, c31); c32 = TVec.Fma(x, b2, c32);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r4));
            c40 = TVec.Fma(x, b0, c40); c41 = TVec.Fma(x, b1, c41); c42 = TVec.Fma(x, b2, c42);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r5));
            c50 = TVec.Fma(x, b0, c50); c51 = TVec.Fma(x, b1, c51); c52 = TVec.Fma(x, b2, c52);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r6));
            c60 = TVec.Fma(x, b0, c60); c61 = TVec.Fma(x, b1, c61); c62 = TVec.Fma(x, b2, c62);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r7));
            c70 = TVec.Fma(x, b0, c70); c71 = TVec.Fma(x, b1, c71); c72 = TVec.Fma(x, b2, c72);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        c00.Store(ref t, 0); c01.Store(ref t, w); c02.Store(ref t, 2 * w);
        c10.Store(ref t, 3 * w); c11.Store(ref t, 4 * w); c12.Store(ref t, 5 * w);
        c20.Store(ref t, 6 * w); c21.Store(ref t, 7 * w); c22.Store(ref t, 8 * w);
        c30.Store(ref t, 9 * w); c31.Store(ref t, 10 * w); c32.Store(ref t, 11 * w);
        c40.Store(ref t, 12 * w); c41.Store(ref t, 13 * w); c42.Store(ref t, 14 * w);
        c50.Store(ref t, 15 * w); c51.Store(ref t, 16 * w); c52.Store(ref t, 17 * w);
        c60.Store(ref t, 18 * w); c61.Store(ref t, 19 * w); c62.Store(ref t, 20 * w);
        c70.Store(ref t, 21 * w); c71.Store(ref t, 22 * w); c72.Store(ref t, 23 * w);
    }
}
