using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>A binary map or comparison on the host CPU, for one element type: its span forms and its scalar form.</summary>
internal interface IRowOp<T> where T : unmanaged
{
    /// <summary><c>y[i] = a[i] op b[i]</c>.</summary>
    static abstract void Spans(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y);

    /// <summary><c>y[i] = a[i] op b</c>.</summary>
    static abstract void SpanScalar(ReadOnlySpan<T> a, T b, Span<T> y);

    /// <summary><c>y[i] = a op b[i]</c>.</summary>
    static abstract void ScalarSpan(T a, ReadOnlySpan<T> b, Span<T> y);

    /// <summary><c>a op b</c>.</summary>
    static abstract T Scalar(T a, T b);
}

/// <summary>A binary op's own span forms.</summary>
internal readonly struct Arithmetic<T, TOp> : IRowOp<T> where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<TOp>
{
    public static void Spans(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TOp.Invoke(a, b, y);
    public static void SpanScalar(ReadOnlySpan<T> a, T b, Span<T> y) => TOp.Invoke(a, b, y);
    public static void ScalarSpan(T a, ReadOnlySpan<T> b, Span<T> y) => TOp.Invoke(a, b, y);
    public static T Scalar(T a, T b) => TOp.Invoke(a, b);
}

/// <summary>A comparison through its vector mask: 1 or 0 in the element type.</summary>
internal readonly struct Comparison<T, TOp> : IRowOp<T> where T : unmanaged, INumber<T> where TOp : struct, IComparison<TOp>
{
    public static void Spans(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => VectorMath.Map<T, VectorComparison<T, TOp>>(a, 1, b, 1, y);
    public static void SpanScalar(ReadOnlySpan<T> a, T b, Span<T> y) => VectorMath.Map<T, VectorComparison<T, TOp>>(a, 1, new ReadOnlySpan<T>(in b), 0, y);
    public static void ScalarSpan(T a, ReadOnlySpan<T> b, Span<T> y) => VectorMath.Map<T, VectorComparison<T, TOp>>(new ReadOnlySpan<T>(in a), 0, b, 1, y);
    public static T Scalar(T a, T b) => TOp.Test(a, b) ? T.One : T.Zero;
}

internal static partial class Elementwise
{
    /// <summary>
    /// <c>y[i] = a[i] op b[i]</c> by layout: contiguous spans, one long row split over the cores, a
    /// transposed operand gathered first, a short row repeated down a contiguous operand, rows with
    /// unit-stride or broadcast operands, and element by element for the rest.
    /// </summary>
    public static void Binary<T, TRow>(in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged where TRow : IRowOp<T>
    {
        int total = a.Length;
        T[] sa = CpuBuffer.ArrayOf<T>(a.Buffer), sb = CpuBuffer.ArrayOf<T>(b.Buffer), dst = CpuBuffer.ArrayOf<T>(y);
        if (a.IsContiguous && b.IsContiguous)
        {
            int ao0 = a.Offset, bo0 = b.Offset;
            if (total < Partition.ParallelElements) TRow.Spans(sa.AsSpan(ao0, total), sb.AsSpan(bo0, total), dst.AsSpan(0, total));
            else Partition.Elements(total, (lo, hi) => TRow.Spans(sa.AsSpan(ao0 + lo, hi - lo), sb.AsSpan(bo0 + lo, hi - lo), dst.AsSpan(lo, hi - lo)));
            return;
        }
        var plan = CpuLayout.Create(a.Shape, [a.Strides, b.Strides, StridedView.RowMajorStrides(a.Shape)], [a.Offset, b.Offset, 0]);
        int n = plan.Inner, as_ = plan.InnerStrides[0], bs = plan.InnerStrides[1];
        if (plan.OuterRank == 0 && total >= Partition.ParallelElements && (as_ | bs) <= 1)
        {
            // One long row (contiguous or scalar-broadcast operands): split it over the cores.
            int a0 = plan.Offsets[0], b0 = plan.Offsets[1], y0 = plan.Offsets[2];
            Partition.Elements(total, (lo, hi) =>
                BinaryRow<T, TRow>(sa, a0 + lo * as_, as_, sb, b0 + lo * bs, bs, dst.AsSpan(y0 + lo, hi - lo)));
            return;
        }
        if (total >= 4096 && (as_ > 1 || bs > 1) && (a.IsContiguous || b.IsContiguous) && NoBroadcast(a) && NoBroadcast(b))
        {
            // One operand is a permuted view (typically a transposed gradient): gather it with the
            // blocked transpose first, then run the contiguous kernel.
            var strided = a.IsContiguous ? b : a;
            T[] dense = ArrayPool<T>.Shared.Rent(total);
            try
            {
                Copy.Strided(CpuBuffer.ArrayOf<T>(strided.Buffer), strided.Shape, strided.Strides, strided.Offset, dense, StridedView.RowMajorStrides(strided.Shape), 0);
                var left = a.IsContiguous ? sa.AsSpan(a.Offset, total) : dense.AsSpan(0, total);
                var right = a.IsContiguous ? dense.AsSpan(0, total) : sb.AsSpan(b.Offset, total);
                TRow.Spans(left, right, dst.AsSpan(0, total));
            }
            finally
            {
                ArrayPool<T>.Shared.Return(dense);
            }
            return;
        }
        if (total >= 4096 && n < 256)
        {
            bool rowIsB = a.IsContiguous && bs == 1 && RepeatsOneRow(plan, 1);
            if (rowIsB || b.IsContiguous && as_ == 1 && RepeatsOneRow(plan, 0))
            {
                BinaryRepeatedRow<T, TRow>(rowIsB ? a : b, rowIsB ? b : a, rowIsB, dst, n);
                return;
            }
        }
        if (plan.OuterRank >= 1 && total >= Partition.ParallelElements && (as_ | bs) <= 1)
        {
            // Rows x inner with both inputs unit-stride or broadcast along the row (e.g. adding a
            // bias, per row or per channel plane): rows in parallel, each worker from its own first row.
            int a0 = plan.Offsets[0], b0 = plan.Offsets[1], y0 = plan.Offsets[2];
            Partition.Parallel(plan.Rows, (long)total * 4, (lo, hi) =>
            {
                for (int r = lo; r < hi; r++)
                    BinaryRow<T, TRow>(sa, plan.RowOffset(0, r, a0), as_, sb, plan.RowOffset(1, r, b0), bs, dst.AsSpan(plan.RowOffset(2, r, y0), n));
            });
            return;
        }
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            int ao = plan.Offsets[0], bo = plan.Offsets[1];
            Span<T> row = dst.AsSpan(plan.Offsets[2], n);
            if (as_ == 1 && bs == 1) TRow.Spans(sa.AsSpan(ao, n), sb.AsSpan(bo, n), row);
            else if (as_ == 1 && bs == 0) TRow.SpanScalar(sa.AsSpan(ao, n), sb[bo], row);
            else if (as_ == 0 && bs == 1) TRow.ScalarSpan(sa[ao], sb.AsSpan(bo, n), row);
            else if (as_ == 0 && bs == 0) row.Fill(TRow.Scalar(sa[ao], sb[bo]));
            else for (int i = 0; i < n; i++) row[i] = TRow.Scalar(sa[ao + i * as_], sb[bo + i * bs]);
        }
    }

    private static bool NoBroadcast(in StridedView v)
    {
        for (int d = 0; d < v.Shape.Length; d++)
            if (v.Strides[d] == 0 && v.Shape[d] > 1) return false;
        return true;
    }

    /// <summary>Whether view <paramref name="view"/> of the plan reads the same row for every outer index (a broadcast bias row).</summary>
    private static bool RepeatsOneRow(CpuLayout plan, int view)
    {
        for (int d = 0; d < plan.OuterRank; d++)
            if (plan.OuterStride(view, d) != 0) return false;
        return plan.OuterRank > 0;
    }

    /// <summary>
    /// A contiguous operand combined with one short row repeated down it (e.g. [10000, 50] + [50]):
    /// the row is tiled into a block of whole rows about a thousand elements long, so the kernel runs
    /// on long spans instead of paying its call overhead once per short row.
    /// </summary>
    private static void BinaryRepeatedRow<T, TRow>(in StridedView full, in StridedView row, bool rowIsB, T[] dst, int n) where T : unmanaged where TRow : IRowOp<T>
    {
        T[] src = CpuBuffer.ArrayOf<T>(full.Buffer), rowData = CpuBuffer.ArrayOf<T>(row.Buffer);
        int total = full.Length, rows = total / n, perBlock = Math.Max(1, 1024 / n), blocks = (rows + perBlock - 1) / perBlock;
        int fullAt = full.Offset, rowAt = row.Offset;
        T[] tiled = ArrayPool<T>.Shared.Rent(perBlock * n);
        try
        {
            for (int r = 0; r < perBlock; r++) rowData.AsSpan(rowAt, n).CopyTo(tiled.AsSpan(r * n, n));
            Partition.Parallel(blocks, (long)total * 4, (lo, hi) =>
            {
                for (int blk = lo; blk < hi; blk++)
                {
                    int r0 = blk * perBlock, len = (Math.Min(rows, r0 + perBlock) - r0) * n;
                    ReadOnlySpan<T> f = src.AsSpan(fullAt + r0 * n, len), t = tiled.AsSpan(0, len);
                    if (rowIsB) TRow.Spans(f, t, dst.AsSpan(r0 * n, len));
                    else TRow.Spans(t, f, dst.AsSpan(r0 * n, len));
                }
            });
        }
        finally
        {
            ArrayPool<T>.Shared.Return(tiled);
        }
    }

    /// <summary>One row of a broadcast binary op; each input is unit-stride (step 1) or one repeated element (step 0).</summary>
    private static void BinaryRow<T, TRow>(T[] sa, int ao, int as_, T[] sb, int bo, int bs, Span<T> row) where T : unmanaged where TRow : IRowOp<T>
    {
        int n = row.Length;
        if (as_ == 1 && bs == 1) TRow.Spans(sa.AsSpan(ao, n), sb.AsSpan(bo, n), row);
        else if (as_ == 1) TRow.SpanScalar(sa.AsSpan(ao, n), sb[bo], row);
        else if (bs == 1) TRow.ScalarSpan(sa[ao], sb.AsSpan(bo, n), row);
        else row.Fill(TRow.Scalar(sa[ao], sb[bo]));
    }
}
