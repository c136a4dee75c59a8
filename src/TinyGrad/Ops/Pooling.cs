using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    private Pool2dGeometry PoolGeometry(string op, (int H, int W) kernel, (int H, int W)? stride, (int H, int W)? padding)
    {
        RequireFloat(op);
        if (Rank != 4) throw new ArgumentException($"{op}: input must be NCHW (4-D), got shape {Shapes.Format(shape)}");
        return PoolGeometry(op, shape, kernel, stride, padding);
    }

    /// <summary>The pooling geometry of an NCHW input of <paramref name="shape"/>, every argument checked.</summary>
    private static Pool2dGeometry PoolGeometry(string op, int[] shape, (int H, int W) kernel, (int H, int W)? stride, (int H, int W)? padding)
    {
        var (sh, sw) = stride ?? kernel;
        var (ph, pw) = padding ?? (0, 0);
        if (kernel.H <= 0 || kernel.W <= 0 || sh <= 0 || sw <= 0 || ph < 0 || pw < 0 || 2 * ph > kernel.H || 2 * pw > kernel.W)
            throw new ArgumentException($"{op}: kernel {kernel} and stride ({sh}, {sw}) must be positive, padding ({ph}, {pw}) at most half the kernel");
        var g = new Pool2dGeometry(shape[0], shape[1], shape[2], shape[3], kernel.H, kernel.W, sh, sw, ph, pw);
        // A window larger than the padded input has no output (C#'s division truncates (H - K) / S + 1 up to 1).
        if (g.OutH <= 0 || g.OutW <= 0 || g.H + 2 * ph < kernel.H || g.W + 2 * pw < kernel.W)
            throw new ArgumentException($"{op}: kernel {kernel} with padding ({ph}, {pw}) does not fit input {Shapes.Format(shape)}");
        return g;
    }

    /// <summary>
    /// Max pooling over NCHW input (stride defaults to the kernel). The gradient flows to the
    /// first maximum of each window, through an adjoint that is itself differentiable.
    /// </summary>
    public Tensor MaxPool2d((int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null) =>
        MaxPool2dWithIndices(kernel, stride, padding).Values;

    /// <summary>Max pooling that also returns, per output, the Int32 flat index h * W + w of the maximum in its plane.</summary>
    public (Tensor Values, Tensor Indices) MaxPool2dWithIndices((int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null) =>
        MaxPool2dWithIndices(kernel, stride, padding, ofRelu: false);

    /// <summary>
    /// Max pooling of a ReLU's output whose ReLU passes its gradient on unmasked (a layer fused with
    /// its ReLU, see Sequential): ReLU's rule is applied here, to the pooled values. Each window's
    /// maximum is the ReLU output at the window's index, so masking dy by it before the scatter
    /// gives the very bits of masking the scattered gradient by the ReLU output; the pooling's
    /// backward applies that mask as it scatters, so neither a full-size nor a pooled-size mask
    /// pass is left.
    /// </summary>
    internal Tensor MaxPool2dOfRelu((int H, int W) kernel, (int H, int W) stride, (int H, int W) padding) =>
        MaxPool2dWithIndices(kernel, stride, padding, ofRelu: true).Values;

    private (Tensor Values, Tensor Indices) MaxPool2dWithIndices((int H, int W) kernel, (int H, int W)? stride, (int H, int W)? padding, bool ofRelu)
    {
        var g = PoolGeometry("max_pool2d", kernel, stride, padding);
        var x = Dense();
        var y = Empty([g.N, g.C, g.OutH, g.OutW], DType, Device);
        var indices = Empty([g.N, g.C, g.OutH, g.OutW], DType.Int32, Device);
        Backend.MaxPool2dForward(g, x.Buffer, y.Buffer, indices.Buffer);
        if (ofRelu) y.Record("max_pool2d_of_relu", [x], dy => [MaxPoolBackward(g, indices, dy, gate: y)]);
        else y.Record("max_pool2d", [x], dy => [MaxPoolBackward(g, indices, dy)]);
        return (y, indices);
    }

    /// <summary>
    /// The adjoint of max pooling: dy added at each window's maximum, into zeros (one backend pass);
    /// linear in dy, so its own backward is <see cref="MaxPoolGather"/> at the same indices. With
    /// <paramref name="gate"/> (the pooled output of a ReLU's output), ReLU's gradient rule is
    /// applied to dy in the same pass: the bits of <c>MaxPoolBackward(Relu.Backward(gate, gate, dy))</c>
    /// without the select's pass, and the backward likewise the gather then the rule.
    /// </summary>
    private static Tensor MaxPoolBackward(Pool2dGeometry g, Tensor indices, Tensor dy, Tensor? gate = null)
    {
        dy = dy.Dense();
        var gates = gate?.Detach().Dense();
        var dx = Empty([g.N, g.C, g.H, g.W], dy.DType, dy.Device);
        dy.Backend.MaxPool2dBackward(g, dy.Buffer, indices.Buffer, dx.Buffer, gates?.Buffer);
        return dx.Record("max_pool2d_backward", [dy], gx =>
            [gates is null ? MaxPoolGather(g, indices, gx) : UnaryOps.Relu.Backward(gates, gates, MaxPoolGather(g, indices, gx))]);
    }

    /// <summary>
    /// Each window's value of <paramref name="x"/> at the window's maximum: max pooling at fixed
    /// indices, a gather along each plane. The indices are the forward's own, in range by construction,
    /// so a backend that can skips their check. Linear in x; its backward is <see cref="MaxPoolBackward"/>.
    /// </summary>
    private static Tensor MaxPoolGather(Pool2dGeometry g, Tensor indices, Tensor x)
    {
        x = x.Dense();
        var y = Empty([g.N, g.C, g.OutH, g.OutW], x.DType, x.Device);
        var planes = StridedView.Contiguous(x.Buffer, [g.N * g.C, g.H * g.W]);
        var index = StridedView.Contiguous(indices.Buffer, [g.N * g.C, g.OutH * g.OutW]);
        if (x.Backend is ITrustedIndices trusted) trusted.GatherTrusted(planes, 1, index, y.Buffer);
        else x.Backend.Gather(planes, 1, index, y.Buffer);
        return y.Record("max_pool2d_gather", [x], gy => [MaxPoolBackward(g, indices, gy)]);
    }

    /// <summary>Average pooling over NCHW input (stride defaults to the kernel; padded zeros count in the mean).</summary>
    public Tensor AvgPool2d((int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null)
    {
        var g = PoolGeometry("avg_pool2d", kernel, stride, padding);
        return AvgPoolForward(g, this);
    }

    private static Tensor AvgPoolForward(Pool2dGeometry g, Tensor x)
    {
        x = x.Dense();
        var y = Empty([g.N, g.C, g.OutH, g.OutW], x.DType, x.Device);
        x.Backend.AvgPool2dForward(g, x.Buffer, y.Buffer);
        return y.Record("avg_pool2d", [x], dy => [AvgPoolBackward(g, dy)]);
    }

    /// <summary>The adjoint of average pooling; linear, so its backward is the forward pooling.</summary>
    private static Tensor AvgPoolBackward(Pool2dGeometry g, Tensor dy)
    {
        dy = dy.Dense();
        var dx = Empty([g.N, g.C, g.H, g.W], dy.DType, dy.Device);
        dy.Backend.AvgPool2dBackward(g, dy.Buffer, dx.Buffer);
        return dx.Record("avg_pool2d_backward", [dy], gx => [AvgPoolForward(g, gx)]);
    }
}
