namespace TinyGrad.Kernels.Gpu;

/// <summary>
/// A caching allocator for device memory: blocks are rounded up to size buckets (powers of two up
/// to 16 MiB, 1 MiB steps above) and released blocks wait in their bucket for the next request of
/// that size, so a training loop stops calling the driver's allocator after its first step.
/// </summary>
public sealed class DevicePool(Func<long, nint> allocate, Action<nint> free)
{
    private readonly Dictionary<long, Stack<nint>> free = [];
    private readonly Lock gate = new();
    private bool closed;

    /// <summary>A buffer of at least <paramref name="length"/> elements owned by <paramref name="backend"/>.</summary>
    public PooledBuffer Rent(IBackend backend, DType dtype, int length)
    {
        long bucket = BucketOf(Math.Max(1L, (long)length * dtype.SizeOf()));
        lock (gate)
        {
            if (this.free.TryGetValue(bucket, out var stack) && stack.Count > 0) return new PooledBuffer(backend, this, dtype, length, stack.Pop(), bucket);
        }
        nint handle = allocate(bucket);
        GC.AddMemoryPressure(bucket);
        return new PooledBuffer(backend, this, dtype, length, handle, bucket);
    }

    /// <summary>The bucket size a request of <paramref name="bytes"/> is served from.</summary>
    public static long BucketOf(long bytes)
    {
        const long step = 1 << 20;
        if (bytes > 16 * step) return (bytes + step - 1) / step * step;
        long b = 256;
        while (b < bytes) b <<= 1;
        return b;
    }

    internal void Return(nint handle, long bytes)
    {
        lock (gate)
        {
            if (closed) return; // the device's memory went with its context
            if (!this.free.TryGetValue(bytes, out var stack)) this.free[bytes] = stack = new Stack<nint>();
            stack.Push(handle);
        }
    }

    /// <summary>Frees every cached block and refuses later returns (called when the device closes).</summary>
    public void Close()
    {
        lock (gate)
        {
            if (closed) return;
            closed = true;
            foreach (var (bytes, stack) in this.free)
            {
                foreach (var handle in stack)
                {
                    free(handle);
                    GC.RemoveMemoryPressure(bytes);
                }
            }
            this.free.Clear();
        }
    }
}

/// <summary>Device memory from a <see cref="DevicePool"/> (a cl_mem or CUdeviceptr); goes back to the pool when released.</summary>
public sealed class PooledBuffer : DeviceBuffer
{
    private readonly DevicePool pool;
    private int released;

    internal PooledBuffer(IBackend backend, DevicePool pool, DType dtype, int length, nint handle, long bytes) : base(backend, dtype, length)
    {
        this.pool = pool;
        Handle = handle;
        Bytes = bytes;
    }

    /// <summary>Returns the memory to the pool if the tensor was dropped without Dispose.</summary>
    ~PooledBuffer() => Dispose(false);

    /// <summary>The runtime's handle.</summary>
    public nint Handle { get; }

    /// <summary>Size of the block in bytes (its bucket).</summary>
    public long Bytes { get; }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref released, 1) == 0) pool.Return(Handle, Bytes);
    }
}
