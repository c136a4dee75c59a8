namespace TinyGrad.Kernels.OpenCl;

/// <summary>Device memory of the OpenCL backend (a cl_mem); returns to the backend's pool when released.</summary>
public sealed class OpenClBuffer : DeviceBuffer
{
    private readonly OpenClBackend owner;
    private int released;

    internal OpenClBuffer(OpenClBackend owner, DType dtype, int length, nint memory, long bytes) : base(owner, dtype, length)
    {
        this.owner = owner;
        Memory = memory;
        Bytes = bytes;
    }

    /// <summary>Returns the memory to the pool if the tensor was dropped without Dispose.</summary>
    ~OpenClBuffer() => Dispose(false);

    internal nint Memory { get; }

    internal long Bytes { get; }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref released, 1) == 0) owner.Return(Memory, Bytes);
    }
}
