using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The sizes of one tiled launch: C is M x N for each of Batch entries, K is cut into Splits slices
/// of SliceK (a multiple of 16; Splits = 1 without split-K). Grid: (N tiles, M tiles, Batch x Splits);
/// group z writes output batch entry z (the partial products of a split sit at batch x Splits + slice).
/// </summary>
internal struct TileShape
{
    public int M, N, K, Batch, Splits, SliceK;
}

/// <summary>A tiled kernel (a product of two operands into a <see cref="GemmOutput{T}"/>), by tile.</summary>
internal interface ITiledKernel<T, TA, TB> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The kernel's entry method for <typeparamref name="TTile"/>: it runs <see cref="GemmCore.Run{T, TTile, TA, TB}"/>.</summary>
    static abstract Action<TileShape, TA, TB, GemmOutput<T>> For<TTile>() where TTile : IGemmTile;
}

/// <summary>
/// The main loop every GEMM and convolution kernel runs. A group owns a BM x BN block of C and walks
/// its K slice in tiles of BK through two shared-memory stages: while the threads multiply out one
/// stage, their loads of the next tile are in flight into registers, stored to the other stage at
/// the end of the tile (one barrier per tile). Each thread keeps an 8 x 8 block of C in registers,
/// rows {4 ty .. 4 ty + 3} and {BM / 2 + 4 ty ..}, columns likewise, so each step of k reads four
/// 128-bit words from shared memory (two of them broadcast) for 64 multiply-adds. The shared tiles
/// are k-major with rows padded by 4 elements: the transposing stores of a K-contiguous tile then
/// hit 32 different banks. Every output is one thread's sum in K order, so results do not depend on
/// the tile.
/// </summary>
internal static class GemmCore
{
    public static void Run<T, TTile, TA, TB>(TileShape s, TA a, TB b, GemmOutput<T> c)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile
        where TA : struct, IGemmOperand<T> where TB : struct, IGemmOperand<T>
    {
        int pitchA = TTile.BM + 4, pitchB = TTile.BN + 4, stageA = TTile.BK * pitchA, stageB = TTile.BK * pitchB;
        var sa = SharedMemory.Allocate<T>(2 * TTile.BK * (TTile.BM + 4));
        var sb = SharedMemory.Allocate<T>(2 * TTile.BK * (TTile.BN + 4));
        var sa4 = sa.Cast<Quad<T>>();
        var sb4 = sb.Cast<Quad<T>>();
        int tid = Group.IdxX;
        int tx = tid & (TTile.BN / 8 - 1), ty = (int)((uint)tid / (uint)(TTile.BN / 8));
        int row0 = Grid.IdxY * TTile.BM, col0 = Grid.IdxX * TTile.BN, z = Grid.IdxZ;
        int batch = z / s.Splits, kBegin = (z - batch * s.Splits) * s.SliceK;
        int kEnd = IntrinsicMath.Min(kBegin + s.SliceK, s.K);
        int tiles = kEnd > kBegin ? (int)((uint)(kEnd - kBegin + TTile.BK - 1) / (uint)TTile.BK) : 0;

        // Tile 0 into stage 0, tile 1 into registers (past the slice a fetch loads nothing: zeros).
        var na = Stage<T>.Fetch<TTile, TA>(a, TTile.BM, batch, row0, kBegin, kEnd, tid);
        var nb = Stage<T>.Fetch<TTile, TB>(b, TTile.BN, batch, col0, kBegin, kEnd, tid);
        na.Put<TTile>(sa, sa4, 0, TTile.BM, a.AlongK, tid);
        nb.Put<TTile>(sb, sb4, 0, TTile.BN, b.AlongK, tid);
        Group.Barrier();
        na = Stage<T>.Fetch<TTile, TA>(a, TTile.BM, batch, row0, kBegin + TTile.BK, kEnd, tid);
        nb = Stage<T>.Fetch<TTile, TB>(b, TTile.BN, batch, col0, kBegin + TTile.BK, kEnd, tid);

        // One loop over the slice, two steps of k per turn (Float32): a loop over the steps nested in a loop over
        // the tiles makes ptxas copy the 64 sums between register sets every tile, and a tile written
        // out whole makes it hoist all 32 shared loads and spill. The stages are consecutive, so step j
        // reads row j mod 2 BK. At the end of tile t (but the last): tile t + 1 from the registers
        // into the other stage, tile t + 2's loads issued, one barrier.
        // Float64 takes one step per turn: two would hold 64 more registers of operands (255 in all).
        int per = Interop.SizeOf<T>() > 4 ? 1 : 2;
        var acc = default(Block8<T>);
        var fa = sa4.SubView(ty);
        var fb = sb4.SubView(tx);
        for (int j = 0; j < tiles * TTile.BK; j += per)
        {
            int row = j & (2 * TTile.BK - 1);
            var a0 = fa.SubView(row * (pitchA >> 2));
            var b0 = fb.SubView(row * (pitchB >> 2));
            acc = acc.Step(a0[0], a0[TTile.BM / 8], b0[0], b0[TTile.BN / 8]);
            if (per == 2)
            {
                var a1 = a0.SubView(pitchA >> 2);
                var b1 = b0.SubView(pitchB >> 2);
                acc = acc.Step(a1[0], a1[TTile.BM / 8], b1[0], b1[TTile.BN / 8]);
            }
            if ((j & (TTile.BK - 1)) == TTile.BK - per)
            {
                int t = (int)((uint)j / (uint)TTile.BK), stage = t & 1;
                if (t + 1 < tiles)
                {
                    na.Put<TTile>(sa, sa4, (stage ^ 1) * stageA, TTile.BM, a.AlongK, tid);
                    nb.Put<TTile>(sb, sb4, (stage ^ 1) * stageB, TTile.BN, b.AlongK, tid);
                    int next = kBegin + (t + 2) * TTile.BK;
                    na = Stage<T>.Fetch<TTile, TA>(a, TTile.BM, batch, row0, next, kEnd, tid);
                    nb = Stage<T>.Fetch<TTile, TB>(b, TTile.BN, batch, col0, next, kEnd, tid);
                    // After the last tile nothing is stored again: no barrier (the simulator pays ~0.25 ms for one).
                    Group.Barrier();
                }
            }
        }
        int r = row0 + 4 * ty, r2 = r + TTile.BM / 2, col = col0 + 4 * tx, col2 = col + TTile.BN / 2;
        Store(c, z, r, col, col2, acc.C0);
        Store(c, z, r + 1, col, col2, acc.C1);
        Store(c, z, r + 2, col, col2, acc.C2);
        Store(c, z, r + 3, col, col2, acc.C3);
        Store(c, z, r2, col, col2, acc.C4);
        Store(c, z, r2 + 1, col, col2, acc.C5);
        Store(c, z, r2 + 2, col, col2, acc.C6);
        Store(c, z, r2 + 3, col, col2, acc.C7);
    }

    private static void Store<T>(GemmOutput<T> c, int batch, int row, int col, int col2, Row8<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        c.Store(batch, row, col, sums.Lo);
        c.Store(batch, row, col2, sums.Hi);
    }
}

/// <summary>
/// The quads of the next tile one thread loads (Rows x BK elements over the group: 1, 2, 4 or 8
/// quads per thread), held in registers until they are stored to shared memory.
/// </summary>
internal struct Stage<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Quad<T> Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7;

    /// <summary>Quads per thread of a rows x BK tile.</summary>
    private static int PerThread<TTile>(int rows) where TTile : IGemmTile => rows * TTile.BK / 4 / TTile.Threads;

    public static Stage<T> Fetch<TTile, TOp>(TOp op, int rows, int batch, int row0, int k0, int kEnd, int tid)
        where TTile : IGemmTile where TOp : struct, IGemmOperand<T>
    {
        int n = PerThread<TTile>(rows);
        var stage = default(Stage<T>);
        stage.Q0 = FetchOne<TTile, TOp>(op, rows, batch, row0, k0, kEnd, tid);
        if (n > 1) stage.Q1 = FetchOne<TTile, TOp>(op, rows, batch, row0, k0, kEnd, tid + TTile.Threads);
        if (n > 2)
        {
            stage.Q2 = FetchOne<TTile, TOp>(op, rows, batch, row0, k0, kEnd, tid + 2 * TTile.Threads);
            stage.Q3 = FetchOne<TTile, TOp>(op, rows, batch, row0, k0, kEnd, tid + 3 * TTile.Threads);
        }
        if (n > 4)
        {
            stage.Q4 = FetchOne<TTile, TOp>(op, rows, batch, row0, k0, kEnd, tid + 4 * TTile.Threads);
            stage.Q5 = FetchOne<TTile, TOp>(op, rows, batch, row0, k0, kEnd, tid + 5 * TTile.Threads);
            stage.Q6 = FetchOne<TTile, TOp>(op, rows, batch, row0, k0, kEnd, tid + 6 * TTile.Threads);
            stage.Q7 = FetchOne<TTile, TOp>(op, rows, batch, row0, k0, kEnd, tid + 7 * TTile.Threads);
        }
        return stage;
    }

    /// <summary>Writes the quads into the stage at <paramref name="at"/> of a shared tile (BK rows of rows + 4).</summary>
    public readonly void Put<TTile>(ArrayView<T> s, ArrayView<Quad<T>> s4, int at, int rows, bool alongK, int tid) where TTile : IGemmTile
    {
        int n = PerThread<TTile>(rows);
        PutOne<TTile>(s, s4, at, rows, alongK, tid, Q0);
        if (n > 1) PutOne<TTile>(s, s4, at, rows, alongK, tid + TTile.Threads, Q1);
        if (n > 2)
        {
            PutOne<TTile>(s, s4, at, rows, alongK, tid + 2 * TTile.Threads, Q2);
            PutOne<TTile>(s, s4, at, rows, alongK, tid + 3 * TTile.Threads, Q3);
        }
        if (n > 4)
        {
            PutOne<TTile>(s, s4, at, rows, alongK, tid + 4 * TTile.Threads, Q4);
            PutOne<TTile>(s, s4, at, rows, alongK, tid + 5 * TTile.Threads, Q5);
            PutOne<TTile>(s, s4, at, rows, alongK, tid + 6 * TTile.Threads, Q6);
            PutOne<TTile>(s, s4, at, rows, alongK, tid + 7 * TTile.Threads, Q7);
        }
    }

    // Quad l of the tile: along K, BK / 4 quads per row; along the rows, rows / 4 quads per k
    // (selects, not branches: both are a shift and a mask).
    private static Quad<T> FetchOne<TTile, TOp>(TOp op, int rows, int batch, int row0, int k0, int kEnd, int l)
        where TTile : IGemmTile where TOp : struct, IGemmOperand<T>
    {
        uint q = (uint)l;
        bool alongK = op.AlongK;
        int row = alongK ? (int)(q / (uint)(TTile.BK / 4)) : 4 * (l & (rows / 4 - 1));
        int k = alongK ? 4 * (l & (TTile.BK / 4 - 1)) : (int)(q / (uint)(rows / 4));
        return op.Fetch(batch, row0 + row, k0 + k, kEnd);
    }

    // Shared tiles are k-major (element (row, k) at k * (rows + 4) + row): a quad along the rows is
    // one 128-bit store, a quad along K four stores down a column.
    private static void PutOne<TTile>(ArrayView<T> s, ArrayView<Quad<T>> s4, int at, int rows, bool alongK, int l, Quad<T> v) where TTile : IGemmTile
    {
        uint q = (uint)l;
        int pitch = rows + 4;
        if (alongK)
        {
            int i = at + 4 * (l & (TTile.BK / 4 - 1)) * pitch + (int)(q / (uint)(TTile.BK / 4));
            s[i] = v.X;
            s[i + pitch] = v.Y;
            s[i + 2 * pitch] = v.Z;
            s[i + 3 * pitch] = v.W;
        }
        else
        {
            s4[(at + (int)(q / (uint)(rows / 4)) * pitch + 4 * (l & (rows / 4 - 1))) >> 2] = v;
        }
    }
}
