using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The indexing family along one axis: gather, and a scatter-add in which one thread owns each
/// destination line and adds in index order (deterministic, no atomics). A checked launch skips an
/// index out of range and leaves its op, axis and size in the host's index-error record, which the
/// host throws at its next download or synchronize; nothing waits for the launch. Indices the
/// engine made itself (max pooling's, gathered by its double backward) are in range by
/// construction and go unchecked.
/// </summary>
internal sealed class Indexing(KernelHost host)
{
    /// <summary><c>destination[i] = source[..index[i]..]</c>, destination dense in the index's shape.</summary>
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination, bool check)
    {
        int n = index.Length;
        if (n == 0) return;
        // The source's own stride on the axis is replaced by the index value times it.
        Span<int> sourceStrides = stackalloc int[source.Rank];
        source.Strides.CopyTo(sourceStrides);
        sourceStrides[axis] = 0;
        var e = Walk.Of(index.Shape, index.Strides, index.Offset, sourceStrides, source.Offset, out var si, out var ss);
        var error = new Check(check ? IndexError.Gather : IndexError.Unchecked, axis, host.IndexErrorRecord(check));
        switch (source.Buffer.DType)
        {
            case DType.Float32: Gather<float>(e, si, ss, source, axis, index.Buffer, destination, error, n); break;
            case DType.Float64: Gather<double>(e, si, ss, source, axis, index.Buffer, destination, error, n); break;
            default: Gather<int>(e, si, ss, source, axis, index.Buffer, destination, error, n); break;
        }
    }

    /// <summary><c>destination[..index[i]..] += source[i]</c>.</summary>
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        int extent = index.Shape[axis];
        int lines = extent == 0 ? 0 : index.Length / extent;
        if (lines == 0) return;
        // The walk covers every axis but the scatter axis; the kernel steps along that one itself.
        int rank = index.Rank, k = 0;
        Span<int> shape = stackalloc int[rank], ds = stackalloc int[rank], xs = stackalloc int[rank], ss = stackalloc int[rank];
        for (int d = 0; d < rank; d++)
            if (d != axis) (shape[k], ds[k], xs[k], ss[k++]) = (index.Shape[d], destination.Strides[d], index.Strides[d], source.Strides[d]);
        var e = Walk.Of(shape[..k], ds[..k], destination.Offset, xs[..k], index.Offset, ss[..k], source.Offset, out var sd, out var si, out var sx);
        var along = new Along(extent, destination.Shape[axis], destination.Strides[axis], index.Strides[axis], source.Strides[axis]);
        var error = new Check(IndexError.ScatterAdd, axis, host.IndexErrorRecord(true));
        switch (destination.Buffer.DType)
        {
            case DType.Float32: ScatterAdd<float>(e, sd, si, sx, along, destination.Buffer, index.Buffer, source.Buffer, error, lines); break;
            case DType.Float64: ScatterAdd<double>(e, sd, si, sx, along, destination.Buffer, index.Buffer, source.Buffer, error, lines); break;
            default: ScatterAdd<int>(e, sd, si, sx, along, destination.Buffer, index.Buffer, source.Buffer, error, lines); break;
        }
    }

    /// <summary>The scatter axis: the index's extent, the destination's size, and each operand's stride along it.</summary>
    internal readonly record struct Along(int Extent, int Size, int Destination, int Index, int Source);

    /// <summary>How a launch checks its indices: the op it reports (<see cref="IndexError.Unchecked"/>: none), its axis, and the record.</summary>
    internal readonly record struct Check(int Op, int Axis, ArrayView<int> Record)
    {
        /// <summary>Whether <paramref name="target"/> must be skipped: it is out of <c>[0, size)</c> and checked (then it is recorded).</summary>
        public bool Rejects(int target, int size)
        {
            if (Op == IndexError.Unchecked || (uint)target < (uint)size) return false;
            IndexError.Raise(Record, Op, Axis, size);
            return true;
        }
    }

    private void Gather<T>(Extents e, Strides si, Strides ss, in StridedView source, int axis, DeviceBuffer index, DeviceBuffer y, Check error, int n)
        where T : unmanaged =>
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, Strides, ArrayView<T>, ArrayView<int>, ArrayView<T>, Check, int, int, int>(GatherKernel))
            (host.Spread(n), e, si, ss, KernelHost.View<T>(source.Buffer), KernelHost.View<int>(index), KernelHost.View<T>(y), error,
                source.Shape[axis], source.Strides[axis], n);

    private void ScatterAdd<T>(Extents e, Strides sd, Strides si, Strides sx, Along along, DeviceBuffer y, DeviceBuffer index, DeviceBuffer x,
        Check error, int lines) where T : unmanaged, INumberBase<T> =>
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, Strides, Strides, Along, ArrayView<T>, ArrayView<int>, ArrayView<T>, Check, int>(ScatterAddKernel))
            (host.Spread(lines), e, sd, si, sx, along, KernelHost.View<T>(y), KernelHost.View<int>(index), KernelHost.View<T>(x), error, lines);

    private static void GatherKernel<T>(Extents e, Strides si, Strides ss, ArrayView<T> x, ArrayView<int> index, ArrayView<T> y,
        Check error, int size, int axisStride, int n) where T : unmanaged
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride)
        {
            var c = e.Split(i);
            int target = index[si.At(c)];
            if (error.Rejects(target, size))
            {
                y[i] = default;
                continue;
            }
            y[i] = x[ss.At(c) + target * axisStride];
        }
    }

    private static void ScatterAddKernel<T>(Extents e, Strides sd, Strides si, Strides sx, Along along,
        ArrayView<T> y, ArrayView<int> index, ArrayView<T> x, Check error, int lines) where T : unmanaged, INumberBase<T>
    {
        for (int line = Grid.GlobalIndex.X; line < lines; line += GridExtensions.GridStrideLoopStride)
        {
            var c = e.Split(line);
            int d0 = sd.At(c), i0 = si.At(c), x0 = sx.At(c);
            for (int k = 0; k < along.Extent; k++)
            {
                int target = index[i0 + k * along.Index];
                if (error.Rejects(target, along.Size)) continue;
                y[d0 + target * along.Destination] += x[x0 + k * along.Source];
            }
        }
    }
}

/// <summary>
/// The index-error record a checked indexing launch leaves for the host: <c>[op, axis, size]</c> of
/// its first index out of range. Every thread of a launch writes the same values and launches run in
/// order, so the record keeps the first failing launch until the host reads and clears it.
/// </summary>
internal static class IndexError
{
    /// <summary>Ints in the record.</summary>
    public const int Length = 3;

    /// <summary>The op code of an empty record, and of a launch that does not check.</summary>
    public const int None = 0, Unchecked = 0;

    /// <summary>The op codes.</summary>
    public const int Gather = 1, ScatterAdd = 2;

    /// <summary>Records an error unless an earlier launch's is there (op last: the host reads the record only after the launch).</summary>
    public static void Raise(ArrayView<int> record, int op, int axis, int size)
    {
        if (record[0] != None) return;
        record[1] = axis;
        record[2] = size;
        record[0] = op;
    }

    /// <summary>The exception for a record read back: the op, the dimension and its size.</summary>
    public static ArgumentOutOfRangeException Exception(ReadOnlySpan<int> record) => new("index",
        $"{(record[0] == Gather ? "gather" : "scatter_add")}: an index is out of range for dimension {record[1]} of size {record[2]} " +
        "(found on the device during an earlier call and reported at the next download or synchronize, as CUDA reports device-side errors)");
}
