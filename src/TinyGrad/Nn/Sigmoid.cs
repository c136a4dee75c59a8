namespace TinyGrad.Nn;

/// <summary>Elementwise <c>1 / (1 + exp(-x))</c> as a module, like torch.nn.Sigmoid.</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Sigmoid();
    }

    /// <inheritdoc />
    public override string ToString() => "Sigmoid()";
}
