using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad.Tests.Kernels;

/// A convolution's weight (and bias) gradients from the gradient of its max pooled output, in one
/// call, against the pooling's backward (gated by the pooled ReLU output, or not) into a full-size
/// gradient followed by the weight and bias gradients: summed window by window where the pooling
/// keeps at most half the outputs (the same values within rounding), else unpooled image by image
/// (the same bits); 2x2 / stride 2 pools and others, odd sizes, first-layer and deeper geometries,
/// float and double, with zeros and a NaN in the gate, a NaN in the pooled gradient, and a NaN
/// input pixel (which must reach dw through the zero terms, as the dense product's 0 * NaN does).
public sealed class ConvOfMaxPoolGradientTests
{
    private static readonly (Conv2dGeometry Conv, (int K, int Stride, int Pad) Pool)[] Cases =
    [
        (new(4, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2, 1, 1), (2, 2, 0)),
        (new(3, 3, 12, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1), (2, 2, 0)),
        (new(3, 5, 9, 11, 6, 3, 3, 1, 1, 1, 1, 1, 1), (2, 2, 0)),
        (new(2, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1), (3, 1, 1)),
        (new(3, 2, 10, 10, 5, 3, 3, 2, 2, 1, 1, 1, 1), (2, 2, 0)),
        (new(1, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1), (2, 2, 0)),
    ];

    [Test]
    public void OneCallGivesThePoolingBackwardThenTheWeightGradientsBits()
    {
        var backend = Device.Cpu.Backend;
        ulong seed = 110;
        int windowed = 0;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (var (g, (k, stride, pad)) in Cases)
        foreach (var (gated, withBias, nanPixel) in new[] { (true, true, false), (false, true, false), (true, false, false), (true, true, true) })
        {
            var p = new Pool2dGeometry(g.N, g.O, g.OutH, g.OutW, k, k, stride, stride, pad, pad);
            var (xs, ws, ys) = g.Sizes;
            int pooled = p.N * p.C * p.OutH * p.OutW;
            double[] xv = HostData.Uniform<double>(xs, seed++), wv = HostData.Uniform<double>(ws, seed++), dyv = HostData.Uniform<double>(pooled, seed++);
            dyv[pooled / 2] = double.NaN;
            if (nanPixel) xv[xs / 3] = double.NaN;
            using var x = backend.Upload(dtype, xv);
            using var w = backend.Upload(dtype, wv);
            using var y = backend.Allocate(dtype, ys);
            using var py = backend.Allocate(dtype, pooled);
            using var indices = backend.Allocate(DType.Int32, pooled);
            // The forward's own indices and pooled ReLU outputs (zero about half the time), one gate a NaN.
            backend.Conv2dForward(g, x, w, y, epilogue: Epilogue.Relu);
            backend.MaxPool2dForward(p, y, py, indices);
            double[] gate = backend.ReadDoubles(py);
            gate[pooled / 3] = double.NaN;
            using var gates = backend.Upload(dtype, gate);
            using var dy = backend.Upload(dtype, dyv);
            using var full = backend.Allocate(dtype, ys);
            using var dw0 = backend.Allocate(dtype, ws);
            using var db0 = backend.Allocate(dtype, g.O);
            using var dw1 = backend.Allocate(dtype, ws);
            using var db1 = backend.Allocate(dtype, g.O);
            backend.MaxPool2dBackward(p, dy, indices, full, gated ? gates : null);
            if (withBias) backend.Conv2dBackwardWeightAndBias(g, x, full, dw0, db0);
            else backend.Conv2dBackwardWeight(g, x, full, dw0);
            backend.Conv2dBackwardWeightOfMaxPool(g, p, x, dy, indices, gated ? gates : null, dw1, withBias ? db1 : null);
            string what = $"{dtype} {g} pool {k}/{stride}/{pad} gated={gated} nan pixel={nanPixel}";
            if (Conv.WindowByWindow(g, p) && !nanPixel)
            {
                windowed++;
                // Only the nonzero terms, in window order: the same values within rounding.
                double tolerance = (dtype == DType.Float32 ? 2e-6 : 1e-14) * g.N * g.OutH * g.OutW;
                AssertClose(backend, dw0, dw1, tolerance, what + " weight gradient");
                if (withBias) AssertClose(backend, db0, db1, tolerance, what + " bias gradient");
                continue;
            }
            AssertBits(backend, dw0, dw1, what + " weight gradient");
            if (withBias) AssertBits(backend, db0, db1, what + " bias gradient");
        }
        Assert.That(windowed, Is.EqualTo(2 * 5 * 3), "cases summed window by window");
    }

    private static void AssertClose(Backend backend, DeviceBuffer expected, DeviceBuffer actual, double tolerance, string what)
    {
        double[] e = backend.ReadDoubles(expected), a = backend.ReadDoubles(actual);
        Assert.That(e.Any(v => v != 0 && !double.IsNaN(v)), Is.True, what + ": all zero");
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i])) Assert.That(a[i], Is.NaN, $"{what} [{i}]");
            else Assert.That(a[i], Is.EqualTo(e[i]).Within(tolerance), $"{what} [{i}]");
        }
    }

    public static IEnumerable<string> Kernels => GemmKernels.ByName.Keys;

    /// Every kernel's vectors and panel width (widths this CPU lacks in .NET's software vectors) sum
    /// each lane of dw in the same order: the host kernel's bits, float and double.
    [TestCaseSource(nameof(Kernels))]
    public void WindowSumsGiveTheHostKernelsBits(string kernel)
    {
        WindowSumsBits<float>(GemmKernels.ByName[kernel]);
        WindowSumsBits<double>(GemmKernels.ByName[kernel]);
    }

    private static void WindowSumsBits<T>(GemmKernel kernel) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var backend = Device.Cpu.Backend;
        ulong seed = 150;
        foreach (var (g, (k, stride, pad)) in Cases)
        {
            var p = new Pool2dGeometry(g.N, g.O, g.OutH, g.OutW, k, k, stride, stride, pad, pad);
            if (!Conv.WindowByWindow(g, p)) continue;
            var (xs, ws, ys) = g.Sizes;
            int pooled = p.N * p.C * p.OutH * p.OutW;
            T[] x = HostData.Uniform<T>(xs, seed++), w = HostData.Uniform<T>(ws, seed++), dy = HostData.Uniform<T>(pooled, seed++);
            using var xb = backend.Upload(x);
            using var wb = backend.Upload(w);
            using var yb = backend.Allocate(typeof(T) == typeof(float) ? DType.Float32 : DType.Float64, ys);
            using var py = backend.Allocate(typeof(T) == typeof(float) ? DType.Float32 : DType.Float64, pooled);
            using var ib = backend.Allocate(DType.Int32, pooled);
            backend.Conv2dForward(g, xb, wb, yb, epilogue: Epilogue.Relu);
            backend.MaxPool2dForward(p, yb, py, ib);
            T[] gate = backend.Read<T>(py);
            int[] indices = backend.Read<int>(ib);
            T[] dw0 = new T[ws], db0 = new T[g.O], dw1 = new T[ws], db1 = new T[g.O];
            Conv.WindowSums(GemmKernels.Host, g, p, x, dy, indices, gate, dw0, db0);
            Conv.WindowSums(kernel, g, p, x, dy, indices, gate, dw1, db1);
            for (int i = 0; i < ws; i++)
                if (!dw0[i].Equals(dw1[i])) Assert.Fail($"{GemmKernels.Name(kernel)} {typeof(T).Name} {g}: dw[{i}] = {dw1[i]}, the host kernel gives {dw0[i]}");
            for (int o = 0; o < g.O; o++)
                if (!db0[o].Equals(db1[o])) Assert.Fail($"{GemmKernels.Name(kernel)} {typeof(T).Name} {g}: db[{o}] = {db1[o]}, the host kernel gives {db0[o]}");
        }
    }

    [Test]
    public void APoolingOfAnythingButTheConvolutionsOutputIsRefused()
    {
        var backend = Device.Cpu.Backend;
        var g = new Conv2dGeometry(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1);
        var p = new Pool2dGeometry(2, 4, 6, 8, 2, 2, 2, 2, 0, 0);
        using var x = backend.Allocate(DType.Float32, g.Sizes.X);
        using var dw = backend.Allocate(DType.Float32, g.Sizes.W);
        using var dy = backend.Allocate(DType.Float32, 2 * 4 * 4 * 4);
        using var indices = backend.Allocate(DType.Int32, 2 * 4 * 4 * 4);
        Assert.That(() => backend.Conv2dBackwardWeightOfMaxPool(g, p, x, dy, indices, null, dw, null),
            Throws.ArgumentException.With.Message.Contains("is not the convolution's output"));
    }

    [Test]
    public void AnIndexOutsideThePlaneIsRefused()
    {
        // Summed window by window and unpooled: both refuse an index that is not the forward's.
        var backend = Device.Cpu.Backend;
        foreach (int k in new[] { 2, 3 })
        foreach (int index in new[] { 64, -1 })
        {
            var g = new Conv2dGeometry(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1);
            var p = new Pool2dGeometry(2, 4, 8, 8, k, k, k == 2 ? 2 : 1, k == 2 ? 2 : 1, k == 2 ? 0 : 1, k == 2 ? 0 : 1);
            int pooled = p.N * p.C * p.OutH * p.OutW;
            using var x = backend.Upload(DType.Float32, HostData.Uniform<double>(g.Sizes.X, 3));
            using var dw = backend.Allocate(DType.Float32, g.Sizes.W);
            using var dy = backend.Upload(DType.Float32, HostData.Uniform<double>(pooled, 4));
            var bad = new int[pooled];
            bad[pooled - 1] = index;
            using var indices = backend.Upload(bad);
            Assert.That(() => backend.Conv2dBackwardWeightOfMaxPool(g, p, x, dy, indices, null, dw, null), Throws.InstanceOf<IndexOutOfRangeException>(), $"pool {k} index {index}");
        }
    }

    private static void AssertBits(Backend backend, DeviceBuffer expected, DeviceBuffer actual, string what)
    {
        double[] e = backend.ReadDoubles(expected), a = backend.ReadDoubles(actual);
        for (int i = 0; i < e.Length; i++)
            if (BitConverter.DoubleToInt64Bits(e[i]) != BitConverter.DoubleToInt64Bits(a[i]))
                Assert.Fail($"{what}: [{i}] = {a[i]}, separately {e[i]}");
    }
}
