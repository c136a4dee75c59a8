using System.Numerics;

namespace TinyGrad.Kernels;

/// <summary>
/// The error function on every device, in the element type: x P(x^2) below 0.5, and 1 - erfc(|x|)
/// above, with erfc(z) = t exp(-z^2 + Q(u)) for t = 2 / (2 + z) (the form of Numerical Recipes'
/// Chebyshev erfc), u mapping t's range on [0.5, 6] to [-1, 1]. P (degree 8) and Q (degree 18) are
/// Chebyshev fits made with mpmath; in double the result is within 2 ulp of glibc's erf (PyTorch's)
/// and 4e-16 relative of the exact value. Beyond 6, erfc rounds away and the result is +-1.
/// </summary>
internal static class Erf
{
    /// <summary>erf(x); NaN stays NaN, -0 stays -0.</summary>
    public static T Of<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T a = T.Abs(x);
        if (a < C<T>.Half)
        {
            T s = x * x;
            return x * (((((((((C<T>.A8 * s + C<T>.A7) * s + C<T>.A6) * s + C<T>.A5) * s + C<T>.A4) * s + C<T>.A3) * s + C<T>.A2) * s + C<T>.A1) * s) + C<T>.A0);
        }
        T t = C<T>.Two / (C<T>.Two + a);
        T erfc = t * T.Exp(Q(t * C<T>.Scale - C<T>.Shift) - a * a);
        return x < T.Zero ? erfc - T.One : T.One - erfc;
    }

    /// <summary>erf per lane, the same formula as <see cref="Of{T}(T)"/>.</summary>
    public static Vector<T> Of<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> a = Vector.Abs(x), two = new(C<T>.Two), t = two / (two + a);
        Vector<T> small = x * Horner(C<T>.P, x * x);
        Vector<T> erfc = t * Cpu.Fast.VectorMath.Exp(Horner(C<T>.Q, t * new Vector<T>(C<T>.Scale) - new Vector<T>(C<T>.Shift)) - a * a);
        Vector<T> large = Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), erfc - Vector<T>.One, Vector<T>.One - erfc);
        return Vector.ConditionalSelect(Vector.LessThan(a, new Vector<T>(C<T>.Half)), small, large);
    }

    /// <summary>sum_k c[k] u^k by Horner's rule, lane by lane.</summary>
    private static Vector<T> Horner<T>(T[] c, Vector<T> u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> r = new(c[^1]);
        for (int k = c.Length - 2; k >= 0; k--) r = r * u + new Vector<T>(c[k]);
        return r;
    }

    /// <summary>Q(u) = log(erfc(z) / t) + z^2, for u in [-1, 1].</summary>
    private static T Q<T>(T u) where T : unmanaged, IFloatingPointIeee754<T> =>
        (((((((((((((((((C<T>.B18 * u + C<T>.B17) * u + C<T>.B16) * u + C<T>.B15) * u + C<T>.B14) * u + C<T>.B13) * u + C<T>.B12) * u + C<T>.B11) * u
        + C<T>.B10) * u + C<T>.B9) * u + C<T>.B8) * u + C<T>.B7) * u + C<T>.B6) * u + C<T>.B5) * u + C<T>.B4) * u + C<T>.B3) * u + C<T>.B2) * u + C<T>.B1) * u + C<T>.B0;

    /// <summary>The constants in the element type (static readonly: ILGPU compiles them in as constants).</summary>
    private static class C<T> where T : IFloatingPointIeee754<T>
    {
        public static readonly T Half = T.CreateTruncating(0.5);
        public static readonly T Two = T.CreateTruncating(2.0);

        // t = 2 / (2 + z) runs over [0.25, 0.8] for z in [0.5, 6]; u = t * Scale - Shift maps that to [-1, 1].
        public static readonly T Scale = T.CreateTruncating(2 / 0.55);
        public static readonly T Shift = T.CreateTruncating(1.05 / 0.55);
        public static readonly T A8 = T.CreateTruncating(1.4725865480556744e-06);
        public static readonly T A7 = T.CreateTruncating(-1.4845849259707869e-05);
        public static readonly T A6 = T.CreateTruncating(0.00012053335124353741);
        public static readonly T A5 = T.CreateTruncating(-0.0008548297753674966);
        public static readonly T A4 = T.CreateTruncating(0.00522397737302147);
        public static readonly T A3 = T.CreateTruncating(-0.026866170632887928);
        public static readonly T A2 = T.CreateTruncating(0.11283791670925353);
        public static readonly T A1 = T.CreateTruncating(-0.37612638903183476);
        public static readonly T A0 = T.CreateTruncating(1.1283791670955126);
        public static readonly T B18 = T.CreateTruncating(-1.1775524808794618e-11);
        public static readonly T B17 = T.CreateTruncating(-8.91382772026778e-11);
        public static readonly T B16 = T.CreateTruncating(4.14086208206304e-10);
        public static readonly T B15 = T.CreateTruncating(6.550776094924038e-10);
        public static readonly T B14 = T.CreateTruncating(-6.45426412368554e-09);
        public static readonly T B13 = T.CreateTruncating(4.8230087547184805e-09);
        public static readonly T B12 = T.CreateTruncating(6.53419687832171e-08);
        public static readonly T B11 = T.CreateTruncating(-1.7648138146559202e-07);
        public static readonly T B10 = T.CreateTruncating(-4.48015165484018e-07);
        public static readonly T B9 = T.CreateTruncating(2.7859555265715464e-06);
        public static readonly T B8 = T.CreateTruncating(1.1974017390618667e-06);
        public static readonly T B7 = T.CreateTruncating(-3.570761651324316e-05);
        public static readonly T B6 = T.CreateTruncating(2.5870005695555912e-05);
        public static readonly T B5 = T.CreateTruncating(0.00046447922122118466);
        public static readonly T B4 = T.CreateTruncating(-0.0006964353517194952);
        public static readonly T B3 = T.CreateTruncating(-0.00809341871076972);
        public static readonly T B2 = T.CreateTruncating(0.012152046819101365);
        public static readonly T B1 = T.CreateTruncating(0.3723616490332801);
        public static readonly T B0 = T.CreateTruncating(-0.6380494854628526);

        // The coefficients again as arrays, lowest degree first, for the vector form (kernels cannot read
        // arrays); declared after the fields, since static fields initialise in order.
        public static readonly T[] P = [A0, A1, A2, A3, A4, A5, A6, A7, A8];
        public static readonly T[] Q = [B0, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10, B11, B12, B13, B14, B15, B16, B17, B18];
    }
}
