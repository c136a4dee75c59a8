using System.Runtime.CompilerServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// A GEMM register tile (micro-kernel): acc (Mr x Vectors vectors) = A panel (kb x Mr) times B
/// panel (kb x Vectors * width), then each accumulator vector goes to the tile's output
/// (<see cref="ITileOutput{T, TVec}"/>: C itself for whole tiles, with the epilogue on the last K
/// block; a scratch tile for edges). A values are read at <c>ap + r * rowStep + k * kStep</c> and
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
    static abstract void Run<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct;

    /// <summary>
    /// The tile's first vector of columns only (a last panel at most one vector wide, as fit's 50
    /// columns leave): the same sums, written where <see cref="Run"/> writes them.
    /// </summary>
    static abstract void RunNarrow<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct;
}

/// <summary>One-vector-wide tiles of 6 and 8 rows, the <see cref="ITile.RunNarrow"/> of the wide ones.</summary>
internal static class NarrowTile
{
    public static void Rows6<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
        TVec c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0);
            TVec.Fma(ref c0, TVec.Broadcast(ap), b0);
            TVec.Fma(ref c1, TVec.Broadcast(Unsafe.Add(ref ap, r1)), b0);
            TVec.Fma(ref c2, TVec.Broadcast(Unsafe.Add(ref ap, r2)), b0);
            TVec.Fma(ref c3, TVec.Broadcast(Unsafe.Add(ref ap, r3)), b0);
            TVec.Fma(ref c4, TVec.Broadcast(Unsafe.Add(ref ap, r4)), b0);
            TVec.Fma(ref c5, TVec.Broadcast(Unsafe.Add(ref ap, r5)), b0);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        output.Put(c0, 0, 0); output.Put(c1, 1, 0); output.Put(c2, 2, 0);
        output.Put(c3, 3, 0); output.Put(c4, 4, 0); output.Put(c5, 5, 0);
    }

    public static void Rows8<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1, r6 = 6 * r1, r7 = 7 * r1;
        TVec c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0);
            TVec.Fma(ref c0, TVec.Broadcast(ap), b0);
            TVec.Fma(ref c1, TVec.Broadcast(Unsafe.Add(ref ap, r1)), b0);
            TVec.Fma(ref c2, TVec.Broadcast(Unsafe.Add(ref ap, r2)), b0);
            TVec.Fma(ref c3, TVec.Broadcast(Unsafe.Add(ref ap, r3)), b0);
            TVec.Fma(ref c4, TVec.Broadcast(Unsafe.Add(ref ap, r4)), b0);
            TVec.Fma(ref c5, TVec.Broadcast(Unsafe.Add(ref ap, r5)), b0);
            TVec.Fma(ref c6, TVec.Broadcast(Unsafe.Add(ref ap, r6)), b0);
            TVec.Fma(ref c7, TVec.Broadcast(Unsafe.Add(ref ap, r7)), b0);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        output.Put(c0, 0, 0); output.Put(c1, 1, 0); output.Put(c2, 2, 0); output.Put(c3, 3, 0);
        output.Put(c4, 4, 0); output.Put(c5, 5, 0); output.Put(c6, 6, 0); output.Put(c7, 7, 0);
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

    public static void RunNarrow<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct =>
        NarrowTile.Rows6<T, TVec, TOut>(ref ap, rowStep, kStep, ref bp, bStep, kb, ref output);

    // The method makes no calls (everything inlines): on the SysV ABI no vector register survives a
    // call, and one call in the loop makes the JIT spill every accumulator on every iteration.
    public static void Run<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
        nuint w = (nuint)TVec.Count;
        TVec c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVec c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0), b1 = TVec.Load(ref bp, w);
            TVec x = TVec.Broadcast(ap);
            TVec.Fma(ref c00, x, b0); TVec.Fma(ref c01, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r1));
            TVec.Fma(ref c10, x, b0); TVec.Fma(ref c11, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r2));
            TVec.Fma(ref c20, x, b0); TVec.Fma(ref c21, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r3));
            TVec.Fma(ref c30, x, b0); TVec.Fma(ref c31, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r4));
            TVec.Fma(ref c40, x, b0); TVec.Fma(ref c41, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r5));
            TVec.Fma(ref c50, x, b0); TVec.Fma(ref c51, x, b1);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        output.Put(c00, 0, 0); output.Put(c01, 0, 1);
        output.Put(c10, 1, 0); output.Put(c11, 1, 1);
        output.Put(c20, 2, 0); output.Put(c21, 2, 1);
        output.Put(c30, 3, 0); output.Put(c31, 3, 1);
        output.Put(c40, 4, 0); output.Put(c41, 4, 1);
        output.Put(c50, 5, 0); output.Put(c51, 5, 1);
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

    public static void RunNarrow<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct =>
        NarrowTile.Rows8<T, TVec, TOut>(ref ap, rowStep, kStep, ref bp, bStep, kb, ref output);

    public static void Run<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct
    {
        nint r1 = rowStep, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1, r6 = 6 * r1, r7 = 7 * r1;
        nuint w = (nuint)TVec.Count;
        TVec c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        TVec c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int k = 0; k < kb; k++)
        {
            TVec b0 = TVec.Load(ref bp, 0), b1 = TVec.Load(ref bp, w);
            TVec x = TVec.Broadcast(ap);
            TVec.Fma(ref c00, x, b0); TVec.Fma(ref c01, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r1));
            TVec.Fma(ref c10, x, b0); TVec.Fma(ref c11, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r2));
            TVec.Fma(ref c20, x, b0); TVec.Fma(ref c21, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r3));
            TVec.Fma(ref c30, x, b0); TVec.Fma(ref c31, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r4));
            TVec.Fma(ref c40, x, b0); TVec.Fma(ref c41, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r5));
            TVec.Fma(ref c50, x, b0); TVec.Fma(ref c51, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r6));
            TVec.Fma(ref c60, x, b0); TVec.Fma(ref c61, x, b1);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r7));
            TVec.Fma(ref c70, x, b0); TVec.Fma(ref c71, x, b1);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        output.Put(c00, 0, 0); output.Put(c01, 0, 1);
        output.Put(c10, 1, 0); output.Put(c11, 1, 1);
        output.Put(c20, 2, 0); output.Put(c21, 2, 1);
        output.Put(c30, 3, 0); output.Put(c31, 3, 1);
        output.Put(c40, 4, 0); output.Put(c41, 4, 1);
        output.Put(c50, 5, 0); output.Put(c51, 5, 1);
        output.Put(c60, 6, 0); output.Put(c61, 6, 1);
        output.Put(c70, 7, 0); output.Put(c71, 7, 1);
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

    public static void RunNarrow<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct =>
        NarrowTile.Rows8<T, TVec, TOut>(ref ap, rowStep, kStep, ref bp, bStep, kb, ref output);

    public static void Run<T, TVec, TOut>(ref T ap, nint rowStep, nint kStep, ref T bp, nint bStep, int kb, ref TOut output)
        where T : unmanaged where TVec : struct, ISimd<TVec, T> where TOut : struct, ITileOutput<T, TVec>, allows ref struct
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
            TVec.Fma(ref c00, x, b0); TVec.Fma(ref c01, x, b1); TVec.Fma(ref c02, x, b2);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r1));
            TVec.Fma(ref c10, x, b0); TVec.Fma(ref c11, x, b1); TVec.Fma(ref c12, x, b2);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r2));
            TVec.Fma(ref c20, x, b0); TVec.Fma(ref c21, x, b1); TVec.Fma(ref c22, x, b2);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r3));
            TVec.Fma(ref c30, x, b0); TVec.Fma(ref c31, x, b1); TVec.Fma(ref c32, x, b2);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r4));
            TVec.Fma(ref c40, x, b0); TVec.Fma(ref c41, x, b1); TVec.Fma(ref c42, x, b2);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r5));
            TVec.Fma(ref c50, x, b0); TVec.Fma(ref c51, x, b1); TVec.Fma(ref c52, x, b2);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r6));
            TVec.Fma(ref c60, x, b0); TVec.Fma(ref c61, x, b1); TVec.Fma(ref c62, x, b2);
            x = TVec.Broadcast(Unsafe.Add(ref ap, r7));
            TVec.Fma(ref c70, x, b0); TVec.Fma(ref c71, x, b1); TVec.Fma(ref c72, x, b2);
            ap = ref Unsafe.Add(ref ap, kStep);
            bp = ref Unsafe.Add(ref bp, bStep);
        }
        output.Put(c00, 0, 0); output.Put(c01, 0, 1); output.Put(c02, 0, 2);
        output.Put(c10, 1, 0); output.Put(c11, 1, 1); output.Put(c12, 1, 2);
        output.Put(c20, 2, 0); output.Put(c21, 2, 1); output.Put(c22, 2, 2);
        output.Put(c30, 3, 0); output.Put(c31, 3, 1); output.Put(c32, 3, 2);
        output.Put(c40, 4, 0); output.Put(c41, 4, 1); output.Put(c42, 4, 2);
        output.Put(c50, 5, 0); output.Put(c51, 5, 1); output.Put(c52, 5, 2);
        output.Put(c60, 6, 0); output.Put(c61, 6, 1); output.Put(c62, 6, 2);
        output.Put(c70, 7, 0); output.Put(c71, 7, 1); output.Put(c72, 7, 2);
    }
}
