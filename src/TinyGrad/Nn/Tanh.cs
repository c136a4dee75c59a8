namespace TinyGrad.Nn;

/// <summary>Elementwise <c>tanh(x)</c> as a module, like torch.nn.Tanh.</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Tanh();
    }

    /// <inheritdoc />
    public override string ToString() => "Tanh()";
}
