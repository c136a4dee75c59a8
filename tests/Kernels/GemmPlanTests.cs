using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Tests.Kernels;

/// How the ILGPU backend launches its tiled products (GEMM and convolution): the tile and K split
/// per shape, the 128-bit path only for aligned operands, and the division by multiplication the
/// convolutions' index arithmetic uses. The numbers themselves are checked by the parity suite.
public sealed class GemmPlanTests
{
    [Test]
    public void ShapesThatLeaveMultiprocessorsIdleAreCutAlongK()
    {
        // The mlp's first layer: 2 x 11 blocks of 64 x 64, so six slices of 144 (the last 64).
        Assert.That(Gemm.SplitK(1, 100, 700, 784), Is.EqualTo((6, 144)));
        // Enough blocks, or too short a K: one slice.
        Assert.That(Gemm.SplitK(1, 4096, 4096, 4096), Is.EqualTo((1, 4096)));
        Assert.That(Gemm.SplitK(1, 100, 700, 200), Is.EqualTo((1, 200)));
        Assert.That(Gemm.SplitK(1, 5, 5, 0), Is.EqualTo((1, 1)));
        // A convolution's weight gradient (32 x 25 outputs over 100 images of 28 x 28): many slices of a multiple of 16.
        var (splits, slice) = Gemm.SplitK(1, 32, 25, 78400);
        Assert.That((splits, slice), Is.EqualTo((245, 320)));
        Assert.That((splits - 1) * slice, Is.LessThan(78400));
        // The batch and the slices share the grid's z extent (at most 65535).
        Assert.That(Gemm.SplitK(60000, 1, 1, 100_000).Splits * 60000, Is.LessThanOrEqualTo(65535));
    }

    [Test]
    public void LargeProductsTakeTheLargeTile()
    {
        Assert.That(Gemm.TileFor(false, 132, 1, 4096, 4096), Is.EqualTo(typeof(Tile128)));
        // Fewer 128 x 128 blocks than multiprocessors, or at most 64 rows: 64 x 64 blocks.
        Assert.That(Gemm.TileFor(false, 132, 1, 100, 700), Is.EqualTo(typeof(Tile64)));
        Assert.That(Gemm.TileFor(false, 132, 100, 32, 784), Is.EqualTo(typeof(Tile64)));
        Assert.That(Gemm.TileFor(false, 132, 64, 1024, 1024), Is.EqualTo(typeof(Tile128)));
        Assert.That(Gemm.TileFor(true, 1, 1, 4096, 4096), Is.EqualTo(typeof(TileSim)));
    }

    [Test]
    public void QuadLoadsOnlyWhereAligned()
    {
        using var backend = new IlgpuBackend(IlgpuKind.Simulator);
        using var buffer = backend.Allocate(DType.Float32, 4096);
        var view = KernelHost.View<float>(buffer);
        Assert.That(new DenseOperand<float>(view, 8, 64, 1024, 10, false, 3).Vector, Is.EqualTo(1));
        // Offset, leading dimension or batch stride off a multiple of 4: element loads.
        Assert.That(new DenseOperand<float>(view, 3, 64, 1024, 10, false, 3).Vector, Is.Zero);
        Assert.That(new DenseOperand<float>(view, 8, 66, 1024, 10, false, 3).Vector, Is.Zero);
        Assert.That(new DenseOperand<float>(view, 8, 64, 1026, 10, false, 3).Vector, Is.Zero);
        // A batch stride matters only with a batch.
        Assert.That(new DenseOperand<float>(view, 8, 64, 1026, 10, false, 1).Vector, Is.EqualTo(1));
        Assert.That(GemmOutput<float>.Aligned(view, 4, 8, 0), Is.True);
        Assert.That(GemmOutput<float>.Aligned(view.SubView(1), 4, 8, 0), Is.False, "a view 4 bytes into the buffer");
    }

    [Test]
    public void FastDivisionIsExact()
    {
        var random = new System.Random(7);
        foreach (int d in Enumerable.Range(1, 300).Concat([1000, 4096, 65535, 1 << 20, 1_000_003, int.MaxValue]))
        {
            var fast = new FastDiv(d);
            foreach (int n in Enumerable.Range(0, 2000).Concat(Enumerable.Range(0, 2000).Select(_ => random.Next())).Concat([int.MaxValue, int.MaxValue - 1, d - 1, d, d + 1]))
            {
                if (n < 0) continue;
                Assert.That(fast.DivRem(n), Is.EqualTo((n / d, n % d)), $"{n} / {d}");
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastDiv(0));
    }
}
