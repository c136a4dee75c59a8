namespace TinyGrad.Nn;

/// <summary>Max pooling over NCHW input, like torch.nn.MaxPool2d: -inf padding; the stride defaults to the kernel size.</summary>
public sealed class MaxPool2d(Size2d kernelSize, Size2d? stride = null, Size2d? padding = null) : Pool2d(kernelSize, stride, padding)
{
    private protected override Tensor Pool(Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding) =>
        input.MaxPool2d(kernel, stride, padding);

    /// <summary>The pooling of a fused layer's ReLU output whose gradient mask is left to this pool (<see cref="Tensor.MaxPool2dOfRelu"/>).</summary>
    internal Tensor ForwardOfRelu(Tensor input) => input.MaxPool2dOfRelu(KernelSize.ToTuple(), Stride.ToTuple(), Padding.ToTuple());
}
