namespace TinyGrad.Kernels;

/// <summary>
/// A flat run of elements owned by one backend. Buffers carry no shape: every primitive gets
/// its shape and strides from a <see cref="StridedView"/> or an argument struct.
/// </summary>
/// <param name="backend">The backend that owns the memory.</param>
/// <param name="dtype">Element type.</param>
/// <param name="length">Number of elements (not negative).</param>
public abstract class DeviceBuffer(Backend backend, DType dtype, int length) : IDisposable
{
    /// <summary>The backend that owns the memory.</summary>
    public Backend Backend { get; } = backend;

    /// <summary>Element type.</summary>
    public DType DType { get; } = dtype;

    /// <summary>Number of elements.</summary>
    public int Length { get; } = length >= 0 ? length : throw new ArgumentOutOfRangeException(nameof(length), length, "a buffer cannot have a negative length");

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
