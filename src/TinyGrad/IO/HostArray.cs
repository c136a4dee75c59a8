using System.Runtime.InteropServices;
using TinyGrad.Kernels;

namespace TinyGrad.IO;

/// <summary>
/// A dense, row-major (C order) array in host memory as the file formats store it: a dtype, a shape and a
/// typed .NET array (float[], double[], int[], long[] or byte[]). The bridge between files and
/// <see cref="Tensor"/>: see <see cref="ToTensor"/> for how dtypes without a tensor dtype are mapped.
/// </summary>
public sealed class HostArray
{
    private readonly int[] shape;

    private HostArray(HostDType dtype, int[] shape, Array data)
    {
        long n = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            n = checked(n * d);
        }
        if (n != data.LongLength)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] has {n} elements but the data has {data.LongLength}");
        DType = dtype;
        this.shape = (int[])shape.Clone();
        Data = data;
    }

    /// <summary>Element type.</summary>
    public HostDType DType { get; }

    /// <summary>Extent of each dimension (empty for a scalar).</summary>
    public ReadOnlySpan<int> Shape => shape;

    /// <summary>The elements, row-major: a float[], double[], int[], long[] or byte[] matching <see cref="DType"/>.</summary>
    public Array Data { get; }

    /// <summary>Number of elements.</summary>
    public int Count => Data.Length;

    /// <summary>Wraps a float array (no copy).</summary>
    public static HostArray Create(float[] data, params int[] shape) => new(HostDType.Float32, shape, data);

    /// <summary>Wraps a double array (no copy).</summary>
    public static HostArray Create(double[] data, params int[] shape) => new(HostDType.Float64, shape, data);

    /// <summary>Wraps an int array (no copy).</summary>
    public static HostArray Create(int[] data, params int[] shape) => new(HostDType.Int32, shape, data);

    /// <summary>Wraps a long array (no copy).</summary>
    public static HostArray Create(long[] data, params int[] shape) => new(HostDType.Int64, shape, data);

    /// <summary>Wraps a byte array (no copy).</summary>
    public static HostArray Create(byte[] data, params int[] shape) => new(HostDType.UInt8, shape, data);

    /// <summary>The data as <typeparamref name="T"/>[]; throws when the dtype differs.</summary>
    public T[] As<T>() where T : unmanaged =>
        Data as T[] ?? throw new InvalidOperationException($"array holds {DType}, not {typeof(T).Name}");

    /// <summary>The elements' bytes in little-endian order (the host order on every supported platform).</summary>
    public ReadOnlySpan<byte> Bytes => DType switch
    {
        HostDType.Float32 => MemoryMarshal.AsBytes<float>(((float[])Data).AsSpan()),
        HostDType.Float64 => MemoryMarshal.AsBytes<double>(((double[])Data).AsSpan()),
        HostDType.Int32 => MemoryMarshal.AsBytes<int>(((int[])Data).AsSpan()),
        HostDType.Int64 => MemoryMarshal.AsBytes<long>(((long[])Data).AsSpan()),
        _ => (byte[])Data,
    };

    /// <summary>Copies a tensor to the host (Float32, Float64 or Int32).</summary>
    public static HostArray FromTensor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int[] s = tensor.Shape.ToArray();
        return tensor.DType switch
        {
            Kernels.DType.Float32 => Create(tensor.ToArray<float>(), s),
            Kernels.DType.Float64 => Create(tensor.ToArray<double>(), s),
            Kernels.DType.Int32 => Create(tensor.ToArray<int>(), s),
            _ => throw new NotSupportedException($"tensor dtype {tensor.DType} has no file dtype"),
        };
    }

    /// <summary>
    /// Makes a tensor on <paramref name="device"/>. Float32/Float64/Int32 map directly. Tensors have no
    /// 64-bit integer or byte dtype, so Int64 becomes Int32 when every value fits (else
    /// <see cref="OverflowException"/>; use <see cref="As{T}"/> with long to keep them) and UInt8 becomes
    /// Int32 with the same values.
    /// </summary>
    public Tensor ToTensor(Device? device = null)
    {
        switch (DType)
        {
            case HostDType.Float32: return Tensor.FromArray((float[])Data, shape, device);
            case HostDType.Float64: return Tensor.FromArray((double[])Data, shape, device);
            case HostDType.Int32: return Tensor.FromArray((int[])Data, shape, device);
            case HostDType.Int64:
            {
                var src = (long[])Data;
                var dst = new int[src.Length];
                if (TensorPayload.Narrow(src, dst) is int bad and >= 0)
                    throw new OverflowException($"int64 element {bad} = {src[bad]} does not fit in Int32 (keep it as long[] with As<long>())");
                return Tensor.FromArray(dst, shape, device);
            }
            default:
            {
                var dst = new int[Count];
                TensorPayload.Widen((byte[])Data, dst);
                return Tensor.FromArray(dst, shape, device);
            }
        }
    }

    /// <summary>Allocates an array whose bytes the caller fills (size already validated against the file).</summary>
    internal static HostArray Allocate(HostDType dtype, int[] shape, int count)
    {
        Array data = dtype switch
        {
            HostDType.Float32 => new float[count],
            HostDType.Float64 => new double[count],
            HostDType.Int32 => new int[count],
            HostDType.Int64 => new long[count],
            _ => new byte[count],
        };
        return new HostArray(dtype, shape, data);
    }

    internal static Span<byte> MemoryMarshalBytes(HostArray a) => a.DType switch
    {
        HostDType.Float32 => MemoryMarshal.AsBytes(((float[])a.Data).AsSpan()),
        HostDType.Float64 => MemoryMarshal.AsBytes(((double[])a.Data).AsSpan()),
        HostDType.Int32 => MemoryMarshal.AsBytes(((int[])a.Data).AsSpan()),
        HostDType.Int64 => MemoryMarshal.AsBytes(((long[])a.Data).AsSpan()),
        _ => (byte[])a.Data,
    };
}
