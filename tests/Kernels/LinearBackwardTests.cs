using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad.Tests.Kernels;

/// A linear layer's gradients in one call (Backend.LinearBackward) against the calls it replaces on
/// the same backend: the weight gradient's GEMM (A = g transposed), the input gradient's (with the
/// ReluGradient epilogue when gated) and Reduce's sum of g over the rows. On the CPU's one-pass path
/// (rows deep enough for the weight gradient to be cut in two halves) and on the default, float and
/// double, gated and not, with and without dx and dbias, with a NaN in g and zeros and a NaN in x.
public sealed class LinearBackwardTests
{
    private static readonly (int Rows, int In, int Out)[] Shapes = [(4100, 50, 50), (2049, 7, 3), (3001, 20, 33), (2048, 2, 17), (300, 9, 5), (2500, 1, 4), (2500, 6, 1)];

    [Test]
    public void OneCallGivesTheGemmsBitsAndTheSum()
    {
        var backend = Device.Cpu.Backend;
        ulong seed = 90;
        int fused = 0;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (var (rows, inF, outF) in Shapes)
        foreach (var (wantDx, gate, wantBias) in new[] { (true, true, true), (true, false, true), (false, false, true), (true, true, false), (false, false, false) })
        {
            if (Linear.Fuses(rows, inF, outF)) fused++;
            double[] gv = HostData.Uniform<double>(rows * outF, seed++), xv = HostData.Uniform<double>(rows * inF, seed++), wv = HostData.Uniform<double>(outF * inF, seed++);
            gv[gv.Length / 3] = double.NaN;
            for (int i = 0; i < xv.Length; i += 3) xv[i] = Math.Max(xv[i], 0);
            xv[xv.Length / 2] = double.NaN;
            using var g = backend.Upload(dtype, gv);
            using var x = backend.Upload(dtype, xv);
            using var w = backend.Upload(dtype, wv);
            using var dw0 = backend.Allocate(dtype, outF * inF);
            using var dw1 = backend.Allocate(dtype, outF * inF);
            using var dx0 = backend.Allocate(dtype, rows * inF);
            using var dx1 = backend.Allocate(dtype, rows * inF);
            using var db0 = backend.Allocate(dtype, outF);
            using var db1 = backend.Allocate(dtype, outF);
            backend.Gemm(LinearShapes.WeightGradient(rows, inF, outF), g, x, dw0);
            backend.Gemm(LinearShapes.InputGradient(rows, inF, outF), g, w, dx0, epilogue: gate ? Epilogue.ReluGradient : Epilogue.None, aux: gate ? x : null);
            backend.Reduce(ReduceOp.Sum, StridedView.Contiguous(g, [1, rows, outF]), StridedView.Contiguous(db0, [1, 1, outF]));
            backend.LinearBackward(rows, inF, outF, g, x, w, dw1, wantDx ? dx1 : null, gate, wantBias ? db1 : null);
            string what = $"{dtype} {rows}x{inF}x{outF} dx={wantDx} gated={gate} bias={wantBias}";
            AssertBits(backend, dw0, dw1, what + " weight gradient");
            if (wantDx) AssertBits(backend, dx0, dx1, what + " input gradient");
            if (!wantBias) continue;
            // The one-pass path sums each half of the rows in order, then adds the halves.
            double[] e = backend.ReadDoubles(db0), a = backend.ReadDoubles(db1);
            double tolerance = (dtype == DType.Float32 ? 1e-6 : 1e-14) * rows;
            for (int j = 0; j < outF; j++)
            {
                if (double.IsNaN(e[j])) Assert.That(a[j], Is.NaN, $"{what} bias gradient [{j}]");
                else Assert.That(a[j], Is.EqualTo(e[j]).Within(tolerance), $"{what} bias gradient [{j}]");
            }
        }
        Assert.That(fused, Is.EqualTo(2 * 4 * 5), "cases on the one-pass path");
    }

    [Test]
    public void BadArgumentsAreRefusedNamingWhat()
    {
        var backend = Device.Cpu.Backend;
        using var g = backend.Allocate(DType.Float32, 6);
        using var x = backend.Allocate(DType.Float32, 6);
        using var w = backend.Allocate(DType.Float32, 4);
        using var dw = backend.Allocate(DType.Float32, 4);
        using var small = backend.Allocate(DType.Float32, 3);
        using var ints = backend.Allocate(DType.Int32, 6);
        Assert.That(() => backend.LinearBackward(3, 2, 2, g, x, w, small, null, false, null), Throws.ArgumentException.With.Message.Contains("weight gradient"));
        Assert.That(() => backend.LinearBackward(3, 2, 2, g, x, w, dw, null, true, null), Throws.ArgumentException.With.Message.Contains("gateByInput"));
        Assert.That(() => backend.LinearBackward(3, 2, 2, g, x, w, dw, x, false, null), Throws.ArgumentException.With.Message.Contains("shares its buffer"));
        Assert.That(() => backend.LinearBackward(0, 2, 2, g, x, w, dw, null, false, null), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => backend.LinearBackward(3, 2, 2, ints, x, w, dw, null, false, null), Throws.InstanceOf<NotSupportedException>());
    }

    private static void AssertBits(Backend backend, DeviceBuffer expected, DeviceBuffer actual, string what)
    {
        double[] e = backend.ReadDoubles(expected), a = backend.ReadDoubles(actual);
        for (int i = 0; i < e.Length; i++)
            if (BitConverter.DoubleToInt64Bits(e[i]) != BitConverter.DoubleToInt64Bits(a[i]))
                Assert.Fail($"{what}: [{i}] = {a[i]}, separately {e[i]}");
    }
}
