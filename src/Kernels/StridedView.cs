namespace TinyGrad.Kernels;

/// <summary>
/// A shaped, strided window onto a <see cref="DeviceBuffer"/>: element (i0, i1, ...) lives at
/// <c>Offset + sum(i_d * Strides[d])</c>. A stride of 0 broadcasts that dimension.
/// </summary>
public readonly struct StridedView
{
    /// <summary>Creates a view; shape and strides must have the same rank.</summary>
    public StridedView(DeviceBuffer buffer, int[] shape, int[] strides, int offset)
    {
        if (shape.Length != strides.Length)
            throw new ArgumentException($"view rank mismatch: shape has {shape.Length} dims, strides {strides.Length}");
        Buffer = buffer;
        Shape = shape;
        Strides = strides;
        Offset = offset;
    }

    /// <summary>The whole of <paramref name="buffer"/> as a row-major array of <paramref name="shape"/>.</summary>
    public static StridedView Contiguous(DeviceBuffer buffer, int[] shape) =>
        new(buffer, shape, RowMajorStrides(shape), 0);

    /// <summary>Underlying memory.</summary>
    public DeviceBuffer Buffer { get; }

    /// <summary>Extent of each dimension.</summary>
    public int[] Shape { get; }

    /// <summary>Element step of each dimension (0 = broadcast).</summary>
    public int[] Strides { get; }

    /// <summary>Element index of the first element.</summary>
    public int Offset { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>Number of elements the view addresses (with repetition for broadcast dims).</summary>
    public int Length => Product(Shape);

    /// <summary>True when the elements are the row-major run <c>[Offset, Offset + Length)</c>.</summary>
    public bool IsContiguous
    {
        get
        {
            int expected = 1;
            for (int d = Rank - 1; d >= 0; d--)
            {
                if (Shape[d] == 1) continue;
                if (Strides[d] != expected) return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    /// <summary>Smallest and largest buffer index the view touches (an empty view gives an empty range).</summary>
    internal (long Lo, long Hi) Reach()
    {
        if (Length == 0) return (0, -1);
        long lo = Offset, hi = Offset;
        for (int d = 0; d < Rank; d++)
        {
            long span = (long)(Shape[d] - 1) * Strides[d];
            if (span < 0) lo += span; else hi += span;
        }
        return (lo, hi);
    }

    /// <summary>True when two views of the same buffer may touch a common element.</summary>
    internal static bool Overlap(in StridedView a, in StridedView b)
    {
        if (!ReferenceEquals(a.Buffer, b.Buffer)) return false;
        var (la, ha) = a.Reach();
        var (lb, hb) = b.Reach();
        return la <= hb && lb <= ha;
    }

    /// <summary>Buffer index of the element at row-major position <paramref name="linear"/> (reference path).</summary>
    public int IndexOf(int linear)
    {
        int index = Offset;
        for (int d = Rank - 1; d >= 0; d--)
        {
            int extent = Shape[d];
            index += linear % extent * Strides[d];
            linear /= extent;
        }
        return index;
    }

    /// <summary>Row-major strides of <paramref name="shape"/>.</summary>
    public static int[] RowMajorStrides(int[] shape)
    {
        var strides = new int[shape.Length];
        int step = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = step;
            step *= shape[d];
        }
        return strides;
    }

    /// <summary>Product of the extents, checked for overflow.</summary>
    public static int Product(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int e in shape)
        {
            n *= e;
            if (n > int.MaxValue) throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] has more than {int.MaxValue} elements");
        }
        return (int)n;
    }
}
