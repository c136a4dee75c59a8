using TinyGrad.Kernels;

namespace TinyGrad.Nn;

/// <summary>
/// 2-D convolution over NCHW input, like torch.nn.Conv2d with groups = 1. Weight [out, in, kh, kw]
/// and bias [out] start as U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in * kh * kw
/// (PyTorch's default), drawn weight first, then bias. Sizes take an int or an (h, w) tuple.
/// </summary>
public sealed class Conv2d : Module, IEpilogueLayer
{
    /// <summary>Creates the layer; stride and dilation default to 1, padding to 0.</summary>
    public Conv2d(int inChannels, int outChannels, Size2d kernelSize, Size2d? stride = null, Size2d? padding = null, Size2d? dilation = null,
        bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        if (kernelSize.H <= 0 || kernelSize.W <= 0)
            throw new ArgumentException($"Conv2d: kernel size {kernelSize} must be positive", nameof(kernelSize));
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
        Weight = RegisterParameter("weight", Tensor.Zeros([outChannels, inChannels, kernelSize.H, kernelSize.W], dtype));
        Init.KaimingUniform(Weight, a: Math.Sqrt(5), generator: generator);
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Zeros([outChannels], dtype));
            double bound = 1 / Math.Sqrt(Init.CalculateFanInAndFanOut(Weight.Shape).FanIn);
            Init.Uniform(Bias, -bound, bound, generator);
        }
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel (height, width).</summary>
    public Size2d KernelSize { get; }

    /// <summary>Stride (height, width).</summary>
    public Size2d Stride { get; }

    /// <summary>Zero padding on each side (height, width).</summary>
    public Size2d Padding { get; }

    /// <summary>Spacing between kernel taps (height, width).</summary>
    public Size2d Dilation { get; }

    /// <summary>The weight, shape [out, in, kh, kw].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, shape [out], or null when built without one.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, Epilogue.None, false);

    /// <inheritdoc />
    Tensor IEpilogueLayer.Forward(Tensor input, Epilogue epilogue, bool maskedByConsumer) => Forward(input, epilogue, maskedByConsumer);

    private Tensor Forward(Tensor input, Epilogue epilogue, bool maskedByConsumer)
    {
        CheckInput(input);
        return input.Conv2d(Weight, Bias, Stride.ToTuple(), Padding.ToTuple(), Dilation.ToTuple(), epilogue, maskedByConsumer);
    }

    /// <summary>This convolution, a ReLU and <paramref name="pool"/> in one backend call (see <see cref="Tensor.Conv2dReluMaxPool"/>).</summary>
    internal Tensor ForwardReluMaxPool(Tensor input, MaxPool2d pool)
    {
        CheckInput(input);
        return input.Conv2dReluMaxPool(Weight, Bias, Stride.ToTuple(), Padding.ToTuple(), Dilation.ToTuple(), pool.KernelSize.ToTuple(), pool.Stride.ToTuple(), pool.Padding.ToTuple());
    }

    private void CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 4 || input.Size(1) != InChannels)
            throw new ArgumentException($"Conv2d: expected NCHW input with {InChannels} channels (weight shape {Shapes.Format(Weight.Shape)}), got shape {Shapes.Format(input.Shape)}", nameof(input));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Conv2d({InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, bias={Bias is not null})";
}
