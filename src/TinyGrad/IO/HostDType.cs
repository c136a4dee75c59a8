namespace TinyGrad.IO;

/// <summary>Element types the file formats (.npy/.npz, safetensors) read and write.</summary>
public enum HostDType
{
    /// <summary>32-bit float (numpy &lt;f4, safetensors F32).</summary>
    Float32,

    /// <summary>64-bit float (numpy &lt;f8, safetensors F64).</summary>
    Float64,

    /// <summary>32-bit signed integer (numpy &lt;i4, safetensors I32).</summary>
    Int32,

    /// <summary>64-bit signed integer (numpy &lt;i8, safetensors I64).</summary>
    Int64,

    /// <summary>Unsigned byte (numpy |u1, safetensors U8).</summary>
    UInt8,
}

/// <summary>Sizes and names of <see cref="HostDType"/>.</summary>
public static class HostDTypeInfo
{
    // One row per type: bytes per element, numpy descr (little-endian), safetensors name.
    private static readonly (HostDType Type, int Size, string Numpy, string SafeTensors)[] Table =
    [
        (HostDType.Float32, 4, "<f4", "F32"),
        (HostDType.Float64, 8, "<f8", "F64"),
        (HostDType.Int32, 4, "<i4", "I32"),
        (HostDType.Int64, 8, "<i8", "I64"),
        (HostDType.UInt8, 1, "|u1", "U8"),
    ];

    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this HostDType dtype) => Row(dtype).Size;

    /// <summary>The numpy descr string (little-endian).</summary>
    public static string NumpyDescr(this HostDType dtype) => Row(dtype).Numpy;

    /// <summary>The safetensors dtype string.</summary>
    public static string SafeTensorsName(this HostDType dtype) => Row(dtype).SafeTensors;

    /// <summary>The type of a numpy descr; a byte has no byte order, so "&lt;u1" and "u1" name it too.</summary>
    internal static HostDType? FromNumpyDescr(string descr) => descr is "<u1" or "u1" ? HostDType.UInt8 : Find(descr, safeTensors: false);

    internal static HostDType? FromSafeTensorsName(string name) => Find(name, safeTensors: true);

    private static (HostDType Type, int Size, string Numpy, string SafeTensors) Row(HostDType dtype)
    {
        foreach (var row in Table)
            if (row.Type == dtype) return row;
        throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
    }

    private static HostDType? Find(string name, bool safeTensors)
    {
        foreach (var row in Table)
            if ((safeTensors ? row.SafeTensors : row.Numpy) == name) return row.Type;
        return null;
    }
}
