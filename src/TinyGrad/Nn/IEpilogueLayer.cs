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
