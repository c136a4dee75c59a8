namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// Host memory for the CPU backends: a managed array of the buffer's element type. A buffer rented
/// from a <see cref="HostArrayCache"/> may have a longer array than <see cref="DeviceBuffer.Length"/>, and
/// gives the array back to the cache when released (disposed, or finalized after its last tensor is dropped).
/// </summary>
public sealed class CpuBuffer : DeviceBuffer
{
    private readonly HostArrayCache? cache;
    private int released;

    internal CpuBuffer(Backend backend, DType dtype, int length, HostArrayCache? cache = null) : base(backend, dtype, length)
    {
        if (cache is not null && HostArrayCache.Caches(dtype, length))
        {
            Data = cache.Rent(dtype, length);
            this.cache = cache;
            return;
        }
        GC.SuppressFinalize(this);
        Data = NewArray(dtype, length);
    }

    /// <summary>
    /// A fresh array of <paramref name="length"/> elements of <paramref name="dtype"/>'s element type.
    /// Buffers are uninitialised by contract (Backend.Allocate), so big ones are not zeroed.
    /// </summary>
    internal static Array NewArray(DType dtype, int length) => dtype switch
    {
        DType.Float32 => GC.AllocateUninitializedArray<float>(length),
        DType.Float64 => GC.AllocateUninitializedArray<double>(length),
        DType.Int32 => GC.AllocateUninitializedArray<int>(length),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Returns a cached array whose tensors were dropped without Dispose.</summary>
    ~CpuBuffer() => Dispose(false);

    /// <summary>The backing array (float[], double[] or int[]).</summary>
    public Array Data { get; }

    /// <summary>The elements as a span of <typeparamref name="T"/>, which must match the dtype.</summary>
    public Span<T> Span<T>() where T : unmanaged =>
        (Data as T[] ?? throw new InvalidOperationException($"buffer holds {DType}, not {typeof(T).Name}")).AsSpan(0, Length);

    /// <summary>Reads element <paramref name="index"/> as a double, whatever the dtype.</summary>
    public double Get(int index) => Data switch
    {
        float[] f => f[index],
        double[] d => d[index],
        int[] i => i[index],
        _ => throw new InvalidOperationException("unknown buffer type"),
    };

    /// <summary>Writes <paramref name="value"/> to element <paramref name="index"/>, converting to the dtype.</summary>
    public void Set(int index, double value)
    {
        switch (Data)
        {
            case float[] f: f[index] = (float)value; break;
            case double[] d: d[index] = value; break;
            case int[] i: i[index] = checked((int)value); break;
        }
    }

    /// <summary>The host buffer behind <paramref name="buffer"/>; throws for another device's memory.</summary>
    internal static CpuBuffer Of(DeviceBuffer buffer) =>
        buffer as CpuBuffer ?? throw new ArgumentException($"buffer belongs to device '{buffer.Backend.Name}', not to a CPU backend");

    /// <summary>The backing array of <paramref name="buffer"/> (a host buffer of element type <typeparamref name="T"/>).</summary>
    internal static T[] ArrayOf<T>(DeviceBuffer buffer) where T : unmanaged => (T[])Of(buffer).Data;

    /// <summary><see cref="Backend.Upload{T}"/> for both CPU backends (arguments checked).</summary>
    internal static void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset) where T : unmanaged
    {
        source.CopyTo(Of(destination).Span<T>()[offset..]);
    }

    /// <summary><see cref="Backend.Download{T}"/> for both CPU backends (arguments checked).</summary>
    internal static void Download<T>(DeviceBuffer source, Span<T> destination, int offset) where T : unmanaged
    {
        Of(source).Span<T>().Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <summary>
    /// Keeps buffers reachable until the kernel that reads their arrays has returned: a cached
    /// buffer hands its array back when finalized, and the array must not be rented out again while
    /// a kernel still reads it (views passed by <c>in</c> stay reachable through the caller's frame).
    /// </summary>
    internal static void KeepAlive(DeviceBuffer? a, DeviceBuffer? b = null, DeviceBuffer? c = null, DeviceBuffer? d = null)
    {
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        GC.KeepAlive(c);
        GC.KeepAlive(d);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (cache is not null && Interlocked.Exchange(ref released, 1) == 0) cache.Return(DType, Data);
    }
}
