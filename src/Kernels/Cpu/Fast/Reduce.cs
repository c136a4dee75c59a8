using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>How <see cref="Reduce.Run"/> sees a reduction: [outer][mid][inner] with mid reduced, or with <see cref="Split"/>, [mid][outer][inner] with mid and inner reduced.</summary>
internal readonly record struct ReducePlan(int Outer, int Mid, int Inner, bool Split);

/// <summary>
/// The reduce family: sums with vector accumulators in a fixed order, NaN-propagating max, and
/// argmax, rows or output ranges split over the cores. Axis patterns other than those of
/// <see cref="ReducePlan"/> go to the reference (see <see cref="CpuBackend.Fallbacks"/>).
/// </summary>
internal static class Reduce
{
    /// <summary>The plan for reducing x into y, or null when this family does not handle it (empty x, strided or overlapping y, other axis patterns).</summary>
    public static ReducePlan? Plan(in StridedView x, in StridedView y)
    {
        if (x.Length == 0 || !y.IsContiguous || StridedView.Overlap(x, y)
            || !SplitReduction(x.Shape, y.Shape, out int outer, out int mid, out int inner, out bool split))
            return null;
        return new ReducePlan(outer, mid, inner, split);
    }

    /// <summary>Reduces x into contiguous y as <paramref name="plan"/> says.</summary>
    public static void Run<T>(ReduceOp op, in StridedView x, in StridedView y, ReducePlan plan) where T : unmanaged, IFloatingPointIeee754<T> =>
        Staged<T>(op, x, y, plan.Outer, plan.Mid, plan.Inner, plan.Split);

    /// <summary>
    /// Merges x's axes (extent-1 axes dropped) into alternating kept/reduced groups. Handles
    /// [kept][reduced][kept] (any group may be empty) as outer/mid/inner, and [reduced][kept][reduced]
    /// as mid/outer/inner with <paramref name="split"/> = true; other patterns return false.
    /// </summary>
    private static bool SplitReduction(int[] xs, int[] ys, out int outer, out int mid, out int inner, out bool split)
    {
        Span<int> extents = stackalloc int[3];
        Span<bool> reducedGroup = stackalloc bool[3];
        int count = 0;
        outer = mid = inner = 1;
        split = false;
        for (int d = 0; d < xs.Length; d++)
        {
            if (xs[d] == 1) continue;
            bool reduced = ys[d] == 1;
            if (count > 0 && reducedGroup[count - 1] == reduced) extents[count - 1] *= xs[d];
            else
            {
                if (count == 3) return false;
                reducedGroup[count] = reduced;
                extents[count++] = xs[d];
            }
        }
        if (count == 3 && reducedGroup[0])
        {
            (mid, outer, inner, split) = (extents[0], extents[1], extents[2], true);
            return true;
        }
        int g = 0;
        if (g < count && !reducedGroup[g]) outer = extents[g++];
        if (g < count && reducedGroup[g]) mid = extents[g++];
        if (g < count) inner = extents[g++];
        return g == count;
    }

    /// <summary>A strided x is first gathered into contiguous scratch: one pass, after which every row is a span.</summary>
    private static void Staged<T>(ReduceOp op, in StridedView x, in StridedView y, int outer, int mid, int inner, bool split)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsContiguous)
        {
            ReduceArray(op, CpuBuffer.ArrayOf<T>(x.Buffer), x.Offset, y, outer, mid, inner, split);
            return;
        }
        T[] scratch = ArrayPool<T>.Shared.Rent(x.Length);
        try
        {
            Copy.Strided(CpuBuffer.ArrayOf<T>(x.Buffer), x.Shape, x.Strides, x.Offset, scratch, StridedView.RowMajorStrides(x.Shape), 0);
            ReduceArray(op, scratch, 0, y, outer, mid, inner, split);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }

    private static void ReduceArray<T>(ReduceOp op, T[] src, int xo, in StridedView y, int outer, int mid, int inner, bool split)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] dst = CpuBuffer.ArrayOf<T>(y.Buffer);
        int yo = y.Offset;
        bool max = op == ReduceOp.Max;
        if (split)
        {
            // [mid][outer][inner] with mid and inner reduced (per-channel statistics of NCHW data):
            // each output reduces its inner rows, then combines them in mid order.
            Partition.Parallel(outer, (long)outer * mid * inner, (lo, hi) =>
            {
                for (int k = lo; k < hi; k++)
                {
                    T acc = max ? T.NegativeInfinity : T.Zero;
                    for (int r = 0; r < mid; r++)
                    {
                        var row = new ReadOnlySpan<T>(src, xo + (r * outer + k) * inner, inner);
                        acc = max ? T.Max(acc, RowMax(row)) : acc + RowSum(row);
                    }
                    dst[yo + k] = acc;
                }
            });
            return;
        }
        if (inner == 1)
        {
            // Row reductions: one output per contiguous row of mid elements.
            Partition.Parallel(outer, (long)outer * mid, (lo, hi) =>
            {
                for (int o = lo; o < hi; o++)
                {
                    var row = new ReadOnlySpan<T>(src, xo + o * mid, mid);
                    dst[yo + o] = max ? RowMax(row) : RowSum(row);
                }
            });
            return;
        }
        // Column reductions: each output row accumulates the mid input rows in order (as the reference does).
        Partition.Parallel(outer, (long)outer * mid * inner, (lo, hi) =>
        {
            for (int o = lo; o < hi; o++)
            {
                var acc = new Span<T>(dst, yo + o * inner, inner);
                int start = xo + o * mid * inner;
                new ReadOnlySpan<T>(src, start, inner).CopyTo(acc);
                for (int r = 1; r < mid; r++)
                {
                    var row = new ReadOnlySpan<T>(src, start + r * inner, inner);
                    if (max) MaxInto(acc, row); else AddInto(acc, row);
                }
            }
        });
    }

    /// <summary>Sum with four vector accumulators in a fixed order (independent of alignment).</summary>
    internal static T RowSum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, i = 0, w = Vector<T>.Count;
        ref T r = ref MemoryMarshal.GetReference(x);
        Vector<T> s0 = Vector<T>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (; i <= n - 4 * w; i += 4 * w)
        {
            s0 += Vector.LoadUnsafe(ref r, (nuint)i);
            s1 += Vector.LoadUnsafe(ref r, (nuint)(i + w));
            s2 += Vector.LoadUnsafe(ref r, (nuint)(i + 2 * w));
            s3 += Vector.LoadUnsafe(ref r, (nuint)(i + 3 * w));
        }
        for (; i <= n - w; i += w) s0 += Vector.LoadUnsafe(ref r, (nuint)i);
        T sum = Vector.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++) sum += Unsafe.Add(ref r, i);
        return sum;
    }

    /// <summary>Largest element; NaN if any element is NaN.</summary>
    internal static T RowMax<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, i = 0, w = Vector<T>.Count;
        ref T r = ref MemoryMarshal.GetReference(x);
        T best = T.NegativeInfinity;
        bool nan = false;
        if (n >= w)
        {
            Vector<T> m = new(T.NegativeInfinity), bad = Vector<T>.Zero;
            for (; i <= n - w; i += w)
            {
                Vector<T> v = Vector.LoadUnsafe(ref r, (nuint)i);
                bad |= ~Vector.Equals(v, v);
                m = Vector.Max(m, v);
            }
            nan = bad != Vector<T>.Zero;
            for (int k = 0; k < w; k++) best = T.Max(best, m[k]);
        }
        for (; i < n; i++)
        {
            T v = Unsafe.Add(ref r, i);
            if (T.IsNaN(v)) nan = true;
            best = T.Max(best, v);
        }
        return nan ? T.NaN : best;
    }

    /// <summary>acc[i] += row[i] (vectors, then a scalar tail).</summary>
    internal static void AddInto<T>(Span<T> acc, ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = acc.Length, i = 0;
        ref T a = ref MemoryMarshal.GetReference(acc);
        ref T b = ref MemoryMarshal.GetReference(row);
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref a, (nuint)i) + Vector.LoadUnsafe(ref b, (nuint)i), ref a, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref a, i) += Unsafe.Add(ref b, i);
    }

    private static void MaxInto<T>(Span<T> acc, ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = acc.Length, i = 0;
        ref T a = ref MemoryMarshal.GetReference(acc);
        ref T b = ref MemoryMarshal.GetReference(row);
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
        {
            Vector<T> va = Vector.LoadUnsafe(ref a, (nuint)i), vb = Vector.LoadUnsafe(ref b, (nuint)i);
            // NaN in either operand wins, whatever the hardware max does with it.
            Vector<T> m = Vector.ConditionalSelect(Vector.Equals(vb, vb), Vector.Max(va, vb), vb);
            Vector.StoreUnsafe(Vector.ConditionalSelect(Vector.Equals(va, va), m, va), ref a, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref a, i) = T.Max(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i));
    }

    /// <summary>Whether <see cref="ArgMax"/> handles the call: indices shaped as x with extent 1 on the axis, and a non-empty x.</summary>
    public static bool ArgMaxFits(in StridedView x, int axis, in StridedView indices) =>
        IndicesShapeFits(x.Shape, axis, indices.Shape) && x.Length != 0 && x.Shape[axis] != 0;

    private static bool IndicesShapeFits(int[] xs, int axis, int[] shape)
    {
        if (shape.Length != xs.Length) return false;
        for (int d = 0; d < xs.Length; d++)
            if (shape[d] != (d == axis ? 1 : xs[d])) return false;
        return true;
    }

    /// <summary>Index of the first largest element along the axis (NaN counts as the largest), output positions walked in order.</summary>
    public static void ArgMax<T>(in StridedView x, int axis, in StridedView indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] src = CpuBuffer.ArrayOf<T>(x.Buffer);
        int[] dst = CpuBuffer.ArrayOf<int>(indices.Buffer);
        int extent = x.Shape[axis], step = x.Strides[axis];
        // Walk the output positions; x's axis stride is taken out of the walk and scanned per output.
        var plan = CpuLayout.Create(indices.Shape, [x.Strides, indices.Strides], [x.Offset, indices.Offset], merge: false);
        int n = plan.Inner, xs = plan.InnerStrides[0], ys = plan.InnerStrides[1];
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            for (int i = 0; i < n; i++)
            {
                int at = plan.Offsets[0] + i * xs;
                int best = 0;
                T bestValue = src[at];
                for (int k = 1; k < extent; k++)
                {
                    T v = src[at + k * step];
                    if (!ScalarMath.Beats(v, bestValue)) continue;
                    best = k;
                    bestValue = v;
                }
                dst[plan.Offsets[1] + i * ys] = best;
            }
        }
    }
}
