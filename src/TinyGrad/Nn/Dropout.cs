namespace TinyGrad.Nn;

/// <summary>
/// Zeroes each element with probability <see cref="P"/> and scales the rest by 1 / (1 - p) while
/// the module is training; the identity after <see cref="Module.Eval"/> (torch.nn.Dropout). The mask
/// is drawn from <paramref name="generator"/> (default <see cref="Generator.Default"/>), so a seeded
/// run drops the same elements every time; the gradient flows through the kept elements, scaled alike.
/// </summary>
public sealed class Dropout(double p = 0.5, Generator? generator = null) : Module
{
    /// <summary>Probability of zeroing an element, in [0, 1].</summary>
    public double P { get; } = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!Training || P == 0) return input;
        if (P == 1) return input * 0.0;
        // An element is kept where its uniform draw in [0, 1) is below 1 - p.
        var keep = Tensor.Rand(input.ShapeArray, generator ?? Generator.Default, input.DType, input.Device).Lt(1 - P);
        return input * keep * (1 / (1 - P));
    }

    /// <inheritdoc />
    public override string ToString() => $"Dropout(p={P})";
}
