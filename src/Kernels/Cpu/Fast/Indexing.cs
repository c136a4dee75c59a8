using System.Numerics;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The indexing family: gather and scatter-add walking the index view with a second walker over
/// the data. Scatter-add keeps the reference's accumulation order (rows along the last axis in
/// parallel, each in order); Int32 data goes to the reference (see <see cref="CpuBackend.Fallbacks"/>).
/// </summary>
internal static class Indexing
{
    /// <summary><c>destination[i] = source[..index[i]..]</c>, the destination contiguous in the index's shape.</summary>
    public static void Gather<T>(in StridedView source, int axis, in StridedView index, DeviceBuffer destination) where T : unmanaged =>
        GatherT(source, axis, index, CpuBuffer.ArrayOf<T>(destination));

    /// <summary><c>destination[..index[i]..] += source[i]</c> (the backend sends Int32 data to the reference).</summary>
    public static void ScatterAdd<T>(in StridedView destination, int axis, in StridedView index, in StridedView source) where T : unmanaged, INumber<T> =>
        ScatterAddT<T>(destination, axis, index, source);

    /// <summary>
    /// Walks the index view row-major with a second walker over the data view whose axis stride is
    /// zeroed: the axis coordinate comes from the index value instead.
    /// </summary>
    private static CpuLayout IndexWalk(in StridedView data, int axis, in StridedView index, in StridedView other)
    {
        int[] dataStrides = (int[])data.Strides.Clone();
        dataStrides[axis] = 0;
        return CpuLayout.Create(index.Shape, [index.Strides, dataStrides, other.Strides], [index.Offset, data.Offset, other.Offset], merge: false);
    }

    private static ArgumentOutOfRangeException IndexOutOfRange(int target, int axis, int size, string what) =>
        new("index", target, $"{what}: index {target} out of range for dimension {axis} of size {size}");

    private static void GatherT<T>(in StridedView source, int axis, in StridedView index, T[] dst) where T : unmanaged
    {
        T[] src = CpuBuffer.ArrayOf<T>(source.Buffer);
        int[] idx = CpuBuffer.ArrayOf<int>(index.Buffer);
        var plan = IndexWalk(source, axis, index, index);
        int n = plan.Inner, istep = plan.InnerStrides[0], sstep = plan.InnerStrides[1];
        int size = source.Shape[axis], axisStride = source.Strides[axis];
        for (int r = 0, o = 0; r < plan.Rows; r++, plan.Next())
        {
            int io = plan.Offsets[0], so = plan.Offsets[1];
            for (int i = 0; i < n; i++, o++)
            {
                int target = idx[io + i * istep];
                if ((uint)target >= (uint)size) throw IndexOutOfRange(target, axis, size, "gather");
                dst[o] = src[so + i * sstep + target * axisStride];
            }
        }
    }

    /// <inheritdoc />
    private static void ScatterAddT<T>(in StridedView destination, int axis, in StridedView index, in StridedView source)
        where T : unmanaged, INumber<T>
    {
        T[] dst = CpuBuffer.ArrayOf<T>(destination.Buffer), src = CpuBuffer.ArrayOf<T>(source.Buffer);
        int[] idx = CpuBuffer.ArrayOf<int>(index.Buffer);
        var plan = IndexWalk(destination, axis, index, source);
        int n = plan.Inner, istep = plan.InnerStrides[0], dstep = plan.InnerStrides[1], sstep = plan.InnerStrides[2];
        int size = destination.Shape[axis], axisStride = destination.Strides[axis];
        if (axis == destination.Shape.Length - 1 && plan.Rows > 1 && index.Length >= 1 << 15)
        {
            // Scattering along the last axis, each row of the walk targets its own destination line
            // (e.g. a gather's backward along the last axis): rows in parallel, each in order.
            var rows = plan;
            Partition.Parallel(plan.Rows, (long)index.Length * 4, (lo, hi) =>
            {
                for (int r = lo; r < hi; r++)
                {
                    int io = rows.RowOffset(0, r, rows.Offsets[0]), d0 = rows.RowOffset(1, r, rows.Offsets[1]), so = rows.RowOffset(2, r, rows.Offsets[2]);
                    ScatterLine(dst, d0, dstep, axisStride, size, src, so, sstep, idx, io, istep, n, axis);
                }
            });
            return;
        }
        // Sequential in the index's row-major order: the same accumulation order as the reference.
        for (int r = 0; r < plan.Rows; r++, plan.Next())
            ScatterLine(dst, plan.Offsets[1], dstep, axisStride, size, src, plan.Offsets[2], sstep, idx, plan.Offsets[0], istep, n, axis);
    }

    private static void ScatterLine<T>(T[] dst, int d0, int dstep, int axisStride, int size, T[] src, int so, int sstep, int[] idx, int io, int istep, int n, int axis)
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < n; i++)
        {
            int target = idx[io + i * istep];
            if ((uint)target >= (uint)size) throw IndexOutOfRange(target, axis, size, "scatter_add");
            dst[d0 + i * dstep + target * axisStride] += src[so + i * sstep];
        }
    }

}
