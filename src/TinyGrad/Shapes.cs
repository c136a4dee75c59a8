namespace TinyGrad;

/// <summary>Shape arithmetic shared by the ops: broadcasting, axis normalisation, formatting.</summary>
internal static class Shapes
{
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static int Numel(ReadOnlySpan<int> shape) => Kernels.StridedView.Product(shape);

    /// <summary>NumPy broadcasting of two shapes; throws naming the op and both shapes.</summary>
    public static int[] Broadcast(int[] a, int[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (dimension {i}: {da} vs {db})");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Maps a possibly negative axis into [0, rank).</summary>
    public static int Axis(int axis, int rank, string op)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1) || (rank == 0 && a != 0))
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"{op}: axis {axis} is out of range for a tensor of rank {rank}");
        return a;
    }

    /// <summary>Sorted, de-duplicated, non-negative axes; an empty list means every axis.</summary>
    public static bool[] AxisMask(ReadOnlySpan<int> axes, int rank, string op)
    {
        var mask = new bool[rank];
        if (axes.Length == 0)
        {
            Array.Fill(mask, true);
            return mask;
        }
        foreach (int axis in axes)
        {
            int a = Axis(axis, rank, op);
            if (mask[a]) throw new ArgumentException($"{op}: axis {axis} appears twice");
            mask[a] = true;
        }
        return mask;
    }

    /// <summary>
    /// Strides that let a tensor of (shape, strides) be read as <paramref name="newShape"/> without a
    /// copy, or null when the memory layout does not allow it (the rule PyTorch's view uses).
    /// </summary>
    public static int[]? ViewStrides(int[] shape, int[] strides, int[] newShape)
    {
        var result = new int[newShape.Length];
        if (shape.Length == 0 || Numel(shape) == 0) return Kernels.StridedView.RowMajorStrides(newShape);
        int view = newShape.Length - 1;
        int chunkBase = strides.Length == 0 ? 1 : strides[^1];
        long tensorElems = 1, viewElems = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            tensorElems *= shape[d];
            // A chunk of dims that are contiguous with each other ends here.
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorElems * chunkBase))
            {
                while (view >= 0 && (viewElems < tensorElems || newShape[view] == 1))
                {
                    result[view] = (int)(viewElems * chunkBase);
                    viewElems *= newShape[view];
                    view--;
                }
                if (viewElems != tensorElems) return null;
                if (d > 0)
                {
                    chunkBase = strides[d - 1];
                    tensorElems = 1;
                    viewElems = 1;
                }
            }
        }
        if (view != -1) return null;
        return result;
    }
}
