namespace TinyGrad;

/// <summary>
/// Random-number state: a Philox key (the seed) and a counter offset. Every draw of n numbers
/// takes counters [Offset, Offset + n) and advances the offset, so (Seed, Offset) is the whole
/// state: it can be saved, restored, and gives the same numbers on every device.
/// </summary>
public sealed class Generator(ulong seed)
{
    /// <summary>The generator used when none is passed (seeded 0 until <see cref="ManualSeed"/>).</summary>
    public static Generator Default { get; private set; } = new(0);

    /// <summary>Reseeds the default generator, like torch.manual_seed.</summary>
    public static void ManualSeed(ulong seed) => Default = new Generator(seed);

    /// <summary>The Philox key.</summary>
    public ulong Seed { get; } = seed;

    /// <summary>The next unused counter.</summary>
    public ulong Offset { get; set; }

    /// <summary>Reserves <paramref name="count"/> counters and returns the first.</summary>
    public ulong Take(int count)
    {
        ulong first = Offset;
        Offset += (ulong)count;
        return first;
    }

    /// <summary>Uniform double on [0, 1) from the host (for shuffles and other host-side draws).</summary>
    public double NextDouble() => Kernels.Philox.UniformDouble(Seed, Take(1));

    /// <summary>Uniform integer on [0, <paramref name="maxExclusive"/>) without modulo bias worth noting (53-bit draw).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return Math.Min((int)(NextDouble() * maxExclusive), maxExclusive - 1);
    }

    /// <summary>A seeded Fisher-Yates permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
