using System.Numerics;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// A GEMM tiling, fixed at kernel compile time: a group computes a BM x BN block of C in steps of
/// BK (8 or 16), each thread an 8 x 8 part of it (so BM / 8 x BN / 8 threads). Every size is a power
/// of two, so index arithmetic on them compiles to shifts and masks.
/// </summary>
internal interface IGemmTile
{
    static abstract int BM { get; }
    static abstract int BN { get; }
    static abstract int BK { get; }

    /// <summary>Threads per group: BM / 8 x BN / 8.</summary>
    static abstract int Threads { get; }

    /// <summary>Groups per multiprocessor ptxas must leave room for in Float32 (registers at most 64K / (Threads x this)); 0: no request.</summary>
    static abstract int MinGroups { get; }
}

/// <summary>Large products on GPUs: 128 x 128 blocks, 256 threads, two groups per multiprocessor.</summary>
internal readonly struct Tile128 : IGemmTile
{
    public static int BM => 128;
    public static int BN => 128;
    public static int BK => 8;
    public static int Threads => 256;
    public static int MinGroups => 2;
}

/// <summary>
/// Small products on GPUs (few 128 x 128 blocks, or at most 64 rows or columns): 64 x 64 blocks, 64
/// threads, at least six groups per multiprocessor (12 warps).
/// </summary>
internal readonly struct Tile64 : IGemmTile
{
    public static int BM => 64;
    public static int BN => 64;
    public static int BK => 8;
    public static int Threads => 64;
    public static int MinGroups => 6;
}

/// <summary>
/// The simulator: 32 x 32 blocks in steps of 16, 16 threads. Every simulated thread is an OS thread
/// and a barrier costs about 0.25 ms there, so few threads and few steps; the code paths are the GPU tiles' own.
/// </summary>
internal readonly struct TileSim : IGemmTile
{
    public static int BM => 32;
    public static int BN => 32;
    public static int BK => 16;
    public static int Threads => 16;
    public static int MinGroups => 0;
}

/// <summary>Compile-time launch hints of the tiled kernels.</summary>
internal static class GemmLaunch
{
    /// <summary>
    /// The group size a tiled kernel is compiled for (PTX .maxntid) and, in Float32, the groups per
    /// multiprocessor ptxas keeps registers for (.minnctapersm); Float64 gets no such cap (its 8 x 8
    /// doubles would spill).
    /// </summary>
    public static KernelSpecialization For<T, TTile>() where T : unmanaged where TTile : IGemmTile =>
        new(TTile.Threads, typeof(T) == typeof(float) && TTile.MinGroups > 0 ? TTile.MinGroups : null);
}

/// <summary>Four consecutive elements: one 128-bit load or store in Float32 (two in Float64) where aligned.</summary>
internal struct Quad<T>(T x, T y, T z, T w) where T : unmanaged
{
    public T X = x, Y = y, Z = z, W = w;
}

/// <summary>
/// Eight values a GEMM thread keeps in registers: one row of its 8 x 8 part of C, or eight operands
/// read from shared memory. Fields rather than an array: ILGPU turns them into scalar registers.
/// </summary>
internal readonly struct Row8<T>(T v0, T v1, T v2, T v3, T v4, T v5, T v6, T v7) where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly T V0 = v0, V1 = v1, V2 = v2, V3 = v3, V4 = v4, V5 = v5, V6 = v6, V7 = v7;

    /// <summary>Two quads side by side.</summary>
    public Row8(Quad<T> lo, Quad<T> hi) : this(lo.X, lo.Y, lo.Z, lo.W, hi.X, hi.Y, hi.Z, hi.W)
    {
    }

    /// <summary>This row plus <paramref name="a"/> times <paramref name="b"/>.</summary>
    public Row8<T> Add(T a, Row8<T> b) =>
        new(V0 + a * b.V0, V1 + a * b.V1, V2 + a * b.V2, V3 + a * b.V3, V4 + a * b.V4, V5 + a * b.V5, V6 + a * b.V6, V7 + a * b.V7);

    /// <summary>The first four values.</summary>
    public Quad<T> Lo => new(V0, V1, V2, V3);

    /// <summary>The last four values.</summary>
    public Quad<T> Hi => new(V4, V5, V6, V7);
}

/// <summary>A thread's 8 x 8 block of C: rows C0 .. C7 (see <see cref="GemmCore"/> for which rows and columns).</summary>
internal readonly struct Block8<T>(Row8<T> c0, Row8<T> c1, Row8<T> c2, Row8<T> c3, Row8<T> c4, Row8<T> c5, Row8<T> c6, Row8<T> c7)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly Row8<T> C0 = c0, C1 = c1, C2 = c2, C3 = c3, C4 = c4, C5 = c5, C6 = c6, C7 = c7;

    /// <summary>One step of k: this block plus the outer product of column a (rows) and row b (columns), 64 multiply-adds.</summary>
    public Block8<T> Step(Quad<T> a0, Quad<T> a1, Quad<T> b0, Quad<T> b1)
    {
        var b = new Row8<T>(b0, b1);
        return new(C0.Add(a0.X, b), C1.Add(a0.Y, b), C2.Add(a0.Z, b), C3.Add(a0.W, b), C4.Add(a1.X, b), C5.Add(a1.Y, b), C6.Add(a1.Z, b), C7.Add(a1.W, b));
    }
}
