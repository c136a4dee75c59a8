using System.Numerics;
using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad.Tests.Kernels;

/// The implicit-GEMM convolution packs each panel of the unfolded image straight from the bordered
/// image and runs the blocked GEMM's tiles and K blocks on it, so with every kernel (width x tile)
/// it must give the bits of that kernel's GEMM on the explicitly unfolded matrix, followed by the
/// bias and the ReLU. The geometries cover partial row and column panels, a last panel one vector
/// or less wide, output rows wider than a panel, two K blocks, even and non-square kernels, and
/// padding as large as the kernel (outputs that see only zeros).
public sealed class ConvImplicitTests
{
    public static IEnumerable<string> Kernels => GemmKernels.ByName.Keys;

    private static readonly Conv2dGeometry[] Geometries =
    [
        new(3, 2, 5, 7, 11, 3, 3, 1, 1, 1, 1, 1, 1),
        new(2, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2, 1, 1),
        new(2, 40, 6, 9, 9, 3, 3, 1, 1, 0, 0, 1, 1),
        new(2, 3, 1, 40, 5, 1, 3, 1, 1, 0, 1, 1, 1),
        new(1, 2, 4, 4, 17, 2, 2, 1, 1, 0, 0, 1, 1),
        new(2, 2, 3, 5, 3, 3, 2, 1, 1, 3, 1, 1, 1),
        new(4, 6, 8, 8, 24, 3, 3, 1, 1, 1, 1, 1, 1),
    ];

    [TestCaseSource(nameof(Kernels))]
    public void GivesTheBlockedGemmsBitsOnTheUnfoldedImage(string kernel)
    {
        Check<float>(GemmKernels.ByName[kernel]);
        Check<double>(GemmKernels.ByName[kernel]);
    }

    private static void Check<T>(GemmKernel kernel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ulong seed = 5;
        foreach (var g in Geometries)
        {
            var (xs, ws, ys) = g.Sizes;
            T[] x = HostData.Uniform<T>(xs, seed++), w = HostData.Uniform<T>(ws, seed++), bias = HostData.Uniform<T>(g.O, seed++);
            foreach (var (b, epilogue) in new[] { ((T[]?)null, Epilogue.None), (bias, Epilogue.Relu) })
            {
                T[] expected = Expected(kernel, g, x, w, b, epilogue), actual = HostData.Uniform<T>(ys, seed++);
                Conv.ImplicitForward(kernel, g, x, w, actual, b, epilogue);
                for (int i = 0; i < ys; i++)
                    if (!expected[i].Equals(actual[i]))
                        Assert.Fail($"{GemmKernels.Name(kernel)} {typeof(T).Name} {g} {epilogue}: y[{i}] = {actual[i]}, the GEMM on the unfolded image gives {expected[i]}");
            }
        }
    }

    /// The convolution pooled in the same call (each image's output pooled while in cache, never
    /// kept) gives the values and indices of the convolution followed by the pooling: on the fused
    /// path (stride-1 convolutions, 2x2 windows, float) and on the composed default (the rest), with
    /// odd output sizes whose last row and column no window covers, and a NaN input.
    [Test]
    public void ConvolutionPooledInItsCallGivesTheConvolutionThenThePooling()
    {
        var backend = Device.Cpu.Backend;
        var cases = new (Conv2dGeometry Conv, (int K, int S, int P) Pool)[]
        {
            (new(2, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1, 1, 1), (2, 2, 0)),
            (new(3, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2, 1, 1), (2, 2, 0)),
            (new(2, 32, 14, 14, 20, 3, 3, 1, 1, 1, 1, 1, 1), (2, 2, 0)),
            (new(2, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1), (2, 2, 0)),
            (new(2, 4, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1), (3, 1, 1)),
        };
        ulong seed = 40;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (var (conv, (k, st, pad)) in cases)
        foreach (bool withBias in new[] { false, true })
        {
            var pool = new Pool2dGeometry(conv.N, conv.O, conv.OutH, conv.OutW, k, k, st, st, pad, pad);
            var (xs, ws, ys) = conv.Sizes;
            double[] xv = HostData.Uniform<double>(xs, seed++), wv = HostData.Uniform<double>(ws, seed++), bv = HostData.Uniform<double>(conv.O, seed++);
            xv[xs / 3] = double.NaN;
            var epilogue = withBias ? Epilogue.Relu : Epilogue.None;
            using var x = backend.Upload(dtype, xv);
            using var w = backend.Upload(dtype, wv);
            using var bias = backend.Upload(dtype, bv);
            int pooled = pool.N * pool.C * pool.OutH * pool.OutW;
            using var full = backend.Allocate(dtype, ys);
            using var y0 = backend.Allocate(dtype, pooled);
            using var i0 = backend.Allocate(DType.Int32, pooled);
            using var y1 = backend.Allocate(dtype, pooled);
            using var i1 = backend.Allocate(DType.Int32, pooled);
            backend.Conv2dForward(conv, x, w, full, withBias ? bias : null, epilogue);
            backend.MaxPool2dForward(pool, full, y0, i0);
            backend.Conv2dForwardMaxPool(conv, pool, x, w, withBias ? bias : null, epilogue, y1, i1);
            string what = $"{dtype} {conv} pool {k}/{st}/{pad} bias={withBias}";
            Assert.That(backend.Read<int>(i1), Is.EqualTo(backend.Read<int>(i0)), $"{what}: indices");
            double[] expected = backend.ReadDoubles(y0), actual = backend.ReadDoubles(y1);
            for (int i = 0; i < pooled; i++)
                if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
                    Assert.Fail($"{what}: y[{i}] = {actual[i]}, the convolution then the pooling give {expected[i]}");
        }
    }

    [Test]
    public void APoolingOfAnythingButTheConvolutionsOutputIsRefused()
    {
        var backend = Device.Cpu.Backend;
        var conv = new Conv2dGeometry(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1);
        var pool = new Pool2dGeometry(2, 3, 8, 8, 2, 2, 2, 2, 0, 0);
        using var x = backend.Allocate(DType.Float32, conv.Sizes.X);
        using var w = backend.Allocate(DType.Float32, conv.Sizes.W);
        using var y = backend.Allocate(DType.Float32, 2 * 4 * 4 * 4);
        using var at = backend.Allocate(DType.Int32, 2 * 4 * 4 * 4);
        var e = Assert.Throws<ArgumentException>(() => backend.Conv2dForwardMaxPool(conv, pool, x, w, null, Epilogue.Relu, y, at));
        Assert.That(e!.Message, Does.Contain("[2, 3, 8, 8] is not the convolution's output [2, 4, 8, 8]"));
    }

    /// <summary>Per image: the unfolded matrix by definition, the kernel's GEMM, then bias and epilogue per output plane.</summary>
    private static T[] Expected<T>(GemmKernel kernel, in Conv2dGeometry g, T[] x, T[] w, T[]? bias, Epilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, oh = g.OutH, ow = g.OutW, ohw = oh * ow;
        var y = new T[g.Sizes.Y];
        var col = new T[ckk * ohw];
        for (int n = 0; n < g.N; n++)
        {
            for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            for (int p = 0; p < oh; p++)
            for (int q = 0; q < ow; q++)
            {
                int h = p + i - g.PadH, v = q + j - g.PadW;
                bool inside = (uint)h < (uint)g.H && (uint)v < (uint)g.W;
                col[((c * g.KH + i) * g.KW + j) * ohw + p * ow + q] = inside ? x[((n * g.C + c) * g.H + h) * g.W + v] : T.Zero;
            }
            var args = new GemmArgs(1, g.O, ohw, ckk, false, false, 0, ckk, 0, 0, ohw, 0, n * g.O * ohw, ohw, 0);
            Gemm.Dispatch(kernel, args, w, col, y, default, serial: true);
            for (int o = 0; o < g.O; o++)
            for (int t = 0; t < ohw; t++)
            {
                ref T v = ref y[(n * g.O + o) * ohw + t];
                if (bias is not null) v += bias[o];
                if (epilogue == Epilogue.Relu && v < T.Zero) v = T.Zero;
            }
        }
        return y;
    }
}
