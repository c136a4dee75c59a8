namespace TinyGrad.Nn;

/// <summary>
/// Average pooling over NCHW input, like torch.nn.AvgPool2d (count_include_pad = true): zero padding;
/// the stride defaults to the kernel size.
/// </summary>
public sealed class AvgPool2d(Size2d kernelSize, Size2d? stride = null, Size2d? padding = null) : Pool2d(kernelSize, stride, padding)
{
    private protected override Tensor Pool(Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding) =>
        input.AvgPool2d(kernel, stride, padding);
}
