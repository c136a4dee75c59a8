namespace TinyGrad.Kernels;

/// <summary>Argument checks shared by the backends: a bad view or size throws before any kernel runs.</summary>
public static class Check
{
    /// <summary>Throws unless every element the view addresses lies inside its buffer.</summary>
    public static void InBounds(in StridedView view, string what)
    {
        if (view.Length == 0) return;
        long lo = view.Offset, hi = view.Offset;
        for (int d = 0; d < view.Rank; d++)
        {
            long span = (long)(view.Shape[d] - 1) * view.Strides[d];
            if (span < 0) lo += span; else hi += span;
        }
        if (lo < 0 || hi >= view.Buffer.Length)
            throw new ArgumentException($"{what}: view [{string.Join(", ", view.Shape)}] with strides [{string.Join(", ", view.Strides)}] at offset {view.Offset} reaches elements {lo}..{hi} of a buffer of {view.Buffer.Length}");
    }

    /// <summary>Throws unless the two shapes are equal.</summary>
    public static void SameShape(int[] a, int[] b, string what)
    {
        if (!a.AsSpan().SequenceEqual(b))
            throw new ArgumentException($"{what}: shapes [{string.Join(", ", a)}] and [{string.Join(", ", b)}] differ");
    }

    /// <summary>Throws unless the buffer has the dtype and at least <paramref name="length"/> elements.</summary>
    public static void Buffer(DeviceBuffer buffer, DType dtype, int length, string what)
    {
        if (buffer.DType != dtype)
            throw new ArgumentException($"{what}: expected a {dtype} buffer, got {buffer.DType}");
        if (buffer.Length < length)
            throw new ArgumentException($"{what}: buffer of {buffer.Length} elements is smaller than the {length} needed");
    }

    /// <summary>Throws unless the dtype is Float32 or Float64.</summary>
    public static void Float(DType dtype, string what)
    {
        if (!dtype.IsFloat())
            throw new NotSupportedException($"{what} needs Float32 or Float64 data, got {dtype}");
    }
}
