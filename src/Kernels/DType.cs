namespace TinyGrad.Kernels;

/// <summary>Element type of a buffer or tensor.</summary>
public enum DType
{
    /// <summary>IEEE 754 single precision: the training type.</summary>
    Float32,

    /// <summary>IEEE 754 double precision: gradient checks and Hessian work.</summary>
    Float64,

    /// <summary>32-bit signed integer: class labels and gather/scatter/argmax indices.</summary>
    Int32,
}

/// <summary>Facts about <see cref="DType"/> values.</summary>
public static class DTypeInfo
{
    /// <summary>Size of one element in bytes.</summary>
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for the floating-point types.</summary>
    public static bool IsFloat(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The dtype whose element is the CLR type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(int) ? DType.Int32
        : throw new NotSupportedException($"no dtype for CLR type {typeof(T).Name}; use float, double or int");
}
