namespace TinyGrad.Nn;

/// <summary>
/// A (height, width) pair for kernel sizes, strides and paddings; converts implicitly from one
/// int (used for both) or from an (int, int) tuple, like PyTorch's _size_2_t.
/// </summary>
/// <param name="H">Extent along the height.</param>
/// <param name="W">Extent along the width.</param>
public readonly record struct Size2d(int H, int W)
{
    /// <summary>The same value for both dimensions.</summary>
    public static implicit operator Size2d(int value) => new(value, value);

    /// <summary>A (height, width) tuple.</summary>
    public static implicit operator Size2d((int H, int W) value) => new(value.H, value.W);

    /// <summary>The pair as the tuple the tensor ops take.</summary>
    public (int H, int W) ToTuple() => (H, W);

    /// <inheritdoc />
    public override string ToString() => $"({H}, {W})";
}
