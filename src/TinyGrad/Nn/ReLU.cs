namespace TinyGrad.Nn;

/// <summary>Elementwise <c>max(x, 0)</c> as a module, like torch.nn.ReLU.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Relu();
    }

    /// <inheritdoc />
    public override string ToString() => "ReLU()";
}
