using ILGPU;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// What every kernel family needs from its accelerator: compiled kernels (loaded once), launch sizes
/// tuned for the device, views of our buffers, and the host's waits for the device, at which the
/// first bad index an indexing kernel met since the last wait is thrown (the way CUDA reports a
/// device-side assert at the next synchronizing call: no launch waits for its own check).
/// </summary>
internal sealed class KernelHost : IDisposable
{
    private readonly Dictionary<Delegate, Delegate> loaded = [];
    private readonly Lock gate = new();

    // The first index error since the last check: [op, axis, size], op 0 when none (see IndexError).
    private readonly MemoryBuffer1D<int, Stride1D.Dense> indexError;
    private int indexErrorPending; // 1 while a launch that checks its indices was queued since the last check
    private long hostWaits;

    /// <summary>Threads per group of grid-stride and reduce launches on GPUs.</summary>
    public const int GpuGroup = 256;

    public KernelHost(Backend backend, Accelerator accelerator, bool simulator)
    {
        Backend = backend;
        Accelerator = accelerator;
        Simulator = simulator;
        // Grid-stride loops launch at most one pass of the threads the device holds at once (the simulator: one group).
        Group = simulator ? accelerator.MaxNumThreadsPerGroup : GpuGroup;
        MaxThreads = Math.Max(Group, accelerator.MaxNumThreads / Group * Group);
        ReduceGroup = simulator ? 16 : GpuGroup;
        ReduceGroups = simulator ? 16 : 4 * accelerator.NumMultiprocessors;
        indexError = accelerator.Allocate1D<int>(IndexError.Length);
        indexError.MemSetToZero();
    }

    public Backend Backend { get; }

    public Accelerator Accelerator { get; }

    /// <summary>Whether this is ILGPU's CPU simulator: small groups and tiles (every simulated thread is an OS thread).</summary>
    public bool Simulator { get; }

    /// <summary>Threads of a grid-stride launch at most (a multiple of <see cref="Group"/>).</summary>
    public int MaxThreads { get; }

    /// <summary>Threads per group of a grid-stride launch.</summary>
    public int Group { get; }

    /// <summary>Threads of a group that reduces one output (a power of two).</summary>
    public int ReduceGroup { get; }

    /// <summary>Groups a reduction of few outputs spreads over, at most (it splits their inputs into chunks).</summary>
    public int ReduceGroups { get; }

    /// <summary>
    /// Full groups for <paramref name="n"/> grid-stride items: every launched thread takes part, so a
    /// loop stepping by the launch's thread count visits each item exactly once.
    /// </summary>
    public KernelConfig Spread(int n)
    {
        int threads = Math.Min(n, MaxThreads);
        return new KernelConfig((threads + Group - 1) / Group, Group);
    }

    /// <summary>How many kernels were compiled so far.</summary>
    public int Compiled
    {
        get
        {
            lock (gate) return loaded.Count;
        }
    }

    /// <summary>
    /// The kernel that <paramref name="load"/> compiles, compiled on first use only. Pass a static
    /// lambda: it is the cache key, and a static lambda is one object per generic instantiation.
    /// </summary>
    public TKernel Kernel<TKernel>(Func<Accelerator, TKernel> load) where TKernel : Delegate
    {
        lock (gate)
        {
            if (loaded.TryGetValue(load, out var kernel)) return (TKernel)kernel;
            var compiled = load(Accelerator);
            loaded[load] = compiled;
            return compiled;
        }
    }

    /// <summary>A scratch buffer from the device's caching allocator; dispose it when the launches that use it are queued.</summary>
    public DeviceBuffer Temporary<T>(int length) where T : unmanaged => Backend.Allocate(DTypeInfo.Of<T>(), length);

    /// <summary>The view of <paramref name="buffer"/> as <typeparamref name="T"/>; the buffer must be this device's.</summary>
    public static ArrayView<T> View<T>(DeviceBuffer buffer) where T : unmanaged =>
        (buffer as IlgpuBuffer ?? throw new ArgumentException($"buffer belongs to device '{buffer.Backend.Name}', not to an ILGPU device")).View<T>();

    /// <summary>How many times the host waited for the device: downloads, uploads, synchronizations and index-error reads.</summary>
    public long HostWaits => Interlocked.Read(ref hostWaits);

    /// <summary>
    /// The record a launch that <paramref name="checks"/> its indices writes its first bad one to; the
    /// host reads it at its next <see cref="Synchronize"/> or checking <see cref="Waited"/>.
    /// </summary>
    public ArrayView<int> IndexErrorRecord(bool checks)
    {
        if (checks) Volatile.Write(ref indexErrorPending, 1);
        return indexError.View;
    }

    /// <summary>Waits for every queued launch, then throws the first index error they met.</summary>
    public void Synchronize()
    {
        Drain();
        ThrowIndexError();
    }

    /// <summary>Counts a wait for the device made by a copy; with <paramref name="check"/> (a download), throws the first index error.</summary>
    public void Waited(bool check)
    {
        Interlocked.Increment(ref hostWaits);
        if (check) ThrowIndexError();
    }

    /// <summary>Waits for the queued launches without reporting index errors (the allocator's, and when the device closes).</summary>
    public void Drain()
    {
        Accelerator.Synchronize();
        Interlocked.Increment(ref hostWaits);
    }

    /// <summary>Reads the index-error record when a checked launch ran since the last read; clears it and throws when it holds an error.</summary>
    private void ThrowIndexError()
    {
        if (Interlocked.Exchange(ref indexErrorPending, 0) == 0) return;
        Span<int> record = stackalloc int[IndexError.Length];
        indexError.View.CopyToCPU(ref record[0], record.Length); // stack memory: it does not move
        Interlocked.Increment(ref hostWaits);
        if (record[0] == IndexError.None) return;
        indexError.MemSetToZero(); // the device works on after the error
        throw IndexError.Exception(record);
    }

    public void Dispose() => indexError.Dispose();
}
