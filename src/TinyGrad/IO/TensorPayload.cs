using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.IO;

/// <summary>
/// Reads an array's payload from a file straight into the tensor that will hold it, so a reader never
/// holds the payload twice: on <c>cpu</c> the bytes land in the tensor's own buffer; on other devices, and
/// for dtypes converted on the way (I64 and U8 become Int32), they pass through one 1 MiB staging chunk.
/// Peak memory: the tensor plus that chunk.
/// </summary>
internal static class TensorPayload
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>The tensor dtype a file dtype is read as (tensors have no 64-bit integer or byte dtype).</summary>
    public static DType TensorDType(HostDType dtype) => dtype switch
    {
        HostDType.Float32 => DType.Float32,
        HostDType.Float64 => DType.Float64,
        _ => DType.Int32,
    };

    /// <summary>
    /// Reads shape's elements of <paramref name="dtype"/> (little-endian) from <paramref name="stream"/> into a
    /// new tensor on <paramref name="device"/>, appending the raw bytes to <paramref name="crc"/> when given.
    /// An Int64 value outside Int32 throws <see cref="InvalidDataFileException"/> naming its index.
    /// </summary>
    public static Tensor Read(Stream stream, HostDType dtype, int[] shape, Device device, string path, string what, Crc32? crc = null)
    {
        var tensor = Tensor.Empty(shape, TensorDType(dtype), device);
        int count = tensor.Numel;
        if (tensor.Buffer is CpuBuffer host && dtype is HostDType.Float32 or HostDType.Float64 or HostDType.Int32)
        {
            var bytes = HostBytes(host, count);
            DataFile.ReadExact(stream, bytes, path, what);
            crc?.Append(bytes);
            return tensor;
        }
        int size = dtype.SizeOf();
        int perChunk = ChunkBytes / size;
        var chunk = ArrayPool<byte>.Shared.Rent(perChunk * size);
        var converted = dtype is HostDType.Int64 or HostDType.UInt8 ? ArrayPool<int>.Shared.Rent(perChunk) : null;
        try
        {
            for (int at = 0; at < count; at += perChunk)
            {
                int n = Math.Min(perChunk, count - at);
                var bytes = chunk.AsSpan(0, n * size);
                DataFile.ReadExact(stream, bytes, path, what);
                crc?.Append(bytes);
                switch (dtype)
                {
                    case HostDType.Float32: tensor.Backend.Upload<float>(MemoryMarshal.Cast<byte, float>(bytes), tensor.Buffer, at); break;
                    case HostDType.Float64: tensor.Backend.Upload<double>(MemoryMarshal.Cast<byte, double>(bytes), tensor.Buffer, at); break;
                    case HostDType.Int32: tensor.Backend.Upload<int>(MemoryMarshal.Cast<byte, int>(bytes), tensor.Buffer, at); break;
                    default:
                    {
                        var ints = converted.AsSpan(0, n);
                        if (dtype == HostDType.UInt8) Widen(bytes, ints);
                        else
                        {
                            var longs = MemoryMarshal.Cast<byte, long>(bytes);
                            if (Narrow(longs, ints) is int bad and >= 0)
                                throw DataFile.Fail(path, "int64 values that fit in Int32 (read the array with As<long>() to keep them)", $"element {(long)at + bad} = {longs[bad]}");
                        }
                        tensor.Backend.Upload<int>(ints, tensor.Buffer, at);
                        break;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            if (converted is not null) ArrayPool<int>.Shared.Return(converted);
        }
        return tensor;
    }

    /// <summary>Reads the payload into a new host array of <paramref name="dtype"/> (one allocation, no conversion).</summary>
    public static HostArray ReadArray(Stream stream, HostDType dtype, int[] shape, int count, string path, string what)
    {
        var array = HostArray.Allocate(dtype, shape, count);
        DataFile.ReadExact(stream, HostArray.MemoryMarshalBytes(array), path, what);
        return array;
    }

    /// <summary>Int64 to Int32; returns the index of the first value that does not fit (the rest is not converted), or -1.</summary>
    public static int Narrow(ReadOnlySpan<long> source, Span<int> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            long v = source[i];
            if (v is < int.MinValue or > int.MaxValue) return i;
            destination[i] = (int)v;
        }
        return -1;
    }

    /// <summary>Bytes to Int32 with the same values.</summary>
    public static void Widen(ReadOnlySpan<byte> source, Span<int> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = source[i];
    }

    /// <summary>The first <paramref name="count"/> elements of a host buffer, as bytes.</summary>
    private static Span<byte> HostBytes(CpuBuffer host, int count) => host.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(host.Span<float>()[..count]),
        DType.Float64 => MemoryMarshal.AsBytes(host.Span<double>()[..count]),
        _ => MemoryMarshal.AsBytes(host.Span<int>()[..count]),
    };
}
