namespace TinyGrad.Kernels;

/// <summary>
/// When a caching allocator (host arrays, device blocks) runs a garbage collection of its own.
/// Tensors have no owner that frees them: their buffers come back when the GC finalizes them, and
/// finalizers run only after a collection, which a program that allocates little managed memory may
/// not trigger for a long time. So an allocator counts the bytes it hands out and, when a request
/// misses its cache after more than <see cref="Budget"/> bytes since the last collection, calls
/// <see cref="Collect"/>, which brings back the buffers of every tensor the program has dropped. The
/// allocator then settles at about the live buffers plus one budget of transient ones.
/// </summary>
/// <param name="minBudget">The smallest budget in bytes.</param>
internal sealed class CollectionBudget(long minBudget)
{
    /// <summary>Every this many collections one is full, whatever the young ones found.</summary>
    private const int FullEvery = 4;

    private readonly Lock gate = new();
    private long handedOut, liveAfterCollection, liveAfterFull;
    private bool fullNext;

    /// <summary>The smallest budget in bytes.</summary>
    public long MinBudget { get; } = minBudget;

    /// <summary>Bytes handed out between two collections: the larger of the minimum and what was live after the last one.</summary>
    public long Budget
    {
        get { lock (gate) return Math.Max(MinBudget, liveAfterCollection); }
    }

    /// <summary>Collections run so far.</summary>
    public int Collections { get; private set; }

    /// <summary>Counts <paramref name="bytes"/> handed out (a cache hit or a fresh allocation).</summary>
    public void Count(long bytes)
    {
        lock (gate) handedOut += bytes;
    }

    /// <summary>Whether more than a budget was handed out since the last collection.</summary>
    public bool Due
    {
        get { lock (gate) return handedOut > Math.Max(MinBudget, liveAfterCollection); }
    }

    /// <summary>Makes the next collection a full one (memory was let go outside a collection, e.g. a cache emptied).</summary>
    public void FullNext()
    {
        lock (gate) fullNext = true;
    }

    /// <summary>
    /// A blocking collection, then the finalizers of the buffers it found dead (which return them).
    /// Tensors of a training step die young, so a young-generation collection usually suffices; a full
    /// one follows every <see cref="FullEvery"/>th time, when <paramref name="full"/>, when the young one
    /// left more than half a minimum budget above what the last full one left alive (buffers whose
    /// objects were promoted before they died), or when the previous <paramref name="trim"/> dropped
    /// more than that (so its memory is reclaimed). <paramref name="live"/> gives the bytes still handed
    /// out; <paramref name="trim"/> (optional) runs afterwards and returns the bytes it let go of. Call it
    /// without holding the allocator's lock: the finalizers take it.
    /// </summary>
    public void Collect(Func<long> live, Func<long>? trim = null, bool full = false)
    {
        GC.Collect(1);
        GC.WaitForPendingFinalizers();
        long young = live(); // outside our lock: it takes the allocator's, which holds its own while calling Count
        lock (gate) full |= fullNext || Collections % FullEvery == FullEvery - 1 || young > liveAfterFull + MinBudget / 2;
        if (full)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        long now = live();
        lock (gate)
        {
            handedOut = 0;
            liveAfterCollection = now;
            if (full) liveAfterFull = now;
            Collections++;
        }
        long dropped = trim?.Invoke() ?? 0;
        lock (gate) fullNext = dropped > MinBudget / 2;
    }
}
