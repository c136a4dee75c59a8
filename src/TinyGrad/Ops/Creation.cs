using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>An uninitialised contiguous tensor (its contents are whatever the allocator gave).</summary>
    internal static Tensor Empty(int[] shape, DType dtype, Device device)
    {
        foreach (int e in shape)
            if (e < 0) throw new ArgumentException($"negative dimension in shape {Shapes.Format(shape)}");
        if (dtype == DType.Float64 && !device.Backend.SupportsFloat64)
            throw new NotSupportedException($"device {device} has no Float64 support");
        var buffer = device.Backend.Allocate(dtype, Shapes.Numel(shape));
        return new Tensor(buffer, device, (int[])shape.Clone(), StridedView.RowMajorStrides(shape), 0);
    }

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var t = Empty(shape, dtype, device ?? Device.Default);
        t.Backend.Fill(t.View, value);
        return t;
    }

    /// <summary>Zeros of <paramref name="shape"/>.</summary>
    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 0, dtype, device);

    /// <summary>Ones of <paramref name="shape"/>.</summary>
    public static Tensor Ones(int[] shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 1, dtype, device);

    /// <summary>Zeros with the shape, dtype and device of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => Full(like.ShapeArray, 0, like.DType, like.Device);

    /// <summary>Ones with the shape, dtype and device of <paramref name="like"/>.</summary>
    public static Tensor OnesLike(Tensor like) => Full(like.ShapeArray, 1, like.DType, like.Device);

    /// <summary>A zero-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    /// <summary>A tensor holding a copy of <paramref name="data"/> in row-major order; the dtype follows <typeparamref name="T"/>.</summary>
    public static Tensor FromArray<T>(T[] data, int[] shape, Device? device = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        if (Shapes.Numel(shape) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {Shapes.Format(shape)} ({Shapes.Numel(shape)} elements)");
        var t = Empty(shape, DTypeInfo.Of<T>(), device ?? Device.Default);
        t.Backend.Upload<T>(data, t.Buffer);
        return t;
    }

    /// <summary>A one-dimensional tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray<T>(T[] data, Device? device = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromArray(data, [data.Length], device);
    }

    /// <summary>0, 1, ..., n-1.</summary>
    public static Tensor Arange(int n, DType dtype = DType.Float32, Device? device = null)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = i;
        return FromArray(values, [n], device).To(dtype);
    }

    /// <summary>Evenly spaced values from <paramref name="start"/> to <paramref name="end"/> inclusive.</summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var values = new double[steps];
        for (int i = 0; i < steps; i++) values[i] = steps == 1 ? start : start + (end - start) * i / (steps - 1);
        return FromArray(values, [steps], device).To(dtype);
    }

    /// <summary>Uniform samples on [0, 1) from <paramref name="generator"/> (default: <see cref="Generator.Default"/>).</summary>
    public static Tensor Rand(int[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Random(shape, RandomDistribution.Uniform, generator, dtype, device);

    /// <summary>Standard normal samples from <paramref name="generator"/> (default: <see cref="Generator.Default"/>).</summary>
    public static Tensor Randn(int[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Random(shape, RandomDistribution.Normal, generator, dtype, device);

    /// <summary>Uniform samples on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(int[] shape, double low, double high, Generator? generator = null, DType dtype = DType.Float32, Device? device = null)
    {
        var u = Rand(shape, generator, dtype, device);
        using var _ = Autograd.NoGrad();
        return u * (high - low) + low;
    }

    private static Tensor Random(int[] shape, RandomDistribution distribution, Generator? generator, DType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (!dtype.IsFloat()) throw new NotSupportedException($"random tensors must be Float32 or Float64, not {dtype}");
        generator ??= Generator.Default;
        var t = Empty(shape, dtype, device ?? Device.Default);
        t.Backend.Random(t.Buffer, distribution, generator.Seed, generator.Take(t.Numel));
        return t;
    }
}
