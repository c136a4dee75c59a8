using System.Numerics;
using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad.Tests.Kernels;

/// Every GEMM micro-kernel (vector width x register tile) computes each element of C with the same
/// fused multiply-adds in the same order, so all of them must give the host kernel's bits. Widths
/// this CPU lacks run in .NET's software vectors: slow, but the kernel's code is the same, so the
/// AVX-512 tiles are checked on AVX2 machines too. The host kernel itself is checked against the
/// scalar reference by the gemm parity checks.
public sealed class GemmKernelTests
{
    public static IEnumerable<string> Kernels => GemmKernels.ByName.Keys;

    private static readonly GemmArgs[] Shapes =
    [
        GemmArgs.Contiguous(1, 7, 13, 5),
        GemmArgs.Contiguous(3, 33, 65, 17),
        new(1, 70, 33, 257, true, false, 2, 73, 0, 1, 34, 0, 4, 38, 0, -1.5, 0.5),
        new(1, 150, 97, 600, false, true, 0, 601, 0, 0, 600, 0, 0, 100, 0),
        new(1, 9, 300, 530, true, true, 0, 10, 0, 0, 531, 0, 0, 300, 0, 2, 0),
        new(1, 23, 37, 2101, false, false, 0, 2101, 0, 0, 37, 0, 0, 37, 0),
        new(1, 100, 1, 50, false, true, 1, 50, 0, 2, 50, 0, 0, 1, 0),
        new(1, 100, 50, 1, true, false, 2, 100, 0, 0, 50, 0, 0, 51, 0, 0.5),
        new(1, 1, 70, 33, false, false, 0, 33, 0, 0, 70, 0, 0, 70, 0),
        // A's rows 4 KB apart (8 KB for double): packed by transposes.
        new(1, 70, 40, 300, false, false, 3, 1024, 0, 0, 40, 0, 0, 41, 0, 1.5, 0.5),
    ];

    [TestCaseSource(nameof(Kernels))]
    public void KernelGivesTheHostKernelsBits(string kernel)
    {
        Check<float>(GemmKernels.ByName[kernel]);
        Check<double>(GemmKernels.ByName[kernel]);
    }

    [Test]
    public void WideProductsTakeTheEightByThreeTileOnAvx512()
    {
        Assert.That(GemmKernels.For(50), Is.EqualTo(GemmKernels.Host), "fit's 50 columns");
        Assert.That(GemmKernels.For(127), Is.EqualTo(GemmKernels.Host));
        bool chooses = GemmKernels.Host == GemmKernel.Avx512Tile8x2 && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TINYGRAD_GEMM_KERNEL"));
        var wide = chooses ? GemmKernel.Avx512Tile8x3 : GemmKernels.Host;
        Assert.That(GemmKernels.For(128), Is.EqualTo(wide));
        Assert.That(GemmKernels.For(700), Is.EqualTo(wide), "the mlp's 700 columns");
    }

    private static void Check<T>(GemmKernel kernel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ulong seed = 17;
        foreach (var g in Shapes)
        {
            int la = g.OffsetA + (g.Batch - 1) * g.BatchStrideA + (g.TransA ? g.K * g.Lda : g.M * g.Lda) + 1;
            int lb = g.OffsetB + (g.Batch - 1) * g.BatchStrideB + (g.TransB ? g.N * g.Ldb : g.K * g.Ldb) + 1;
            int lc = g.OffsetC + (g.Batch - 1) * g.BatchStrideC + g.M * g.Ldc + 1;
            T[] a = HostData.Uniform<T>(la, seed++), b = HostData.Uniform<T>(lb, seed++), c0 = HostData.Uniform<T>(lc, seed++), bias = HostData.Uniform<T>(g.N, seed++);
            // A ReLU's output as ReluGradient's mask: zeros (about half), a NaN, the rest positive.
            T[] aux = HostData.Uniform<T>(lc, seed++);
            for (int i = 0; i < lc; i++) aux[i] = aux[i] < T.Zero ? T.Zero : aux[i];
            aux[lc / 3] = T.NaN;
            T[] expected = (T[])c0.Clone(), actual = (T[])c0.Clone();
            bool dense = g.OffsetC == 0 && g.Ldc == g.N;
            // The split product with the bias and the ReLU epilogue; the serial one plain; for a
            // dense C also the split one with the bias and ReluGradient.
            var passes = new List<(bool Serial, GemmPost<T> Post)> { (false, new(bias, Epilogue.Relu, null)), (true, default) };
            if (dense) passes.Add((false, new(bias, Epilogue.ReluGradient, aux)));
            foreach (var (serial, post) in passes)
            {
                Gemm.Dispatch(GemmKernels.Host, g, a, b, expected, post, serial);
                Gemm.Dispatch(kernel, g, a, b, actual, post, serial);
                for (int i = 0; i < lc; i++)
                    if (!expected[i].Equals(actual[i]) && !(T.IsNaN(expected[i]) && T.IsNaN(actual[i])))
                        Assert.Fail($"{GemmKernels.Name(kernel)} {typeof(T).Name} {g} serial={serial} {post.Epilogue}: C[{i}] = {actual[i]}, the host kernel {GemmKernels.Name(GemmKernels.Host)} gives {expected[i]}");
            }
        }
    }
}
