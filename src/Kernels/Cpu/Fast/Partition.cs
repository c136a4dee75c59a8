namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// Fixed partitions of work over the cores: every index belongs to exactly one chunk, decided by
/// the sizes alone, so results never depend on timing.
/// </summary>
internal static class Partition
{
    /// <summary>Elementwise work below this many elements stays on one thread.</summary>
    public const int ParallelElements = 1 << 16;

    /// <summary>
    /// Runs <paramref name="body"/> over [0, count) split into fixed contiguous chunks, one per worker,
    /// when <paramref name="work"/> is large enough to pay for threads.
    /// </summary>
    public static void Parallel(int count, long work, Action<int, int> body)
    {
        int workers = work < 1L << 17 ? 1 : Math.Min(Environment.ProcessorCount, count);
        if (workers <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }
        ForkJoin.Run(workers, w => body((int)((long)count * w / workers), (int)((long)count * (w + 1) / workers)));
    }

    /// <summary>
    /// Splits [0, n) over the cores at multiples of 64 elements, so every chunk runs the same vector
    /// code as a single call would (results do not depend on the split).
    /// </summary>
    public static void Elements(int n, Action<int, int> body)
    {
        int blocks = (n + 63) / 64;
        Parallel(blocks, (long)n * 4, (lo, hi) => body(lo * 64, Math.Min(n, hi * 64)));
    }
}
