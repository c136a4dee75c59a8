using System.Numerics;

namespace TinyGrad.Kernels;

/// <summary>The convolution and pooling primitives: checked entry points and the kernels a backend supplies.</summary>
public abstract partial class Backend
{
    /// <summary>
    /// Convolution forward: y = conv(x, w), plus <paramref name="bias"/>[o] on every output of
    /// channel o when given (added to the rounded convolution, exactly as a separate add would); then
    /// <paramref name="epilogue"/> on every output.
    /// </summary>
    public void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null, Epilogue epilogue = Epilogue.None)
    {
        Check.ConvArgs(geometry, x, w, y, "conv2d forward");
        Check.ConvBias(geometry, x, bias, "conv2d forward");
        Check.ConvEpilogue(epilogue, "conv2d forward");
        using var _ = Observe(nameof(Conv2dForward), Observer is null ? "" : $"C{geometry.C}{EpilogueMath.Label(epilogue)}");
        if (x.DType == DType.Float32) RunConv2dForward<float>(geometry, x, w, y, bias, epilogue); else RunConv2dForward<double>(geometry, x, w, y, bias, epilogue);
    }

    /// <summary>Gradient of the convolution with respect to its input (a transposed convolution of dy by w).</summary>
    public void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        Check.ConvArgs(geometry, dx, w, dy, "conv2d backward-input");
        using var _ = Observe(nameof(Conv2dBackwardInput), Observer is null ? "" : $"C{geometry.C}");
        if (dx.DType == DType.Float32) RunConv2dBackwardInput<float>(geometry, dy, w, dx); else RunConv2dBackwardInput<double>(geometry, dy, w, dx);
    }

    /// <summary>Gradient of the convolution with respect to its weights (a correlation of x with dy).</summary>
    public void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        Check.ConvArgs(geometry, x, dw, dy, "conv2d backward-weight");
        using var _ = Observe(nameof(Conv2dBackwardWeight), Observer is null ? "" : $"C{geometry.C}");
        if (x.DType == DType.Float32) RunConv2dBackwardWeight<float>(geometry, x, dy, dw); else RunConv2dBackwardWeight<double>(geometry, x, dy, dw);
    }

    /// <summary>
    /// Max pooling: values into <paramref name="y"/> and, into <paramref name="indices"/> (Int32), the
    /// flat position <c>h * W + w</c> of each maximum within its input plane (first maximum wins).
    /// Its gradient is <see cref="MaxPool2dBackward"/>.
    /// </summary>
    public void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        Check.MaxPoolArgs(geometry, x, y, indices);
        using var _ = Observe(nameof(MaxPool2dForward));
        if (x.DType == DType.Float32) RunMaxPool2dForward<float>(geometry, x, y, indices); else RunMaxPool2dForward<double>(geometry, x, y, indices);
    }

    /// <summary>
    /// Max pooling backward: <paramref name="dx"/> is zero except that each dy element is added at
    /// its window's maximum (<paramref name="indices"/> from <see cref="MaxPool2dForward"/>), windows
    /// in output order; the same sums as a scatter-add of dy into zeros, in one pass over dx. With
    /// <paramref name="gate"/> (shaped as dy: the pooled output of a ReLU's output), each dy element
    /// counts where the gate is nonzero (NaN included) and as +0 where it is zero: ReLU's gradient
    /// rule on the pooled values, as a select before the pooling's backward would apply it.
    /// </summary>
    public void MaxPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx, DeviceBuffer? gate = null)
    {
        Check.MaxPoolArgs(geometry, dx, dy, indices, "max_pool2d backward");
        if (gate is not null) Check.Buffer(gate, dy.DType, geometry.N * geometry.C * geometry.OutH * geometry.OutW, "max_pool2d backward gate");
        using var _ = Observe(nameof(MaxPool2dBackward), gate is null || Observer is null ? "" : "gated");
        bool single = dx.DType == DType.Float32;
        if (gate is not null)
        {
            if (single) RunMaxPool2dBackwardGated<float>(geometry, dy, indices, dx, gate); else RunMaxPool2dBackwardGated<double>(geometry, dy, indices, dx, gate);
        }
        else if (single) RunMaxPool2dBackward<float>(geometry, dy, indices, dx);
        else RunMaxPool2dBackward<double>(geometry, dy, indices, dx);
    }

    /// <summary>Average pooling forward.</summary>
    public void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        Check.PoolArgs(geometry, x, y, "avg_pool2d");
        using var _ = Observe(nameof(AvgPool2dForward));
        if (x.DType == DType.Float32) RunAvgPool2dForward<float>(geometry, x, y); else RunAvgPool2dForward<double>(geometry, x, y);
    }

    /// <summary>Average pooling backward (the adjoint of the forward map).</summary>
    public void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        Check.PoolArgs(geometry, dx, dy, "avg_pool2d backward");
        using var _ = Observe(nameof(AvgPool2dBackward));
        if (dx.DType == DType.Float32) RunAvgPool2dBackward<float>(geometry, dy, dx); else RunAvgPool2dBackward<double>(geometry, dy, dx);
    }

    /// <summary>A checked convolution forward.</summary>
    protected abstract void RunConv2dForward<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, Epilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked convolution input gradient.</summary>
    protected abstract void RunConv2dBackwardInput<T>(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked convolution weight gradient.</summary>
    protected abstract void RunConv2dBackwardWeight<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked max pooling.</summary>
    protected abstract void RunMaxPool2dForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked average pooling.</summary>
    protected abstract void RunAvgPool2dForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked max pooling gradient (the indices are the forward's own).</summary>
    protected abstract void RunMaxPool2dBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked average pooling gradient.</summary>
    protected abstract void RunAvgPool2dBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>;
}
