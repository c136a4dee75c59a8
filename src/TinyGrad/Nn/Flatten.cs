namespace TinyGrad.Nn;

/// <summary>Flattens dimensions <see cref="StartDim"/>..<see cref="EndDim"/> into one, like torch.nn.Flatten (which keeps the batch dimension by default).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    /// <summary>First dimension to flatten.</summary>
    public int StartDim { get; } = startDim;

    /// <summary>Last dimension to flatten (negative counts from the end).</summary>
    public int EndDim { get; } = endDim;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Flatten(StartDim, EndDim);
    }

    /// <inheritdoc />
    public override string ToString() => $"Flatten(start_dim={StartDim}, end_dim={EndDim})";
}
