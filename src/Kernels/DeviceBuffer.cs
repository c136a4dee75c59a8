namespace TinyGrad.Kernels;

/// <summary>
/// A flat run of elements owned by one backend. Buffers carry no shape: every primitive gets
/// its shape and strides from a <see cref="StridedView"/> or an argument struct.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    /// <summary>Creates a buffer record for <paramref name="backend"/>.</summary>
    protected DeviceBuffer(Backend backend, DType dtype, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Backend = backend;
        DType = dtype;
        Length = length;
    }

    /// <summary>The backend that owns the memory.</summary>
    public Backend Backend { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>Returns the memory to its backend. Safe to call twice.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the memory; <paramref name="disposing"/> is false on the finalizer path.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
