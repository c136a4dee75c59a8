using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-D cross-correlation (PyTorch's conv2d, groups = 1) of NCHW input with OIHW
    /// <paramref name="weight"/>, plus an optional bias of extent O.
    /// </summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias = null, (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? dilation = null) =>
        Conv2d(weight, bias, stride, padding, dilation, Epilogue.None);

    /// <summary><see cref="Conv2d(Tensor, Tensor?, ValueTuple{int, int}?, ValueTuple{int, int}?, ValueTuple{int, int}?)"/>, then <paramref name="epilogue"/> on every output (ReLU: the values and gradients of <see cref="Relu"/> after it).</summary>
    /// <remarks>With <paramref name="maskedByConsumer"/> the ReLU's gradient rule is left to the output's one consumer (see <see cref="MaxPool2dOfRelu"/>).</remarks>
    internal Tensor Conv2d(Tensor weight, Tensor? bias, (int H, int W)? stride, (int H, int W)? padding, (int H, int W)? dilation, Epilogue epilogue, bool maskedByConsumer = false) =>
        ConvForward(ConvGeometry(weight, bias, stride, padding, dilation), this, weight, bias, epilogue, maskedByConsumer);

    /// <summary>
    /// conv2d with the ReLU epilogue, then max pooling of its output that takes the ReLU's gradient
    /// rule (<see cref="MaxPool2dOfRelu"/>), in one backend call (<see cref="Backend.Conv2dForwardMaxPool"/>)
    /// that never keeps the convolution's output: values, gradients and their derivatives are those
    /// of the two ops run one after the other (the backward is theirs, composed), bit for bit but for
    /// a first layer's weight and bias gradients in a plain backward (see <see cref="PooledConvGradients"/>).
    /// </summary>
    internal Tensor Conv2dReluMaxPool(Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation,
        (int H, int W) poolKernel, (int H, int W) poolStride, (int H, int W) poolPadding)
    {
        var g = ConvGeometry(weight, bias, stride, padding, dilation);
        var p = PoolGeometry("max_pool2d", [g.N, g.O, g.OutH, g.OutW], poolKernel, poolStride, poolPadding);
        var x = Dense();
        var w = weight.Dense();
        var b = bias?.Dense();
        var y = Empty([p.N, p.C, p.OutH, p.OutW], x.DType, x.Device);
        var indices = Empty([p.N, p.C, p.OutH, p.OutW], DType.Int32, x.Device);
        RunKernel("conv2d+max_pool2d", g, () => x.Backend.Conv2dForwardMaxPool(g, p, x.Buffer, w.Buffer, b?.Buffer, Epilogue.Relu, y.Buffer, indices.Buffer));
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        return y.Record("conv2d_relu_max_pool2d", inputs, dy => PooledConvGradients(g, p, inputs, indices, y, dy));
    }

    /// <summary>
    /// The gradients of a convolution, ReLU and max pooling run as one op: the pooling's backward
    /// (gated by the pooled output), then the convolution's. When they are not being recorded (no
    /// double backward) and the input wants no gradient (a first layer), one backend call makes the
    /// weight and bias gradients straight from the pooled gradient
    /// (<see cref="Backend.Conv2dBackwardWeightOfMaxPool"/>: the same values, summed in an order of the
    /// backend's own; the CPU adds only the windows' maxima), and the full-size gradient, which nothing
    /// else would read, is never kept.
    /// </summary>
    private static Tensor?[] PooledConvGradients(Conv2dGeometry g, Pool2dGeometry p, Tensor[] inputs, Tensor indices, Tensor y, Tensor dy)
    {
        if (Autograd.IsEnabled || inputs[0].RequiresGrad || !inputs[1].RequiresGrad) return ConvGradients(g, inputs, MaxPoolBackward(p, indices, dy, gate: y));
        var x = inputs[0];
        dy = dy.Dense();
        var dw = Empty([g.O, g.C, g.KH, g.KW], dy.DType, dy.Device);
        var db = inputs.Length > 2 && inputs[2].RequiresGrad ? Empty([g.O], dy.DType, dy.Device) : null;
        RunKernel("conv2d backward-weight of max_pool2d", g, () => x.Backend.Conv2dBackwardWeightOfMaxPool(g, p, x.Buffer, dy.Buffer, indices.Buffer, y.Buffer, dw.Buffer, db?.Buffer));
        return inputs.Length > 2 ? [null, dw, db] : [null, dw];
    }

    /// <summary>The geometry of a convolution of this NCHW tensor by OIHW <paramref name="weight"/>, every argument checked.</summary>
    private Conv2dGeometry ConvGeometry(Tensor weight, Tensor? bias, (int H, int W)? stride, (int H, int W)? padding, (int H, int W)? dilation)
    {
        ArgumentNullException.ThrowIfNull(weight);
        CheckCompatible(this, weight, "conv2d");
        RequireFloat("conv2d");
        if (Rank != 4) throw new ArgumentException($"conv2d: input must be NCHW (4-D), got shape {Shapes.Format(shape)}");
        if (weight.Rank != 4) throw new ArgumentException($"conv2d: weight must be OIHW (4-D), got shape {Shapes.Format(weight.shape)}");
        if (weight.shape[1] != shape[1])
            throw new ArgumentException($"conv2d: input {Shapes.Format(shape)} has {shape[1]} channels but weight {Shapes.Format(weight.shape)} expects {weight.shape[1]}");
        var (sh, sw) = stride ?? (1, 1);
        var (ph, pw) = padding ?? (0, 0);
        var (dh, dw) = dilation ?? (1, 1);
        if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0 || ph < 0 || pw < 0)
            throw new ArgumentException($"conv2d: stride ({sh}, {sw}) and dilation ({dh}, {dw}) must be positive and padding ({ph}, {pw}) non-negative");
        var geometry = new Conv2dGeometry(shape[0], shape[1], shape[2], shape[3], weight.shape[0], weight.shape[2], weight.shape[3], sh, sw, ph, pw, dh, dw);
        if (geometry.OutH <= 0 || geometry.OutW <= 0)
            throw new ArgumentException($"conv2d: kernel {Shapes.Format(weight.shape)} (dilation {dh}, {dw}, padding {ph}, {pw}) does not fit input {Shapes.Format(shape)}");
        if (bias is not null)
        {
            CheckCompatible(this, bias, "conv2d");
            if (bias.Rank != 1 || bias.shape[0] != weight.shape[0])
                throw new ArgumentException($"conv2d: bias shape {Shapes.Format(bias.shape)} does not match {weight.shape[0]} output channels");
        }
        return geometry;
    }

    /// <summary>
    /// y = conv(x, w) (+ bias per output channel, passed to the backend's convolution, which adds it to
    /// each rounded sum exactly as a separate add would; the fast CPU kernel does so while the output is in cache).
    /// Then the epilogue, also in the same call. Backward: the epilogue's gradient, the two adjoint
    /// convolutions below, and the bias gradient as dy summed over N, H, W.
    /// </summary>
    private static Tensor ConvForward(Conv2dGeometry g, Tensor x, Tensor w, Tensor? bias = null, Epilogue epilogue = Epilogue.None, bool maskedByConsumer = false)
    {
        x = x.Dense();
        w = w.Dense();
        bias = bias?.Dense();
        var y = Empty([g.N, g.O, g.OutH, g.OutW], x.DType, x.Device);
        RunKernel("conv2d", g, () => x.Backend.Conv2dForward(g, x.Buffer, w.Buffer, y.Buffer, bias?.Buffer, epilogue));
        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        var mask = EpilogueMask(epilogue, maskedByConsumer, y);
        return y.Record(epilogue == Epilogue.Relu ? "conv2d_relu" : "conv2d", inputs, gy => ConvGradients(g, inputs, EpilogueGradient(mask, gy)));
    }

    /// <summary>
    /// The gradients of a convolution's inputs [x, w] or [x, w, bias] from its output's: the two
    /// adjoint convolutions, and dy summed over N, H, W. When both the weights and the bias want
    /// theirs, one backend call makes both (<see cref="Backend.Conv2dBackwardWeightAndBias"/>); the
    /// bias gradient is then recorded as the sum it is, with the sum's backward.
    /// </summary>
    private static Tensor?[] ConvGradients(Conv2dGeometry g, Tensor[] inputs, Tensor dy)
    {
        var grads = new Tensor?[inputs.Length];
        grads[0] = inputs[0].RequiresGrad ? ConvBackwardInput(g, dy, inputs[1]) : null;
        bool wantBias = inputs.Length > 2 && inputs[2].RequiresGrad;
        if (inputs[1].RequiresGrad && wantBias)
        {
            dy = dy.Dense();
            var db = Empty([g.O], dy.DType, dy.Device);
            grads[1] = ConvBackwardWeight(g, inputs[0], dy, db);
            grads[2] = dy.RecordSum(db, [1, g.O, 1, 1]);
            return grads;
        }
        grads[1] = inputs[1].RequiresGrad ? ConvBackwardWeight(g, inputs[0], dy) : null;
        if (wantBias) grads[2] = dy.Sum([0, 2, 3]);
        return grads;
    }

    /// <summary>dx = the adjoint of conv(., w) applied to dy.</summary>
    private static Tensor ConvBackwardInput(Conv2dGeometry g, Tensor dy, Tensor w) =>
        Adjoint("conv2d_backward_input", g, [g.N, g.C, g.H, g.W], dy, w, static (b, g, dy, w, dx) => b.Conv2dBackwardInput(g, dy, w, dx),
            (gx, w) => ConvForward(g, gx, w), (gx, dy) => ConvBackwardWeight(g, gx, dy));

    /// <summary>dw = the adjoint of conv(x, .) applied to dy; with <paramref name="db"/>, dy summed over N, H, W into it in the same call.</summary>
    private static Tensor ConvBackwardWeight(Conv2dGeometry g, Tensor x, Tensor dy, Tensor? db = null) =>
        Adjoint("conv2d_backward_weight", g, [g.O, g.C, g.KH, g.KW], x, dy,
            db is null ? static (b, g, x, dy, dw) => b.Conv2dBackwardWeight(g, x, dy, dw) : (b, g, x, dy, dw) => b.Conv2dBackwardWeightAndBias(g, x, dy, dw, db.Buffer),
            (gw, dy) => ConvBackwardInput(g, dy, gw), (gw, x) => ConvForward(g, x, gw));

    /// <summary>
    /// One of the adjoint convolutions, y = K(p, q) of the given shape. K is bilinear in (p, q), so its
    /// gradient with respect to p is a convolution of (gy, q), <paramref name="gradP"/>, and with respect
    /// to q one of (gy, p), <paramref name="gradQ"/>: convolutions again, which gives double backward.
    /// </summary>
    private static Tensor Adjoint(string op, Conv2dGeometry g, int[] shape, Tensor p, Tensor q,
        Action<Backend, Conv2dGeometry, DeviceBuffer, DeviceBuffer, DeviceBuffer> kernel,
        Func<Tensor, Tensor, Tensor> gradP, Func<Tensor, Tensor, Tensor> gradQ)
    {
        p = p.Dense();
        q = q.Dense();
        var y = Empty(shape, p.DType, p.Device);
        RunKernel(op, g, () => kernel(p.Backend, g, p.Buffer, q.Buffer, y.Buffer));
        return y.Record(op, [p, q], gy => [p.RequiresGrad ? gradP(gy, q) : null, q.RequiresGrad ? gradQ(gy, p) : null]);
    }

    /// <summary>Runs a convolution kernel; an index error inside it (a kernel bug) is rethrown naming the op and the shapes.</summary>
    private static void RunKernel(string op, Conv2dGeometry g, Action kernel)
    {
        try
        {
            kernel();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new InvalidOperationException(
                $"{op}: the kernel failed on input [{g.N}, {g.C}, {g.H}, {g.W}], weight [{g.O}, {g.C}, {g.KH}, {g.KW}], " +
                $"stride ({g.StrideH}, {g.StrideW}), padding ({g.PadH}, {g.PadW}), dilation ({g.DilationH}, {g.DilationW}): {e.Message}", e);
        }
    }
}
