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
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this HostDType dtype) => dtype switch
    {
        HostDType.Float32 or HostDType.Int32 => 4,
        HostDType.Float64 or HostDType.Int64 => 8,
        HostDType.UInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The numpy descr string (little-endian).</summary>
    public static string NumpyDescr(this HostDType dtype) => dtype switch
    {
        HostDType.Float32 => "<f4",
        HostDType.Float64 => "<f8",
        HostDType.Int32 => "<i4",
        HostDType.Int64 => "<i8",
        HostDType.UInt8 => "|u1",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The safetensors dtype string.</summary>
    public static string SafeTensorsName(this HostDType dtype) => dtype switch
    {
        HostDType.Float32 => "F32",
        HostDType.Float64 => "F64",
        HostDType.Int32 => "I32",
        HostDType.Int64 => "I64",
        HostDType.UInt8 => "U8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    internal static HostDType? FromNumpyDescr(string descr) => descr switch
    {
        "<f4" => HostDType.Float32,
        "<f8" => HostDType.Float64,
        "<i4" => HostDType.Int32,
        "<i8" => HostDType.Int64,
        "|u1" or "<u1" or "u1" => HostDType.UInt8,
        _ => null,
    };

    internal static HostDType? FromSafeTensorsName(string name) => name switch
    {
        "F32" => HostDType.Float32,
        "F64" => HostDType.Float64,
        "I32" => HostDType.Int32,
        "I64" => HostDType.Int64,
        "U8" => HostDType.UInt8,
        _ => null,
    };
}
