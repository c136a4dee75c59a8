using System.Numerics;

namespace TinyGrad.Kernels;

/// <summary>
/// Scalar functions for the elementwise ops' definitions, written so that every backend computes the
/// same thing: ILGPU compiles them for GPUs, where .NET's own versions would become instructions with
/// other NaN, signed-zero or accuracy rules (GPU max/min, float tanh.approx).
/// </summary>
internal static class ScalarMath
{
    /// <summary>.NET's Math.Max: NaN wins, and +0 is larger than -0.</summary>
    public static T Max<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(a) ? a : T.IsNaN(b) ? b : a > b ? a : a < b ? b : T.IsNegative(a) ? b : a;

    /// <summary>.NET's Math.Min: NaN wins, and -0 is smaller than +0.</summary>
    public static T Min<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(a) ? a : T.IsNaN(b) ? b : a < b ? a : a > b ? b : T.IsNegative(a) ? a : b;

    /// <summary>
    /// Whether <paramref name="value"/> takes the place of <paramref name="best"/> in a scan for the first
    /// maximum (argmax, max pooling): it is larger, or NaN over a number; a tie keeps the earlier one.
    /// </summary>
    public static bool Beats<T>(T value, T best) where T : unmanaged, IFloatingPointIeee754<T> =>
        value > best || (T.IsNaN(value) && !T.IsNaN(best));

    /// <summary>
    /// e^x - 1, accurate near 0 (Kahan's trick: the rounding of u = e^x cancels between u - 1 and
    /// log u). .NET's ExpM1 is e^x - 1 as written, which loses every digit for tiny x.
    /// </summary>
    public static T Expm1<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T u = T.Exp(x);
        if (u == T.One) return x;
        T um1 = u - T.One;
        if (um1 == -T.One || T.IsPositiveInfinity(u)) return um1;
        return um1 * x / T.Log(u);
    }

    /// <summary>log(1 + x), accurate near 0 (Goldberg's trick; .NET's LogP1 is log(x + 1) as written).</summary>
    public static T Log1p<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T u = T.One + x;
        if (u == T.One || T.IsPositiveInfinity(u)) return u == T.One ? x : u;
        return T.Log(u) * x / (u - T.One);
    }

    /// <summary>tanh through <see cref="Expm1{T}"/> of -2|x| (no cancellation near 0, no overflow); keeps -0 and NaN.</summary>
    public static T Tanh<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T e = Expm1(-(T.Abs(x) + T.Abs(x)));
        T r = -e / (T.One + T.One + e);
        return x < T.Zero ? -r : x > T.Zero ? r : x;
    }
}
