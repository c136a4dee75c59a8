using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>How a product is launched: the tile, the K split and which operands load 128-bit quads.</summary>
internal readonly record struct TilePlan(Type Tile, int Splits, int SliceK);

/// <summary>
/// The GEMM family: C = alpha op(A) op(B) + beta C (+ bias on every row) on the tiles of
/// <see cref="GemmCore"/>. Products that would leave multiprocessors idle are cut along K into
/// slices whose partial products a second pass adds in slice order, so every run gives the same
/// result (no atomics).
/// </summary>
internal sealed class Gemm(KernelHost host)
{
    /// <summary>Below this many 64 x 64 blocks a long product is cut along K (an H100 has 132 multiprocessors).</summary>
    private const int SplitBelow = 128;

    /// <summary>Blocks a cut product aims at; a slice keeps at least <see cref="MinSlice"/> of K.</summary>
    private const int SplitTarget = 256, MinSlice = 128;

    /// <summary>
    /// The K split of a product, from its shape alone (so every device sums in the same order): long
    /// products with fewer than <see cref="SplitBelow"/> 64 x 64 blocks are cut into slices of a
    /// multiple of 16 until about <see cref="SplitTarget"/> blocks run.
    /// </summary>
    public static (int Splits, int SliceK) SplitK(int batch, int m, int n, int k)
    {
        long blocks = (long)((m + 63) / 64) * ((n + 63) / 64) * batch;
        if (blocks >= SplitBelow || k < 2 * MinSlice) return (1, Math.Max(k, 1));
        int splits = (int)Math.Min((SplitTarget + blocks - 1) / blocks, k / MinSlice);
        splits = Math.Min(splits, 65535 / batch);
        int slice = ((k + splits - 1) / splits + 15) / 16 * 16;
        return ((k + slice - 1) / slice, slice);
    }

    /// <summary>The tile a device runs a product of this shape on.</summary>
    public static Type TileFor(bool simulator, int multiprocessors, int batch, int m, int n)
    {
        if (simulator) return typeof(TileSim);
        long blocks128 = (long)((m + 127) / 128) * ((n + 127) / 128) * batch;
        return m > 64 && n > 64 && blocks128 >= multiprocessors ? typeof(Tile128) : typeof(Tile64);
    }

    /// <summary>What <see cref="Run(in GemmArgs, DeviceBuffer, DeviceBuffer, DeviceBuffer, DeviceBuffer?, Epilogue)"/> launches for <paramref name="g"/>.</summary>
    public TilePlan Plan(in GemmArgs g) => Plan(g.Batch, g.M, g.N, g.K);

    /// <summary>The tile and K split of a batch of M x N x K products on this device.</summary>
    public TilePlan Plan(int batch, int m, int n, int k)
    {
        var (splits, slice) = SplitK(batch, m, n, k);
        return new TilePlan(TileFor(host.Simulator, host.Accelerator.NumMultiprocessors, batch, m, n), splits, slice);
    }

    /// <summary>Runs the batched product; <paramref name="bias"/> (N elements) is added after it when given, then the epilogue.</summary>
    public void Run<T>(in GemmArgs g, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, Epilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        var (va, vb, vc) = (KernelHost.View<T>(a), KernelHost.View<T>(b), KernelHost.View<T>(c));
        var opA = new DenseOperand<T>(va, g.OffsetA, g.Lda, g.BatchStrideA, g.M, g.TransA, g.Batch);
        // op(B) is K x N; as the loader sees it (rows = N), B stored N x K is the K-contiguous one.
        var opB = new DenseOperand<T>(vb, g.OffsetB, g.Ldb, g.BatchStrideB, g.N, !g.TransB, g.Batch);
        // Without a bias the output reads no bias element; C stands in for the view.
        var output = new GemmOutput<T>(vc, g.OffsetC, g.Ldc, g.BatchStrideC, g.M, g.N, g.Batch,
            T.CreateTruncating(g.Alpha), T.CreateTruncating(g.Beta), bias is null ? vc : KernelHost.View<T>(bias), bias is not null, false, epilogue);
        var plan = Plan(g);
        Tiled(plan, g.Batch, g.M, g.N, g.K, output, (shape, o) => Launch<T, DenseOperand<T>, DenseOperand<T>, ProductEntry<T>>(plan.Tile, shape, opA, opB, o));
    }

    /// <summary>
    /// Runs a tiled product into <paramref name="output"/>: directly, or cut along K into partial
    /// products in a scratch buffer that <see cref="SplitSumKernel{T}"/> then adds in slice order.
    /// </summary>
    public void Tiled<T>(TilePlan plan, int batch, int m, int n, int k, GemmOutput<T> output, Action<TileShape, GemmOutput<T>> launch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = new TileShape { M = m, N = n, K = k, Batch = batch, Splits = plan.Splits, SliceK = plan.SliceK };
        if (plan.Splits == 1)
        {
            launch(shape, output);
            return;
        }
        using var partial = host.Temporary<T>(plan.Splits * batch * m * n);
        var view = KernelHost.View<T>(partial);
        launch(shape, GemmOutput<T>.Plain(view, m, n, plan.Splits * batch));
        host.Kernel(static k => k.LoadStreamKernel<ArrayView<T>, GemmOutput<T>, int, int>(SplitSumKernel))
            (host.Spread(batch * m * n), view, output, plan.Splits, batch * m * n);
    }

    /// <summary>The launch sizes of a tiled kernel: (N tiles, M tiles, batch x splits) groups of the tile's threads.</summary>
    public static KernelConfig Config<TTile>(TileShape s) where TTile : IGemmTile =>
        new(new Index3D((s.N + TTile.BN - 1) / TTile.BN, (s.M + TTile.BM - 1) / TTile.BM, s.Batch * s.Splits), new Index3D(TTile.Threads, 1, 1));

    /// <summary>Launches <typeparamref name="TKernel"/>'s kernel for <paramref name="tile"/> (see <see cref="Plan(int, int, int, int)"/>).</summary>
    public void Launch<T, TA, TB, TKernel>(Type tile, TileShape s, TA a, TB b, GemmOutput<T> c)
        where T : unmanaged, IFloatingPointIeee754<T> where TA : struct, IGemmOperand<T> where TB : struct, IGemmOperand<T>
        where TKernel : ITiledKernel<T, TA, TB>
    {
        if (tile == typeof(Tile128)) Launch<T, Tile128, TA, TB, TKernel>(s, a, b, c);
        else if (tile == typeof(Tile64)) Launch<T, Tile64, TA, TB, TKernel>(s, a, b, c);
        else Launch<T, TileSim, TA, TB, TKernel>(s, a, b, c);
    }

    private void Launch<T, TTile, TA, TB, TKernel>(TileShape s, TA a, TB b, GemmOutput<T> c)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile where TA : struct, IGemmOperand<T> where TB : struct, IGemmOperand<T>
        where TKernel : ITiledKernel<T, TA, TB> =>
        host.Kernel(static k => k.LoadStreamKernel(TKernel.For<TTile>(), GemmLaunch.For<T, TTile>()))(Config<TTile>(s), s, a, b, c);

    private readonly struct ProductEntry<T> : ITiledKernel<T, DenseOperand<T>, DenseOperand<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Action<TileShape, DenseOperand<T>, DenseOperand<T>, GemmOutput<T>> For<TTile>() where TTile : IGemmTile => GemmKernel<T, TTile>;
    }

    private static void GemmKernel<T, TTile>(TileShape s, DenseOperand<T> a, DenseOperand<T> b, GemmOutput<T> c)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile =>
        GemmCore.Run<T, TTile, DenseOperand<T>, DenseOperand<T>>(s, a, b, c);

    /// <summary>Output i (of batch x M x N) = the sum of its partial products in slice order, then alpha, beta and the bias.</summary>
    private static void SplitSumKernel<T>(ArrayView<T> partial, GemmOutput<T> c, int splits, int total) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = c.Rows * c.Cols;
        for (int i = Grid.GlobalIndex.X; i < total; i += GridExtensions.GridStrideLoopStride)
        {
            int batch = i / plane, rest = i - batch * plane, row = rest / c.Cols, col = rest - row * c.Cols;
            // Partial product s of this output sits at ((batch * splits + s) * M + row) * N + col.
            int at = batch * splits * plane + rest;
            T sum = partial[at];
            for (int s = 1; s < splits; s++) sum += partial[at + s * plane];
            c.Store(batch, row, col, sum);
        }
    }
}
