using TinyGrad.Kernels;

namespace TinyGrad.Nn;

/// <summary>
/// Fully connected layer <c>y = x W^T + b</c> over the last dimension, like torch.nn.Linear.
/// Weight [out, in] and bias [out] start as U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's default:
/// kaiming_uniform with a = sqrt(5)), drawn weight first, then bias.
/// </summary>
public sealed class Linear : Module, IEpilogueLayer, IReluInputLayer
{
    /// <summary>Creates the layer, drawing its initial values from <paramref name="generator"/> (default <see cref="Generator.Default"/>).</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Tensor.Zeros([outFeatures, inFeatures], dtype));
        Init.KaimingUniform(Weight, a: Math.Sqrt(5), generator: generator);
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Zeros([outFeatures], dtype));
            double bound = inFeatures > 0 ? 1 / Math.Sqrt(inFeatures) : 0;
            Init.Uniform(Bias, -bound, bound, generator);
        }
    }

    /// <summary>Size of each input sample.</summary>
    public int InFeatures { get; }

    /// <summary>Size of each output sample.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, shape [out, in].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, shape [out], or null when built without one.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, Epilogue.None, false);

    /// <inheritdoc />
    Tensor IEpilogueLayer.Forward(Tensor input, Epilogue epilogue, bool maskedByConsumer) => Forward(input, epilogue, maskedByConsumer);

    /// <inheritdoc />
    Tensor IReluInputLayer.ForwardOfRelu(Tensor input, Epilogue epilogue, bool maskedByConsumer) => Forward(input, epilogue, maskedByConsumer, ofRelu: true);

    private Tensor Forward(Tensor input, Epilogue epilogue, bool maskedByConsumer, bool ofRelu = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 0 || input.Size(-1) != InFeatures)
            throw new ArgumentException($"Linear: expected input with last dimension {InFeatures} (in_features), got shape {Shapes.Format(input.Shape)}", nameof(input));
        return Functional.Linear(input, Weight, Bias, epilogue, maskedByConsumer, ofRelu);
    }

    /// <inheritdoc />
    public override string ToString() => $"Linear(in_features={InFeatures}, out_features={OutFeatures}, bias={Bias is not null})";
}
