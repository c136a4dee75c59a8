using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// A GEMM tiling, fixed at kernel compile time: a group computes a BM x BN block of C in steps of
/// BK, each thread an 8 x 8 part of it (so BM / 8 x BN / 8 threads).
/// </summary>
internal interface IGemmTile
{
    static abstract int BM { get; }
    static abstract int BN { get; }
    static abstract int BK { get; }

    /// <summary>Threads per group: BM / 8 x BN / 8.</summary>
    static abstract int Threads { get; }
}

/// <summary>Large products on GPUs: 128 x 128 blocks, 256 threads.</summary>
internal readonly struct Tile128 : IGemmTile
{
    public static int BM => 128;
    public static int BN => 128;
    public static int BK => 8;
    public static int Threads => 256;
}

/// <summary>Small products on GPUs (fewer blocks than multiprocessors at 128): 64 x 64 blocks, 64 threads.</summary>
internal readonly struct Tile64 : IGemmTile
{
    public static int BM => 64;
    public static int BN => 64;
    public static int BK => 8;
    public static int Threads => 64;
}

/// <summary>
/// The simulator: 32 x 32 blocks in steps of 32, 16 threads. Every simulated thread is an OS thread
/// and a barrier costs about 0.25 ms there, so few threads and few steps.
/// </summary>
internal readonly struct TileSim : IGemmTile
{
    public static int BM => 32;
    public static int BN => 32;
    public static int BK => 32;
    public static int Threads => 16;
}

/// <summary>
/// Eight values a GEMM thread keeps in registers: one row of its 8 x 8 part of C, or eight operands
/// read from shared memory. Fields rather than an array: ILGPU turns them into scalar registers.
/// </summary>
internal readonly struct Row8<T>(T v0, T v1, T v2, T v3, T v4, T v5, T v6, T v7) where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly T V0 = v0, V1 = v1, V2 = v2, V3 = v3, V4 = v4, V5 = v5, V6 = v6, V7 = v7;

    /// <summary>s[at], s[at + step], ..., s[at + 7 step].</summary>
    public static Row8<T> Load(ArrayView<T> s, int at, int step) =>
        new(s[at], s[at + step], s[at + 2 * step], s[at + 3 * step], s[at + 4 * step], s[at + 5 * step], s[at + 6 * step], s[at + 7 * step]);

    /// <summary>This row plus <paramref name="a"/> times <paramref name="b"/>.</summary>
    public Row8<T> Add(T a, Row8<T> b) =>
        new(V0 + a * b.V0, V1 + a * b.V1, V2 + a * b.V2, V3 + a * b.V3, V4 + a * b.V4, V5 + a * b.V5, V6 + a * b.V6, V7 + a * b.V7);

    public T this[int j] => j switch { 0 => V0, 1 => V1, 2 => V2, 3 => V3, 4 => V4, 5 => V5, 6 => V6, _ => V7 };
}

/// <summary>The sizes and layout of one batched product (see <see cref="GemmArgs"/>), as kernels take it.</summary>
internal struct GemmShape
{
    public int M, N, K, TransA, TransB, OffsetA, Lda, StrideA, OffsetB, Ldb, StrideB, OffsetC, Ldc, StrideC;

    public static GemmShape From(in GemmArgs g) => new()
    {
        M = g.M, N = g.N, K = g.K, TransA = g.TransA ? 1 : 0, TransB = g.TransB ? 1 : 0,
        OffsetA = g.OffsetA, Lda = g.Lda, StrideA = g.BatchStrideA, OffsetB = g.OffsetB, Ldb = g.Ldb, StrideB = g.BatchStrideB,
        OffsetC = g.OffsetC, Ldc = g.Ldc, StrideC = g.BatchStrideC,
    };
}

/// <summary>
/// The GEMM family: C = alpha op(A) op(B) + beta C (+ bias on every row), tiled through shared
/// memory with a register block per thread. Each output is one thread's sum in K order.
/// </summary>
internal sealed class Gemm(KernelHost host)
{
    /// <summary>Runs the batched product; <paramref name="bias"/> (N elements) is added after it when given.</summary>
    public void Run(in GemmArgs g, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias)
    {
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        if (a.DType == DType.Float32) Run<float>(g, a, b, c, bias); else Run<double>(g, a, b, c, bias);
    }

    private void Run<T>(in GemmArgs g, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = GemmShape.From(g);
        var (va, vb, vc) = (KernelHost.View<T>(a), KernelHost.View<T>(b), KernelHost.View<T>(c));
        // Without a bias the kernel reads element 0 of C, which every product has.
        var vbias = bias is null ? vc : KernelHost.View<T>(bias);
        T alpha = T.CreateTruncating(g.Alpha), beta = T.CreateTruncating(g.Beta);
        int hasBias = bias is null ? 0 : 1;
        if (host.Simulator) Launch<T, TileSim>(g, shape, alpha, beta, va, vb, vc, vbias, hasBias);
        else if (Blocks<Tile128>(g) >= host.Accelerator.NumMultiprocessors) Launch<T, Tile128>(g, shape, alpha, beta, va, vb, vc, vbias, hasBias);
        else Launch<T, Tile64>(g, shape, alpha, beta, va, vb, vc, vbias, hasBias);
    }

    private static long Blocks<TTile>(in GemmArgs g) where TTile : IGemmTile =>
        (long)((g.N + TTile.BN - 1) / TTile.BN) * ((g.M + TTile.BM - 1) / TTile.BM) * g.Batch;

    private void Launch<T, TTile>(in GemmArgs g, GemmShape shape, T alpha, T beta, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, ArrayView<T> bias, int hasBias)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile
    {
        var grid = new Index3D((g.N + TTile.BN - 1) / TTile.BN, (g.M + TTile.BM - 1) / TTile.BM, g.Batch);
        var group = new Index3D(TTile.BM / 8 * (TTile.BN / 8), 1, 1);
        host.Kernel(static k => k.LoadStreamKernel<GemmShape, T, T, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(Kernel<T, TTile>))
            (new KernelConfig(grid, group), shape, alpha, beta, a, b, c, bias, hasBias);
    }

    private static void Kernel<T, TTile>(GemmShape s, T alpha, T beta, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, ArrayView<T> bias, int hasBias)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile
    {
        var As = SharedMemory.Allocate<T>(TTile.BK * TTile.BM);
        var Bs = SharedMemory.Allocate<T>(TTile.BK * TTile.BN);
        // Thread (ty, tx) owns rows ty + i * rowStep and columns tx + j * colStep of the block, so
        // neighbouring threads read neighbouring shared-memory words and write neighbouring columns.
        int rowStep = TTile.BM / 8, colStep = TTile.BN / 8, threads = rowStep * colStep;
        int tid = Group.IdxX, tx = tid % colStep, ty = tid / colStep;
        int row0 = Grid.IdxY * TTile.BM, col0 = Grid.IdxX * TTile.BN, batch = Grid.IdxZ;
        int a0 = s.OffsetA + batch * s.StrideA, b0 = s.OffsetB + batch * s.StrideB;
        Row8<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int k0 = 0; k0 < s.K; k0 += TTile.BK)
        {
            // Tile loads walk memory in its contiguous direction (coalesced), zero outside the matrices.
            for (int l = tid; l < TTile.BM * TTile.BK; l += threads)
            {
                int m = s.TransA != 0 ? l % TTile.BM : l / TTile.BK, k = s.TransA != 0 ? l / TTile.BM : l % TTile.BK;
                int gm = row0 + m, gk = k0 + k;
                As[k * TTile.BM + m] = gm < s.M && gk < s.K ? a[a0 + (s.TransA != 0 ? gk * s.Lda + gm : gm * s.Lda + gk)] : T.Zero;
            }
            for (int l = tid; l < TTile.BN * TTile.BK; l += threads)
            {
                int n = s.TransB != 0 ? l / TTile.BK : l % TTile.BN, k = s.TransB != 0 ? l % TTile.BK : l / TTile.BN;
                int gn = col0 + n, gk = k0 + k;
                Bs[k * TTile.BN + n] = gn < s.N && gk < s.K ? b[b0 + (s.TransB != 0 ? gn * s.Ldb + gk : gk * s.Ldb + gn)] : T.Zero;
            }
            Group.Barrier();
            for (int k = 0; k < TTile.BK; k++)
            {
                var ra = Row8<T>.Load(As, k * TTile.BM + ty, rowStep);
                var rb = Row8<T>.Load(Bs, k * TTile.BN + tx, colStep);
                c0 = c0.Add(ra.V0, rb);
                c1 = c1.Add(ra.V1, rb);
                c2 = c2.Add(ra.V2, rb);
                c3 = c3.Add(ra.V3, rb);
                c4 = c4.Add(ra.V4, rb);
                c5 = c5.Add(ra.V5, rb);
                c6 = c6.Add(ra.V6, rb);
                c7 = c7.Add(ra.V7, rb);
            }
            Group.Barrier();
        }
        var at = new Epilogue<T>(s, alpha, beta, s.OffsetC + batch * s.StrideC, col0 + tx, colStep, hasBias);
        int row = row0 + ty;
        at.Store(c, bias, c0, row);
        at.Store(c, bias, c1, row + rowStep);
        at.Store(c, bias, c2, row + 2 * rowStep);
        at.Store(c, bias, c3, row + 3 * rowStep);
        at.Store(c, bias, c4, row + 4 * rowStep);
        at.Store(c, bias, c5, row + 5 * rowStep);
        at.Store(c, bias, c6, row + 6 * rowStep);
        at.Store(c, bias, c7, row + 7 * rowStep);
    }

    /// <summary>Where and how a thread writes its rows of C: alpha times the sum, plus beta C, plus the bias.</summary>
    private readonly struct Epilogue<T>(GemmShape s, T alpha, T beta, int offset, int col, int colStep, int hasBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Store(ArrayView<T> c, ArrayView<T> bias, Row8<T> sums, int row)
        {
            if (row >= s.M) return;
            for (int j = 0; j < 8; j++)
            {
                int n = col + j * colStep;
                if (n >= s.N) return;
                int at = offset + row * s.Ldc + n;
                T v = alpha * sums[j];
                if (beta != T.Zero) v += beta * c[at];
                if (hasBias != 0) v += bias[n];
                c[at] = v;
            }
        }
    }
}
