namespace TinyGrad.Nn;

/// <summary>Max pooling over NCHW input, like torch.nn.MaxPool2d; the stride defaults to the kernel size.</summary>
public sealed class MaxPool2d(Size2d kernelSize, Size2d? stride = null, Size2d? padding = null) : Module
{
    /// <summary>Window (height, width).</summary>
    public Size2d KernelSize { get; } = kernelSize;

    /// <summary>Step between windows (height, width).</summary>
    public Size2d Stride { get; } = stride ?? kernelSize;

    /// <summary>Implicit -inf padding on each side (height, width).</summary>
    public Size2d Padding { get; } = padding ?? 0;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.MaxPool2d(KernelSize.ToTuple(), Stride.ToTuple(), Padding.ToTuple());
    }

    /// <inheritdoc />
    public override string ToString() => $"MaxPool2d(kernel_size={KernelSize}, stride={Stride}, padding={Padding})";
}
