namespace TinyGrad.Nn;

/// <summary>
/// Average pooling over NCHW input, like torch.nn.AvgPool2d (count_include_pad = true); the stride
/// defaults to the kernel size.
/// </summary>
public sealed class AvgPool2d(Size2d kernelSize, Size2d? stride = null, Size2d? padding = null) : Module
{
    /// <summary>Window (height, width).</summary>
    public Size2d KernelSize { get; } = kernelSize;

    /// <summary>Step between windows (height, width).</summary>
    public Size2d Stride { get; } = stride ?? kernelSize;

    /// <summary>Implicit zero padding on each side (height, width).</summary>
    public Size2d Padding { get; } = padding ?? 0;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.AvgPool2d(KernelSize.ToTuple(), Stride.ToTuple(), Padding.ToTuple());
    }

    /// <inheritdoc />
    public override string ToString() => $"AvgPool2d(kernel_size={KernelSize}, stride={Stride}, padding={Padding})";
}
