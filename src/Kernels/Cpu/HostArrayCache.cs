using System.Numerics;

namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// A caching allocator for host buffers, so a training loop reuses the same arrays step after step
/// instead of asking the GC for fresh large-object-heap arrays (each one a gen2 collection trigger
/// and a round of page faults).
/// <para>
/// Tensors have no owner that frees them: a buffer goes back to the cache when its
/// <see cref="CpuBuffer"/> is finalized. When a request misses the cache and more than
/// <see cref="Budget"/> has been rented since the last collection, the cache runs a blocking
/// collection itself (the rule the device allocator shares, <see cref="CollectionBudget"/>), which
/// returns the arrays of every tensor the program has dropped. The cache therefore settles at about
/// the live tensors plus one budget of transient ones.
/// </para>
/// Requests are rounded up to one of eight size classes per power of two (at most 12.5% unused);
/// arrays under <see cref="MinBytes"/> bypass the cache, since the GC serves small ones well.
/// </summary>
public sealed class HostArrayCache
{
    /// <summary>Smallest request in bytes that is cached.</summary>
    public const int MinBytes = 32 << 10;

    /// <summary>The smallest <see cref="Budget"/>.</summary>
    private const long MinBudget = 64L << 20;

    /// <summary>Collections a size class may go without a request before its cached arrays are dropped.</summary>
    private const int IdleCollections = 2;

    private readonly Dictionary<(DType, long), Bucket> free = [];
    private readonly Lock gate = new();
    private readonly CollectionBudget collector = new(MinBudget);
    private long outstanding, cached;

    /// <summary>Bytes rented between two cache-driven collections: the larger of 64 MiB and what was live after the last one.</summary>
    public long Budget => collector.Budget;

    /// <summary>Most bytes left idle in the cache after a collection.</summary>
    private long IdleCap => 4 * Budget;

    /// <summary>Bytes held by buffers that have not come back yet.</summary>
    public long OutstandingBytes
    {
        get { lock (gate) return outstanding; }
    }

    /// <summary>Bytes waiting in the cache for reuse.</summary>
    public long CachedBytes
    {
        get { lock (gate) return cached; }
    }

    /// <summary>Collections the cache has run.</summary>
    public int Collections => collector.Collections;

    /// <summary>Whether a request of <paramref name="length"/> elements of <paramref name="dtype"/> is served from the cache.</summary>
    public static bool Caches(DType dtype, int length) => (long)length * dtype.SizeOf() >= MinBytes;

    /// <summary>An array of at least <paramref name="length"/> elements (its contents are stale).</summary>
    public Array Rent(DType dtype, int length)
    {
        long bytes = ClassBytes((long)length * dtype.SizeOf());
        if (TryTake(dtype, bytes, out var array)) return array;
        if (collector.Due)
        {
            collector.Collect(() => OutstandingBytes, DropIdle);
            if (TryTake(dtype, bytes, out array)) return array;
        }
        // A class past the largest array holds exactly the request (its own bucket on return).
        int elements = bytes / dtype.SizeOf() > Array.MaxLength ? length : (int)(bytes / dtype.SizeOf());
        array = CpuBuffer.NewArray(dtype, elements);
        lock (gate) outstanding += (long)elements * dtype.SizeOf();
        collector.Count((long)elements * dtype.SizeOf());
        return array;
    }

    /// <summary>Takes <paramref name="array"/> back (from a released buffer); it must not be used afterwards.</summary>
    public void Return(DType dtype, Array array)
    {
        long bytes = (long)array.Length * dtype.SizeOf();
        lock (gate)
        {
            if (!free.TryGetValue((dtype, bytes), out var bucket)) free[(dtype, bytes)] = bucket = new Bucket(Collections);
            bucket.Arrays.Push(array);
            outstanding -= bytes;
            cached += bytes;
        }
    }

    /// <summary>Drops every cached array (they become ordinary garbage).</summary>
    public void Trim()
    {
        lock (gate)
        {
            free.Clear();
            cached = 0;
        }
        collector.FullNext();
    }

    /// <summary>
    /// The size class of a request: <paramref name="bytes"/> rounded up to a multiple of an eighth
    /// of the power of two below it.
    /// </summary>
    public static long ClassBytes(long bytes)
    {
        if (bytes <= 8) return 8;
        long step = Math.Max(8, (long)BitOperations.RoundUpToPowerOf2((ulong)bytes + 1) >> 4);
        return (bytes + step - 1) / step * step;
    }

    private bool TryTake(DType dtype, long bytes, out Array array)
    {
        lock (gate)
        {
            if (!free.TryGetValue((dtype, bytes), out var bucket) || !bucket.Arrays.TryPop(out array!))
            {
                array = null!;
                return false;
            }
            bucket.LastUse = Collections;
            cached -= bytes;
            outstanding += bytes;
        }
        collector.Count(bytes);
        return true;
    }

    /// <summary>
    /// After a collection: drops the size classes no request has used for <see cref="IdleCollections"/>
    /// collections, and more, least recently used first, while more than four budgets sit idle. A
    /// program that moves on to other shapes (the next experiment) does not keep the old ones' arrays,
    /// and a training loop (which reuses its classes every cycle) keeps all of its own. Returns the bytes dropped.
    /// </summary>
    private long DropIdle()
    {
        lock (gate) return DropIdleLocked();
    }

    private long DropIdleLocked()
    {
        long dropped = 0;
        while (true)
        {
            (DType, long) victim = default;
            int oldest = int.MaxValue;
            foreach (var (key, bucket) in free)
            {
                if (bucket.Arrays.Count > 0 && bucket.LastUse < oldest)
                {
                    oldest = bucket.LastUse;
                    victim = key;
                }
            }
            if (oldest == int.MaxValue || oldest > Collections - IdleCollections && cached <= IdleCap) return dropped;
            var stack = free[victim].Arrays;
            long bytes = victim.Item2 * stack.Count;
            stack.Clear();
            free.Remove(victim);
            cached -= bytes;
            dropped += bytes;
        }
    }

    /// <summary>The cached arrays of one size class and the collection count at its last request.</summary>
    private sealed class Bucket(int lastUse)
    {
        public Stack<Array> Arrays { get; } = new();

        public int LastUse { get; set; } = lastUse;
    }
}
