using System.Numerics;

namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// A caching allocator for host buffers, so a training loop reuses the same arrays step after step
/// instead of asking the GC for fresh large-object-heap arrays (each one a gen2 collection trigger
/// and a round of page faults).
/// <para>
/// Tensors have no owner that frees them: a buffer goes back to the pool when its
/// <see cref="CpuBuffer"/> is finalized. Finalizers only run after a collection, so when a request
/// misses the pool and more than <see cref="Budget"/> has been rented since the last collection,
/// the pool runs a blocking collection itself and waits for the finalizers, which returns the
/// arrays of every tensor the program has dropped. The pool therefore settles at about the live
/// tensors plus one budget of transient ones.
/// </para>
/// Requests are rounded up to one of eight size classes per power of two (at most 12.5% unused);
/// arrays under <see cref="MinBytes"/> bypass the pool, since the GC serves small ones well.
/// </summary>
public sealed class HostPool
{
    /// <summary>Smallest request in bytes that is pooled.</summary>
    public const int MinBytes = 32 << 10;

    /// <summary>The smallest <see cref="Budget"/>.</summary>
    private const long MinBudget = 64L << 20;

    private readonly Dictionary<(DType, long), Stack<Array>> free = [];
    private readonly Lock gate = new();
    private long rentedSinceCollection, outstanding, cached, liveAfterCollection, liveAfterFull;

    /// <summary>Bytes rented between two pool-driven collections: the larger of 64 MiB and what was live after the last one.</summary>
    public long Budget => Math.Max(MinBudget, liveAfterCollection);

    /// <summary>Bytes held by buffers that have not come back yet.</summary>
    public long OutstandingBytes
    {
        get { lock (gate) return outstanding; }
    }

    /// <summary>Bytes waiting in the pool for reuse.</summary>
    public long CachedBytes
    {
        get { lock (gate) return cached; }
    }

    /// <summary>Collections the pool has run.</summary>
    public int Collections { get; private set; }

    /// <summary>Whether a request of <paramref name="length"/> elements of <paramref name="dtype"/> is served from the pool.</summary>
    public static bool Pools(DType dtype, int length) => (long)length * dtype.SizeOf() >= MinBytes;

    /// <summary>An array of at least <paramref name="length"/> elements (its contents are stale).</summary>
    public Array Rent(DType dtype, int length)
    {
        long bytes = ClassBytes((long)length * dtype.SizeOf());
        if (TryTake(dtype, bytes, out var array)) return array;
        bool collect;
        lock (gate) collect = rentedSinceCollection > Budget;
        if (collect)
        {
            Collect();
            if (TryTake(dtype, bytes, out array)) return array;
        }
        // A class past the largest array holds exactly the request (its own bucket on return).
        int elements = bytes / dtype.SizeOf() > Array.MaxLength ? length : (int)(bytes / dtype.SizeOf());
        array = dtype switch
        {
            DType.Float32 => GC.AllocateUninitializedArray<float>(elements),
            DType.Float64 => GC.AllocateUninitializedArray<double>(elements),
            DType.Int32 => GC.AllocateUninitializedArray<int>(elements),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
        };
        lock (gate)
        {
            outstanding += (long)elements * dtype.SizeOf();
            rentedSinceCollection += (long)elements * dtype.SizeOf();
        }
        return array;
    }

    /// <summary>Takes <paramref name="array"/> back (from a released buffer); it must not be used afterwards.</summary>
    public void Return(DType dtype, Array array)
    {
        long bytes = (long)array.Length * dtype.SizeOf();
        lock (gate)
        {
            if (!free.TryGetValue((dtype, bytes), out var stack)) free[(dtype, bytes)] = stack = new Stack<Array>();
            stack.Push(array);
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
            if (free.TryGetValue((dtype, bytes), out var stack) && stack.TryPop(out array!))
            {
                cached -= bytes;
                outstanding += bytes;
                rentedSinceCollection += bytes;
                return true;
            }
        }
        array = null!;
        return false;
    }

    /// <summary>
    /// A blocking collection, then the finalizers of the buffers it found dead, which return their
    /// arrays. Tensors of a training step die young, so a young-generation collection usually
    /// suffices; when it leaves more than half a minimum budget above what a full collection last
    /// left alive (buffers whose objects were promoted before they died), a full one follows.
    /// </summary>
    private void Collect()
    {
        // Not under the lock: the finalizers take it to return their arrays.
        GC.Collect(1);
        GC.WaitForPendingFinalizers();
        bool full;
        lock (gate) full = outstanding > liveAfterFull + MinBudget / 2;
        if (full)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        lock (gate)
        {
            rentedSinceCollection = 0;
            liveAfterCollection = outstanding;
            if (full) liveAfterFull = outstanding;
            Collections++;
        }
    }
}
