using TinyGrad.Kernels;

namespace TinyGrad.Data;

/// <summary>
/// Per-sample counter-based random stream for the synthetic generators: sample i of a dataset uses
/// Philox counters [i * 2^20, (i + 1) * 2^20), so each sample depends only on (seed, i) and generation
/// can run in parallel in any order with identical bytes.
/// </summary>
internal struct SampleRandom
{
    private readonly ulong key;
    private ulong counter;
    private uint b0, b1, b2, b3;
    private int left;

    public SampleRandom(ulong key, long sample)
    {
        this.key = key;
        counter = (ulong)sample << 20;
        left = 0;
        b0 = b1 = b2 = b3 = 0;
    }

    /// <summary>Next 32 random bits (one Philox block gives four).</summary>
    public uint NextUInt()
    {
        if (left == 0)
        {
            (b0, b1, b2, b3) = Philox.Block(key, counter++);
            left = 4;
        }
        left--;
        return left switch { 3 => b0, 2 => b1, 1 => b2, _ => b3 };
    }

    /// <summary>Uniform on [0, 1).</summary>
    public double NextDouble() => NextUInt() * (1.0 / 4294967296.0);

    /// <summary>Uniform on [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer on [0, n).</summary>
    public int NextInt(int n) => (int)(((ulong)NextUInt() * (ulong)n) >> 32);

    /// <summary>Mixes a user seed with a stream tag so train and test sets never share numbers.</summary>
    public static ulong Key(ulong seed, ulong tag) => (seed * 0x9E3779B97F4A7C15UL) ^ (tag * 0xD1B54A32D192ED03UL) ^ 0x5DEECE66DUL;
}
