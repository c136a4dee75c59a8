namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// Walks several equally shaped views row by row: the innermost dimension is the row, the outer
/// dimensions advance an odometer that keeps one running buffer offset per view. Dimensions that
/// every view can merge (stride[d] == stride[d+1] * extent[d+1]) are fused first, so a contiguous
/// or broadcast-row layout becomes a few long rows instead of many short ones.
/// </summary>
internal sealed class CpuLayout
{
    private readonly int[] _outerShape;
    private readonly int[][] _outerStrides;
    private readonly int[] _coord;

    /// <summary>Running buffer offset of the current row's first element, one per view.</summary>
    public readonly int[] Offsets;

    /// <summary>Element step inside a row, one per view.</summary>
    public readonly int[] InnerStrides;

    /// <summary>Elements per row.</summary>
    public readonly int Inner;

    /// <summary>Number of rows.</summary>
    public readonly int Rows;

    /// <summary>Number of outer (odometer) dimensions after merging.</summary>
    public int OuterRank => _outerShape.Length;

    /// <summary>Step of view <paramref name="view"/> along outer dimension <paramref name="d"/>.</summary>
    public int OuterStride(int view, int d) => _outerStrides[view][d];

    private CpuLayout(int[] outerShape, int[][] outerStrides, int[] offsets, int[] innerStrides, int inner)
    {
        _outerShape = outerShape;
        _outerStrides = outerStrides;
        _coord = new int[outerShape.Length];
        Offsets = offsets;
        InnerStrides = innerStrides;
        Inner = inner;
        int rows = 1;
        foreach (int e in outerShape) rows *= e;
        Rows = rows;
    }

    /// <summary>Plans a walk over <paramref name="shape"/>; <paramref name="merge"/> = false keeps every dimension as given.</summary>
    public static CpuLayout Create(int[] shape, int[][] strides, int[] offsets, bool merge = true)
    {
        int views = strides.Length;
        var dims = new List<(int Extent, int[] Strides)>(shape.Length);
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int e = shape[d];
            if (merge && e == 1) continue;
            if (merge && dims.Count > 0)
            {
                var (lastExtent, lastStrides) = dims[^1];
                bool fuse = true;
                for (int v = 0; v < views && fuse; v++)
                    fuse = (long)lastStrides[v] * lastExtent == strides[v][d];
                if (fuse)
                {
                    dims[^1] = (lastExtent * e, lastStrides);
                    continue;
                }
            }
            var s = new int[views];
            for (int v = 0; v < views; v++) s[v] = strides[v][d];
            dims.Add((e, s));
        }
        if (dims.Count == 0) dims.Add((1, new int[views]));
        dims.Reverse();
        int outer = dims.Count - 1;
        var outerShape = new int[outer];
        var outerStrides = new int[views][];
        for (int v = 0; v < views; v++) outerStrides[v] = new int[outer];
        for (int d = 0; d < outer; d++)
        {
            outerShape[d] = dims[d].Extent;
            for (int v = 0; v < views; v++) outerStrides[v][d] = dims[d].Strides[v];
        }
        return new CpuLayout(outerShape, outerStrides, (int[])offsets.Clone(), dims[^1].Strides, dims[^1].Extent);
    }

    /// <summary>Plans a walk over the given views (all of the first view's shape).</summary>
    public static CpuLayout Of(params StridedView[] views)
    {
        var strides = new int[views.Length][];
        var offsets = new int[views.Length];
        for (int v = 0; v < views.Length; v++)
        {
            strides[v] = views[v].Strides;
            offsets[v] = views[v].Offset;
        }
        return Create(views[0].Shape, strides, offsets);
    }

    /// <summary>
    /// Buffer offset of view <paramref name="view"/> at the start of row <paramref name="row"/>, counted
    /// from the plan's first row (<paramref name="start"/> = that row's offset); lets workers start anywhere.
    /// </summary>
    public int RowOffset(int view, int row, int start)
    {
        int offset = start;
        for (int d = _outerShape.Length - 1; d >= 0 && row > 0; d--)
        {
            int extent = _outerShape[d];
            offset += row % extent * _outerStrides[view][d];
            row /= extent;
        }
        return offset;
    }

    /// <summary>Moves the offsets to the next row (row-major order).</summary>
    public void Next()
    {
        for (int d = _outerShape.Length - 1; d >= 0; d--)
        {
            int views = Offsets.Length;
            if (++_coord[d] < _outerShape[d])
            {
                for (int v = 0; v < views; v++) Offsets[v] += _outerStrides[v][d];
                return;
            }
            _coord[d] = 0;
            for (int v = 0; v < views; v++) Offsets[v] -= _outerStrides[v][d] * (_outerShape[d] - 1);
        }
    }

    /// <summary>
    /// True when writing <paramref name="output"/> (a contiguous run from 0 of <paramref name="length"/>
    /// elements) while reading <paramref name="input"/> is safe for an elementwise kernel: different
    /// buffers, or the input is exactly that run.
    /// </summary>
    public static bool SafeInPlace(in StridedView input, DeviceBuffer output, int length)
    {
        if (!ReferenceEquals(input.Buffer, output)) return true;
        return input.Offset == 0 && input.IsContiguous || length == 0;
    }
}
