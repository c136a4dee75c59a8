namespace TinyGrad.Nn;

/// <summary>
/// What the 2-D pooling modules share, like PyTorch's _MaxPoolNd and _AvgPoolNd: a window over NCHW input,
/// the step between windows (defaulting to the window) and the padding on each side.
/// </summary>
public abstract class Pool2d : Module
{
    private protected Pool2d(Size2d kernelSize, Size2d? stride, Size2d? padding)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? 0;
    }

    /// <summary>Window (height, width).</summary>
    public Size2d KernelSize { get; }

    /// <summary>Step between windows (height, width).</summary>
    public Size2d Stride { get; }

    /// <summary>Implicit padding on each side (height, width): zeros for average pooling, -inf for max pooling.</summary>
    public Size2d Padding { get; }

    /// <inheritdoc />
    public sealed override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Pool(input, KernelSize.ToTuple(), Stride.ToTuple(), Padding.ToTuple());
    }

    /// <summary>The pooling op itself (<see cref="Tensor.AvgPool2d"/> or <see cref="Tensor.MaxPool2d"/>).</summary>
    private protected abstract Tensor Pool(Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding);

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}(kernel_size={KernelSize}, stride={Stride}, padding={Padding})";
}
