namespace TinyGrad.Kernels;

/// <summary>
/// Philox4x32-10 (Salmon et al., SC'11): a counter-based generator. The same (key, counter)
/// always gives the same four words on every device and every .NET version, so random streams
/// are reproducible and can be drawn in parallel.
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>The four 32-bit words for <paramref name="counter"/> under key <paramref name="seed"/>.</summary>
    public static (uint X0, uint X1, uint X2, uint X3) Block(ulong seed, ulong counter)
    {
        uint c0 = (uint)counter, c1 = (uint)(counter >> 32), c2 = 0, c3 = 0;
        uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint)p1;
            c3 = (uint)p0;
            c0 = n0;
            c2 = n2;
            k0 += W0;
            k1 += W1;
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>Uniform on [0, 1) with 24 random bits (the float32 stream).</summary>
    public static float UniformSingle(ulong seed, ulong counter) => (Block(seed, counter).X0 >> 8) * (1.0f / 16777216f);

    /// <summary>Uniform on [0, 1) with 53 random bits (the float64 stream).</summary>
    public static double UniformDouble(ulong seed, ulong counter)
    {
        var (x0, x1, _, _) = Block(seed, counter);
        return ((x0 >> 5) * 67108864.0 + (x1 >> 6)) * (1.0 / 9007199254740992.0);
    }

    /// <summary>Standard normal by Box-Muller on the first two words, computed in double.</summary>
    public static double Normal(ulong seed, ulong counter)
    {
        var (x0, x1, _, _) = Block(seed, counter);
        double u1 = (x0 + 0.5) * (1.0 / 4294967296.0); // (0, 1): log never sees 0
        double u2 = x1 * (1.0 / 4294967296.0);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>
    /// Element <paramref name="counter"/> of a float buffer: uniform with the dtype's stream (24 or 53 bits),
    /// or normal computed in double and rounded once.
    /// </summary>
    internal static T Draw<T>(RandomDistribution distribution, ulong seed, ulong counter) where T : System.Numerics.IFloatingPointIeee754<T> =>
        distribution == RandomDistribution.Normal ? T.CreateTruncating(Normal(seed, counter))
        : typeof(T) == typeof(float) ? T.CreateTruncating(UniformSingle(seed, counter))
        : T.CreateTruncating(UniformDouble(seed, counter));
}
