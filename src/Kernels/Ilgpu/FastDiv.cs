using System.Numerics;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// Division of a non-negative int by a fixed divisor d (1 &lt;= d &lt; 2^31) as a multiply-high, an
/// add and a shift (Granlund and Montgomery): q = (hi32(n * Multiplier) + n) &gt;&gt; Shift with
/// Shift = ceil(log2 d) and Multiplier = floor(2^32 (2^Shift - d) / d) + 1, exact for n &lt; 2^31.
/// GPUs have no integer divider; a division there is a reciprocal estimate and corrections.
/// </summary>
internal readonly struct FastDiv
{
    public readonly int Divisor, Shift;
    public readonly uint Multiplier;

    public FastDiv(int divisor)
    {
        if (divisor < 1) throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "a divisor must be positive");
        Divisor = divisor;
        Shift = divisor == 1 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)divisor - 1);
        Multiplier = (uint)(((1UL << 32) * ((1UL << Shift) - (ulong)divisor) / (ulong)divisor) + 1);
    }

    /// <summary>n / Divisor for 0 &lt;= n &lt; 2^31.</summary>
    public int Div(int n) => (int)(((uint)(((ulong)(uint)n * Multiplier) >> 32) + (uint)n) >> Shift);

    /// <summary>(n / Divisor, n % Divisor) for 0 &lt;= n &lt; 2^31.</summary>
    public (int Quotient, int Remainder) DivRem(int n)
    {
        int q = Div(n);
        return (q, n - q * Divisor);
    }
}
