using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Tensors;

/// <summary>Conv2d on valid geometries that once threw (issue 13): kernels wider than the input, padding past the kernel.</summary>
public sealed class ConvGeometryTests
{
    /// <summary>Direct evaluation of the convolution sum in double.</summary>
    private static double[] Naive(double[] x, int[] xs, double[] w, int[] ws, (int H, int W) s, (int H, int W) p, (int H, int W) d)
    {
        var g = new Conv2dGeometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], s.H, s.W, p.H, p.W, d.H, d.W);
        var y = new double[g.Sizes.Y];
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.O; o++)
        for (int i = 0; i < g.OutH; i++)
        for (int j = 0; j < g.OutW; j++)
        {
            double sum = 0;
            for (int c = 0; c < g.C; c++)
            for (int a = 0; a < g.KH; a++)
            for (int b = 0; b < g.KW; b++)
            {
                int h = i * s.H + a * d.H - p.H, v = j * s.W + b * d.W - p.W;
                if (h >= 0 && h < g.H && v >= 0 && v < g.W) sum += x[((n * g.C + c) * g.H + h) * g.W + v] * w[((o * g.C + c) * g.KH + a) * g.KW + b];
            }
            y[((n * g.O + o) * g.OutH + i) * g.OutW + j] = sum;
        }
        return y;
    }

    [Test]
    public void KernelWiderThanOnePixelInput()
    {
        // PyTorch: conv2d(x [1,1,1,1], w [1,1,1,5], padding (0,2)) is 1x1, x * w[..., 2].
        var x = Tensor.FromArray(new double[] { 3 }, [1, 1, 1, 1]);
        var w = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5 }, [1, 1, 1, 5]);
        x.RequiresGrad = true;
        w.RequiresGrad = true;
        var y = x.Conv2d(w, padding: (0, 2));
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new[] { 1, 1, 1, 1 }));
        Assert.That(y.ToArray<double>(), Is.EqualTo(new[] { 9.0 }));
        var grads = TinyGrad.Autograd.Grad([y.Sum()], [x, w]);
        Assert.That(grads[0].ToArray<double>(), Is.EqualTo(new[] { 3.0 }));
        Assert.That(grads[1].ToArray<double>(), Is.EqualTo(new[] { 0.0, 0, 3, 0, 0 }));
    }

    [Test]
    public void StridedDilatedPaddingPastKernelMatchesDirectSum([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        // x [3,4,3,1], w [3,4,2,4], stride (3,1), padding (2,3), dilation (3,2): PyTorch gives [3,3,2,1].
        int[] xs = [3, 4, 3, 1], ws = [3, 4, 2, 4];
        var gen = new Generator(7);
        var x = Tensor.Randn(xs, gen, DType.Float64);
        var w = Tensor.Randn(ws, gen, DType.Float64);
        var y = x.To(dtype).Conv2d(w.To(dtype), stride: (3, 1), padding: (2, 3), dilation: (3, 2));
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new[] { 3, 3, 2, 1 }));
        var expected = Naive(x.ToArray<double>(), xs, w.ToArray<double>(), ws, (3, 1), (2, 3), (3, 2));
        var actual = y.To(DType.Float64).ToArray<double>();
        for (int i = 0; i < expected.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(dtype == DType.Float32 ? 1e-5 : 1e-12), $"element {i}");
    }

    [Test]
    public void GeometryThatDoesNotFitNamesTheOpAndShapes()
    {
        var x = Tensor.Zeros([1, 1, 2, 2], DType.Float64);
        var w = Tensor.Zeros([1, 1, 3, 3], DType.Float64);
        var e = Assert.Throws<ArgumentException>(() => x.Conv2d(w))!;
        Assert.That(e.Message, Does.Contain("conv2d").And.Contain("[1, 1, 3, 3]").And.Contain("[1, 1, 2, 2]"));
    }

    [Test]
    public void PoolingWindowLargerThanItsInputIsRefused()
    {
        // (1 - 2) / 2 + 1 truncates to one output row: the window would read outside the plane.
        var x = Tensor.Zeros([1, 1, 1, 3]);
        var e = Assert.Throws<ArgumentException>(() => x.MaxPool2d((2, 2)))!;
        Assert.That(e.Message, Does.Contain("max_pool2d").And.Contain("does not fit input [1, 1, 1, 3]"));
        Assert.Throws<ArgumentException>(() => x.AvgPool2d((2, 2)));
        Assert.That(x.MaxPool2d((1, 2)).Shape.ToArray(), Is.EqualTo(new[] { 1, 1, 1, 1 }));
    }
}
