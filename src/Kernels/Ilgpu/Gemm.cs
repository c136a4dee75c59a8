using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>A GEMM tiling, fixed at kernel compile time: a group computes a BM x BN block of C in steps of BK, each thread TM x TN of it.</summary>
internal interface IGemmTile
{
    static abstract int BM { get; }
    static abstract int BN { get; }
    static abstract int BK { get; }
    static abstract int TM { get; }
    static abstract int TN { get; }
}

/// <summary>Large products on GPUs: 128 x 128 blocks, 256 threads of 8 x 8.</summary>
internal readonly struct Tile128 : IGemmTile
{
    public static int BM => 128;
    public static int BN => 128;
    public static int BK => 8;
    public static int TM => 8;
    public static int TN => 8;
}

/// <summary>Small products on GPUs (fewer blocks than multiprocessors at 128): 64 x 64 blocks, 256 threads of 4 x 4.</summary>
internal readonly struct Tile64 : IGemmTile
{
    public static int BM => 64;
    public static int BN => 64;
    public static int BK => 8;
    public static int TM => 4;
    public static int TN => 4;
}

/// <summary>
/// The simulator: 32 x 32 blocks in steps of 32, 16 threads of 8 x 8. Every simulated thread is an
/// OS thread and a barrier costs about 0.25 ms there, so few threads and few steps.
/// </summary>
internal readonly struct TileSim : IGemmTile
{
    public static int BM => 32;
    public static int BN => 32;
    public static int BK => 32;
    public static int TM => 8;
    public static int TN => 8;
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
        var group = new Index3D(TTile.BM / TTile.TM * (TTile.BN / TTile.TN), 1, 1);
        host.Kernel(static k => k.LoadStreamKernel<GemmShape, T, T, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(Kernel<T, TTile>))
            (new KernelConfig(grid, group), shape, alpha, beta, a, b, c, bias, hasBias);
    }

    private static void Kernel<T, TTile>(GemmShape s, T alpha, T beta, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, ArrayView<T> bias, int hasBias)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile
    {
        var As = SharedMemory.Allocate<T>(TTile.BK * TTile.BM);
        var Bs = SharedMemory.Allocate<T>(TTile.BK * TTile.BN);
        var acc = LocalMemory.Allocate<T>(TTile.TM * TTile.TN);
        var ra = LocalMemory.Allocate<T>(TTile.TM);
        var rb = LocalMemory.Allocate<T>(TTile.TN);
        // Thread (ty, tx) owns rows ty + i * rowStep and columns tx + j * colStep of the block, so
        // neighbouring threads read neighbouring shared-memory words and write neighbouring columns.
        int rowStep = TTile.BM / TTile.TM, colStep = TTile.BN / TTile.TN, threads = rowStep * colStep;
        int tid = Group.IdxX, tx = tid % colStep, ty = tid / colStep;
        int row0 = Grid.IdxY * TTile.BM, col0 = Grid.IdxX * TTile.BN, batch = Grid.IdxZ;
        int a0 = s.OffsetA + batch * s.StrideA, b0 = s.OffsetB + batch * s.StrideB;
        for (int i = 0; i < TTile.TM * TTile.TN; i++) acc[i] = T.Zero;
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
                for (int i = 0; i < TTile.TM; i++) ra[i] = As[k * TTile.BM + ty + i * rowStep];
                for (int j = 0; j < TTile.TN; j++) rb[j] = Bs[k * TTile.BN + tx + j * colStep];
                for (int i = 0; i < TTile.TM; i++)
                    for (int j = 0; j < TTile.TN; j++)
                        acc[i * TTile.TN + j] += ra[i] * rb[j];
            }
            Group.Barrier();
        }
        int c0 = s.OffsetC + batch * s.StrideC;
        for (int i = 0; i < TTile.TM; i++)
        {
            int row = row0 + ty + i * rowStep;
            if (row >= s.M) continue;
            for (int j = 0; j < TTile.TN; j++)
            {
                int col = col0 + tx + j * colStep;
                if (col >= s.N) continue;
                int at = c0 + row * s.Ldc + col;
                T v = alpha * acc[i * TTile.TN + j];
                if (beta != T.Zero) v += beta * c[at];
                if (hasBias != 0) v += bias[col];
                c[at] = v;
            }
        }
    }
}
