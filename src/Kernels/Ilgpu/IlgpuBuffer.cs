using ILGPU;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>Device memory of an ILGPU accelerator, rented from its caching allocator and returned when released.</summary>
internal sealed class IlgpuBuffer : DeviceBuffer
{
    private readonly CachingAllocator allocator;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> block;
    private int released;

    internal IlgpuBuffer(Backend backend, CachingAllocator allocator, DType dtype, int length, MemoryBuffer1D<byte, Stride1D.Dense> block)
        : base(backend, dtype, length)
    {
        this.allocator = allocator;
        this.block = block;
    }

    /// <summary>Returns the memory to the allocator if the tensor was dropped without Dispose.</summary>
    ~IlgpuBuffer() => Dispose(false);

    /// <summary>The elements as a view of <typeparamref name="T"/> (which must match the dtype) for kernels and copies.</summary>
    internal ArrayView<T> View<T>() where T : unmanaged
    {
        if (DTypeInfo.Of<T>() != DType) throw new InvalidOperationException($"buffer holds {DType}, not {typeof(T).Name}");
        return block.View.AsContiguous().Cast<T>().SubView(0, Length);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref released, 1) == 0) allocator.Return(block);
    }
}
