namespace TinyGrad.Kernels;

/// <summary>Reductions over axes.</summary>
public enum ReduceOp
{
    /// <summary>sum of the elements</summary>
    Sum,
    /// <summary>largest element (NaN if any is NaN)</summary>
    Max,
}

/// <summary>Distributions the counter-based generator can fill a buffer with.</summary>
public enum RandomDistribution
{
    /// <summary>uniform on [0, 1)</summary>
    Uniform,
    /// <summary>standard normal (Box-Muller)</summary>
    Normal,
}
