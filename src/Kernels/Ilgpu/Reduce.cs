using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The reduce family: sum and max over any set of axes, and argmax along one. Every order of
/// combination is fixed by the launch shape, never by timing, so results are deterministic.
/// </summary>
internal sealed class Reduce(KernelHost host)
{
    /// <summary>Below this many elements per output one thread folds them in order.</summary>
    private const int SerialLimit = 64;

    /// <summary>Reduces <paramref name="x"/> into <paramref name="y"/> (extent 1 on every reduced axis).</summary>
    public void Run<T>(ReduceOp op, in StridedView x, in StridedView y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = x.Rank;
        Span<int> keptShape = stackalloc int[rank], keptX = stackalloc int[rank], keptY = stackalloc int[rank];
        Span<int> innerShape = stackalloc int[rank], innerX = stackalloc int[rank];
        int kept = 0, reduced = 0;
        for (int d = 0; d < rank; d++)
        {
            if (y.Shape[d] == 1 && x.Shape[d] != 1) (innerShape[reduced], innerX[reduced++]) = (x.Shape[d], x.Strides[d]);
            else (keptShape[kept], keptX[kept], keptY[kept++]) = (x.Shape[d], x.Strides[d], y.Strides[d]);
        }
        var outer = Walk.Of(keptShape[..kept], keptX[..kept], x.Offset, keptY[..kept], y.Offset, out var xo, out var yo);
        var inner = Walk.Of(innerShape[..reduced], innerX[..reduced], 0, out var xi);
        int outputs = y.Length, count = StridedView.Product(innerShape[..reduced]);
        if (outputs == 0) return;
        Run<T>(op, outer, xo, yo, inner, xi, x.Buffer, y.Buffer, outputs, count);
    }

    private void Run<T>(ReduceOp op, Extents outer, Strides xo, Strides yo, Extents inner, Strides xi, DeviceBuffer x, DeviceBuffer y, int outputs, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (count <= SerialLimit)
        {
            host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, Strides, Extents, Strides, ArrayView<T>, ArrayView<T>, int, int, int>(SerialKernel))
                (host.Spread(outputs), outer, xo, yo, inner, xi, KernelHost.View<T>(x), KernelHost.View<T>(y), outputs, count, (int)op);
            return;
        }
        // Few outputs over many elements: split each into chunks reduced by groups of their own (at
        // least 16 elements per thread), then fold the chunks. The split depends on the sizes and
        // the device only, so every run gives the same result.
        int group = host.ReduceGroup;
        int chunks = Math.Clamp(host.ReduceGroups / outputs, 1, Math.Max(1, count / (group * 16)));
        if (chunks == 1)
        {
            Grouped<T>(op, outputs, count, 1, count, outer, xo, yo, inner, xi, KernelHost.View<T>(x), KernelHost.View<T>(y));
            return;
        }
        int chunkLength = (count + chunks - 1) / chunks;
        chunks = (count + chunkLength - 1) / chunkLength;
        using var partial = host.Temporary<T>(outputs * chunks);
        var partialView = KernelHost.View<T>(partial);
        Grouped<T>(op, outputs, count, chunks, chunkLength, outer, xo, default, inner, xi, KernelHost.View<T>(x), partialView);
        // Second pass: output j folds its row of chunks (partial is dense, row j at j * chunks).
        var row = Walk.Dense(chunks, out var rc);
        Grouped<T>(op, outputs, chunks, 1, chunks, outer, Walk.DenseStrides(outer, chunks), yo, row, rc, partialView, KernelHost.View<T>(y));
    }

    private void Grouped<T>(ReduceOp op, int outputs, int count, int chunks, int chunkLength, Extents outer, Strides xo, Strides yo, Extents inner, Strides xi,
        ArrayView<T> x, ArrayView<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int group = host.ReduceGroup;
        var config = new KernelConfig(new Index1D(outputs * chunks), new Index1D(group), SharedMemoryConfig.RequestDynamic<T>(group));
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, Strides, Extents, Strides, ArrayView<T>, ArrayView<T>, int, int, int, int>(GroupKernel))
            (config, outer, xo, yo, inner, xi, x, y, count, chunks, chunkLength, (int)op);
    }

    /// <summary>Index of the first largest element along <paramref name="axis"/> (NaN counts as largest).</summary>
    public void ArgMax<T>(in StridedView x, int axis, in StridedView indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = indices.Length;
        if (n == 0) return;
        int rank = x.Rank;
        Span<int> shape = stackalloc int[rank], xs = stackalloc int[rank], ys = stackalloc int[rank];
        int k = 0;
        for (int d = 0; d < rank; d++)
            if (d != axis) (shape[k], xs[k], ys[k++]) = (x.Shape[d], x.Strides[d], indices.Strides[d]);
        var e = Walk.Of(shape[..k], xs[..k], x.Offset, ys[..k], indices.Offset, out var sx, out var si);
        ArgMax<T>(e, sx, si, x, axis, indices.Buffer, n);
    }

    private void ArgMax<T>(Extents e, Strides sx, Strides si, in StridedView x, int axis, DeviceBuffer indices, int n)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, Strides, ArrayView<T>, ArrayView<int>, int, int, int>(ArgMaxKernel))
            (host.Spread(n), e, sx, si, KernelHost.View<T>(x.Buffer), KernelHost.View<int>(indices), x.Shape[axis], x.Strides[axis], n);

    private static T Combine<T>(T a, T b, int op) where T : unmanaged, IFloatingPointIeee754<T> =>
        op == (int)ReduceOp.Sum ? a + b : ScalarMath.Max(a, b);

    private static T Identity<T>(int op) where T : unmanaged, IFloatingPointIeee754<T> =>
        op == (int)ReduceOp.Sum ? T.Zero : T.NegativeInfinity;

    private static void SerialKernel<T>(Extents outer, Strides xo, Strides yo, Extents inner, Strides xi,
        ArrayView<T> x, ArrayView<T> y, int outputs, int count, int op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = Grid.GlobalIndex.X; j < outputs; j += GridExtensions.GridStrideLoopStride)
        {
            var at = outer.Split(j);
            int from = xo.At(at);
            T acc = Identity<T>(op);
            for (int k = 0; k < count; k++) acc = Combine(acc, x[from + xi.At(inner.Split(k))], op);
            y[yo.At(at)] = acc;
        }
    }

    /// <summary>
    /// One group per (output, chunk): each thread folds a strided share of the chunk, then a tree in
    /// shared memory combines the shares. With one chunk the result goes to y through yo, else to
    /// y[group index] (the partial sums, dense).
    /// </summary>
    private static void GroupKernel<T>(Extents outer, Strides xo, Strides yo, Extents inner, Strides xi,
        ArrayView<T> x, ArrayView<T> y, int count, int chunks, int chunkLength, int op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scratch = SharedMemory.GetDynamic<T>();
        int g = Grid.IdxX, lid = Group.IdxX, size = Group.DimX;
        int j = g / chunks, begin = g % chunks * chunkLength, end = Math.Min(count, begin + chunkLength);
        var at = outer.Split(j);
        int from = xo.At(at);
        T acc = Identity<T>(op);
        for (int k = begin + lid; k < end; k += size) acc = Combine(acc, x[from + xi.At(inner.Split(k))], op);
        scratch[lid] = acc;
        Group.Barrier();
        for (int width = size / 2; width > 0; width /= 2)
        {
            if (lid < width) scratch[lid] = Combine(scratch[lid], scratch[lid + width], op);
            Group.Barrier();
        }
        if (lid == 0) y[chunks == 1 ? yo.At(at) : g] = scratch[0];
    }

    private static void ArgMaxKernel<T>(Extents e, Strides sx, Strides si, ArrayView<T> x, ArrayView<int> indices,
        int extent, int stride, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = Grid.GlobalIndex.X; j < n; j += GridExtensions.GridStrideLoopStride)
        {
            var at = e.Split(j);
            int from = sx.At(at), best = 0;
            T bestValue = x[from];
            for (int k = 1; k < extent; k++)
            {
                T v = x[from + k * stride];
                // ScalarMath.Beats written out: called, it cost ptxas one more register in Float64 (18 -> 19).
                if (v > bestValue || (T.IsNaN(v) && !T.IsNaN(bestValue)))
                {
                    best = k;
                    bestValue = v;
                }
            }
            indices[si.At(at)] = best;
        }
    }
}
