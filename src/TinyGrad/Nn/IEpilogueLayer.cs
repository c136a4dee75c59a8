using TinyGrad.Kernels;

namespace TinyGrad.Nn;

/// <summary>A layer whose kernel can apply an <see cref="Epilogue"/> to its output in the same call (Sequential fuses a following ReLU through it).</summary>
internal interface IEpilogueLayer
{
    /// <summary>
    /// The layer's forward, then <paramref name="epilogue"/> on every output; with
    /// <paramref name="maskedByConsumer"/>, the ReLU's gradient rule is left to the output's one
    /// consumer (a <see cref="MaxPool2d"/> through <see cref="MaxPool2d.ForwardOfRelu"/>).
    /// </summary>
    Tensor Forward(Tensor input, Epilogue epilogue, bool maskedByConsumer);
}

/// <summary>
/// A layer that can take a ReLU's gradient rule into its input gradient (Sequential hands it the
/// output of a fused layer + ReLU whose rule was left to its consumer).
/// </summary>
internal interface IReluInputLayer
{
    /// <summary>
    /// The layer's forward of <paramref name="input"/>, a ReLU's output whose gradient rule this layer
    /// applies to the input gradient; then <paramref name="epilogue"/>, as <see cref="IEpilogueLayer.Forward"/>.
    /// </summary>
    Tensor ForwardOfRelu(Tensor input, Epilogue epilogue, bool maskedByConsumer);
}
