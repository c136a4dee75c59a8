namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// Host memory for the CPU backends: a managed array of the buffer's element type. A buffer rented
/// from a <see cref="HostPool"/> may have a longer array than <see cref="DeviceBuffer.Length"/>, and
/// gives the array back to the pool when released (disposed, or finalized after its last tensor is dropped).
/// </summary>
public sealed class CpuBuffer : DeviceBuffer
{
    private readonly HostPool? pool;
    private int released;

    internal CpuBuffer(IBackend backend, DType dtype, int length, HostPool? pool = null) : base(backend, dtype, length)
    {
        if (pool is not null && HostPool.Pools(dtype, length))
        {
            Data = pool.Rent(dtype, length);
            this.pool = pool;
            return;
        }
        GC.SuppressFinalize(this);
        Data = NewArray(dtype, length);
    }

    /// <summary>
    /// A fresh array of <paramref name="length"/> elements of <paramref name="dtype"/>'s element type.
    /// Buffers are uninitialised by contract (IBackend.Allocate), so big ones are not zeroed.
    /// </summary>
    internal static Array NewArray(DType dtype, int length) => dtype switch
    {
        DType.Float32 => GC.AllocateUninitializedArray<float>(length),
        DType.Float64 => GC.AllocateUninitializedArray<double>(length),
        DType.Int32 => GC.AllocateUninitializedArray<int>(length),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Returns a pooled array whose tensors were dropped without Dispose.</summary>
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

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (pool is not null && Interlocked.Exchange(ref released, 1) == 0) pool.Return(DType, Data);
    }
}
