namespace TinyGrad.Kernels.Cuda;

/// <summary>Device memory of the CUDA backend (a CUdeviceptr); returns to the caching allocator when released.</summary>
public sealed class CudaBuffer : DeviceBuffer
{
    private readonly CudaBackend owner;
    private int released;

    internal CudaBuffer(CudaBackend owner, DType dtype, int length, nint pointer, long bytes) : base(owner, dtype, length)
    {
        this.owner = owner;
        Pointer = pointer;
        Bytes = bytes;
    }

    /// <summary>Returns the memory to the allocator if the tensor was dropped without Dispose.</summary>
    ~CudaBuffer() => Dispose(false);

    internal nint Pointer { get; }

    internal long Bytes { get; }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref released, 1) == 0) owner.Return(Pointer, Bytes);
    }
}
