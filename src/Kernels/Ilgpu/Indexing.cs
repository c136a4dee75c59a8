using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The indexing family along one axis: gather, and a scatter-add in which one thread owns each
/// destination line and adds in index order (deterministic, no atomics). An index out of range
/// raises the host's error flag; the host throws after the launch.
/// </summary>
internal sealed class Indexing(KernelHost host)
{
    /// <summary><c>destination[i] = source[..index[i]..]</c>, destination dense in the index's shape.</summary>
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        int n = index.Length;
        if (n == 0) return;
        // The source's own stride on the axis is replaced by the index value times it.
        Span<int> sourceStrides = stackalloc int[source.Rank];
        source.Strides.CopyTo(sourceStrides);
        sourceStrides[axis] = 0;
        var e = Walk.Of(index.Shape, index.Strides, index.Offset, sourceStrides, source.Offset, out var si, out var ss);
        var error = host.ClearedErrorFlag();
        switch (source.Buffer.DType)
        {
            case DType.Float32: Gather<float>(e, si, ss, source, axis, index.Buffer, destination, error, n); break;
            case DType.Float64: Gather<double>(e, si, ss, source, axis, index.Buffer, destination, error, n); break;
            default: Gather<int>(e, si, ss, source, axis, index.Buffer, destination, error, n); break;
        }
        host.ThrowOnError("gather", axis, source.Shape[axis]);
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
        var error = host.ClearedErrorFlag();
        switch (destination.Buffer.DType)
        {
            case DType.Float32: ScatterAdd<float>(e, sd, si, sx, along, destination.Buffer, index.Buffer, source.Buffer, error, lines); break;
            case DType.Float64: ScatterAdd<double>(e, sd, si, sx, along, destination.Buffer, index.Buffer, source.Buffer, error, lines); break;
            default: ScatterAdd<int>(e, sd, si, sx, along, destination.Buffer, index.Buffer, source.Buffer, error, lines); break;
        }
        host.ThrowOnError("scatter_add", axis, destination.Shape[axis]);
    }

    /// <summary>The scatter axis: the index's extent, the destination's size, and each operand's stride along it.</summary>
    internal readonly record struct Along(int Extent, int Size, int Destination, int Index, int Source);

    private void Gather<T>(Extents e, Strides si, Strides ss, in StridedView source, int axis, DeviceBuffer index, DeviceBuffer y, ArrayView<int> error, int n)
        where T : unmanaged =>
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, Strides, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<int>, int, int, int>(GatherKernel))
            (host.Spread(n), e, si, ss, KernelHost.View<T>(source.Buffer), KernelHost.View<int>(index), KernelHost.View<T>(y), error,
                source.Shape[axis], source.Strides[axis], n);

    private void ScatterAdd<T>(Extents e, Strides sd, Strides si, Strides sx, Along along, DeviceBuffer y, DeviceBuffer index, DeviceBuffer x,
        ArrayView<int> error, int lines) where T : unmanaged, INumberBase<T> =>
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, Strides, Strides, Along, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<int>, int>(ScatterAddKernel))
            (host.Spread(lines), e, sd, si, sx, along, KernelHost.View<T>(y), KernelHost.View<int>(index), KernelHost.View<T>(x), error, lines);

    private static void GatherKernel<T>(Extents e, Strides si, Strides ss, ArrayView<T> x, ArrayView<int> index, ArrayView<T> y,
        ArrayView<int> error, int size, int axisStride, int n) where T : unmanaged
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride)
        {
            var c = e.Split(i);
            int target = index[si.At(c)];
            if (target < 0 || target >= size)
            {
                error[0] = 1;
                y[i] = default;
                continue;
            }
            y[i] = x[ss.At(c) + target * axisStride];
        }
    }

    private static void ScatterAddKernel<T>(Extents e, Strides sd, Strides si, Strides sx, Along along,
        ArrayView<T> y, ArrayView<int> index, ArrayView<T> x, ArrayView<int> error, int lines) where T : unmanaged, INumberBase<T>
    {
        for (int line = Grid.GlobalIndex.X; line < lines; line += GridExtensions.GridStrideLoopStride)
        {
            var c = e.Split(line);
            int d0 = sd.At(c), i0 = si.At(c), x0 = sx.At(c);
            for (int k = 0; k < along.Extent; k++)
            {
                int target = index[i0 + k * along.Index];
                if (target < 0 || target >= along.Size)
                {
                    error[0] = 1;
                    continue;
                }
                y[d0 + target * along.Destination] += x[x0 + k * along.Source];
            }
        }
    }
}
