using ILGPU;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// What every kernel family needs from its accelerator: compiled kernels (loaded once), launch sizes
/// tuned for the device, views of our buffers, and the flag through which indexing kernels report a
/// bad index.
/// </summary>
internal sealed class KernelHost : IDisposable
{
    private readonly Dictionary<Delegate, Delegate> loaded = [];
    private readonly Lock gate = new();
    private MemoryBuffer1D<int, Stride1D.Dense>? errorFlag;

    /// <summary>Threads per group of grid-stride and reduce launches on GPUs.</summary>
    public const int GpuGroup = 256;

    public KernelHost(IBackend backend, Accelerator accelerator, bool simulator)
    {
        Backend = backend;
        Accelerator = accelerator;
        Simulator = simulator;
        // Grid-stride loops launch at most one pass of the threads the device holds at once (the simulator: one group).
        Group = simulator ? accelerator.MaxNumThreadsPerGroup : GpuGroup;
        MaxThreads = Math.Max(Group, accelerator.MaxNumThreads / Group * Group);
        ReduceGroup = simulator ? 16 : GpuGroup;
        ReduceGroups = simulator ? 16 : 4 * accelerator.NumMultiprocessors;
    }

    public IBackend Backend { get; }

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

    /// <summary>The error flag, cleared: kernels set it to 1 when they meet an index out of range.</summary>
    public ArrayView<int> ClearedErrorFlag()
    {
        errorFlag ??= Accelerator.Allocate1D<int>(1);
        errorFlag.MemSetToZero();
        return errorFlag.View;
    }

    /// <summary>Waits for the launch and throws when it raised the error flag.</summary>
    public void ThrowOnError(string what, int axis, int size)
    {
        Span<int> flag = stackalloc int[1];
        errorFlag!.View.CopyToCPU(ref flag[0], 1); // stack memory: it does not move
        if (flag[0] != 0)
            throw new ArgumentOutOfRangeException("index", $"{what}: an index is out of range for dimension {axis} of size {size}");
    }

    public void Dispose() => errorFlag?.Dispose();
}
