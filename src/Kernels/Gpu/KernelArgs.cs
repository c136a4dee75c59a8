using System.Runtime.InteropServices;


namespace TinyGrad.Kernels.Gpu;

/// <summary>
/// The arguments of one kernel launch, packed with C alignment: OpenCL sets them one by one,
/// CUDA passes the packed block whole (cuLaunchKernel's `extra`). Reused between launches, so
/// launching allocates nothing.
/// </summary>
public sealed class KernelArgs
{
    private const int MaxArgs = 32;
    private readonly byte[] data = new byte[2048];
    private readonly int[] offsets = new int[MaxArgs];
    private readonly int[] sizes = new int[MaxArgs];

    /// <summary>Number of arguments.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of the packed block.</summary>
    public int Length { get; private set; }

    /// <summary>The packed block (arguments at their aligned offsets).</summary>
    public ReadOnlySpan<byte> Packed => data.AsSpan(0, Length);

    /// <summary>Argument <paramref name="index"/>'s bytes.</summary>
    public ReadOnlySpan<byte> Arg(int index) => data.AsSpan(offsets[index], sizes[index]);

    /// <summary>Forgets every argument.</summary>
    public KernelArgs Clear()
    {
        Count = 0;
        Length = 0;
        return this;
    }

    /// <summary>Appends <paramref name="value"/> at the next multiple of <paramref name="alignment"/>.</summary>
    public KernelArgs Add<T>(T value, int alignment) where T : unmanaged
    {
        if (Count == MaxArgs) throw new InvalidOperationException($"more than {MaxArgs} kernel arguments");
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int offset = (Length + alignment - 1) / alignment * alignment;
        if (offset + size > data.Length) throw new InvalidOperationException("kernel arguments exceed the argument block");
        MemoryMarshal.Write(data.AsSpan(offset), in value);
        offsets[Count] = offset;
        sizes[Count] = size;
        Count++;
        Length = offset + size;
        return this;
    }

    /// <summary>A 32-bit integer.</summary>
    public KernelArgs Int(int value) => Add(value, 4);

    /// <summary>A 32-bit unsigned integer.</summary>
    public KernelArgs UInt(uint value) => Add(value, 4);

    /// <summary>A device pointer or memory handle.</summary>
    public KernelArgs Pointer(nint value) => Add(value, IntPtr.Size);

    /// <summary>A scalar of element type <paramref name="dtype"/> (the kernel's T).</summary>
    public KernelArgs Real(DType dtype, double value) => dtype switch
    {
        DType.Float64 => Add(value, 8),
        DType.Int32 => Add(checked((int)value), 4),
        _ => Add((float)value, 4),
    };

    /// <summary>A struct of 32-bit fields (View, ConvShape, PoolShape).</summary>
    public KernelArgs Struct<T>(T value) where T : unmanaged => Add(value, 4);
}
