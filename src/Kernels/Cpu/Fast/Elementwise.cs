using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The elementwise family: unary maps (each op's span form: TensorPrimitives, or a vector loop that
/// agrees with its scalar form), where (vector selects), and binary maps and comparisons
/// (Elementwise.Binary.cs). The output never overlaps an input other than exactly in place (the
/// dispatcher sends such calls to the reference).
/// </summary>
internal static partial class Elementwise
{
    /// <summary><c>y[i] = TOp(x[i])</c>; a strided x is first gathered into y, then transformed in place.</summary>
    public static void Unary<T, TOp>(in StridedView x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<TOp>
    {
        int n = x.Length;
        Span<T> dst = CpuBuffer.ArrayOf<T>(y).AsSpan(0, n);
        ReadOnlySpan<T> src;
        if (x.IsContiguous) src = CpuBuffer.ArrayOf<T>(x.Buffer).AsSpan(x.Offset, n);
        else
        {
            // Gather the strided input into y, then transform in place.
            Copy.Same<T>(x, StridedView.Contiguous(y, x.Shape));
            src = dst;
        }
        if (n < Partition.ParallelElements)
        {
            TOp.Invoke(src, dst);
            return;
        }
        T[] srcArray = x.IsContiguous ? CpuBuffer.ArrayOf<T>(x.Buffer) : CpuBuffer.ArrayOf<T>(y);
        int srcOffset = x.IsContiguous ? x.Offset : 0;
        T[] dstArray = CpuBuffer.ArrayOf<T>(y);
        Partition.Elements(n, (lo, hi) => TOp.Invoke(srcArray.AsSpan(srcOffset + lo, hi - lo), dstArray.AsSpan(lo, hi - lo)));
    }


    /// <summary>y[i] = c[co + i] != 0 ? a : b, where a and b advance by 1 or stay (stride 0); NaN selects a.</summary>
    private static void WhereRow<T>(T[] c, int co, T[] a, int ao, int as_, T[] b, int bo, int bs, Span<T> y) where T : unmanaged
    {
        int n = y.Length, i = 0, w = Vector<T>.Count;
        ref T cr = ref c[co];
        ref T yr = ref MemoryMarshal.GetReference(y);
        if (Vector.IsHardwareAccelerated)
        {
            var zero = Vector<T>.Zero;
            for (; i <= n - w; i += w)
            {
                var av = as_ == 1 ? Vector.LoadUnsafe(ref a[ao + i]) : new Vector<T>(a[ao]);
                var bv = bs == 1 ? Vector.LoadUnsafe(ref b[bo + i]) : new Vector<T>(b[bo]);
                Vector.StoreUnsafe(Vector.ConditionalSelect(Vector.Equals(Vector.LoadUnsafe(ref cr, (nuint)i), zero), bv, av), ref yr, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref yr, i) = EqualityComparer<T>.Default.Equals(Unsafe.Add(ref cr, i), default) ? b[bo + i * bs] : a[ao + i * as_];
    }

    /// <summary><c>y[i] = condition[i] != 0 ? a[i] : b[i]</c> for a condition of element type <typeparamref name="TC"/>.</summary>
    public static void Where<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
        where TC : unmanaged, INumberBase<TC> where T : unmanaged
    {
        TC[] c = CpuBuffer.ArrayOf<TC>(condition.Buffer);
        T[] sa = CpuBuffer.ArrayOf<T>(a.Buffer), sb = CpuBuffer.ArrayOf<T>(b.Buffer), dst = CpuBuffer.ArrayOf<T>(y);
        var plan = CpuLayout.Create(a.Shape, [condition.Strides, a.Strides, b.Strides, StridedView.RowMajorStrides(a.Shape)],
            [condition.Offset, a.Offset, b.Offset, 0]);
        int n = plan.Inner, cs = plan.InnerStrides[0], as_ = plan.InnerStrides[1], bs = plan.InnerStrides[2];
        if (typeof(TC) == typeof(T) && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && cs == 1 && (as_ | bs) <= 1)
        {
            // Same float type throughout, unit-stride condition (e.g. relu's backward, selected by
            // its output): vector selects, rows in parallel.
            var rowPlan = plan;
            T[] cT = (T[])(object)c;
            if (plan.Rows == 1)
            {
                int c0 = plan.Offsets[0], a0 = plan.Offsets[1], b0 = plan.Offsets[2], y0 = plan.Offsets[3];
                Partition.Elements(n, (lo, hi) => WhereRow(cT, c0 + lo, sa, a0 + lo * as_, as_, sb, b0 + lo * bs, bs, dst.AsSpan(y0 + lo, hi - lo)));
                return;
            }
            Partition.Parallel(plan.Rows, (long)a.Length * 2, (lo, hi) =>
            {
                for (int r = lo; r < hi; r++)
                    WhereRow(cT, rowPlan.RowOffset(0, r, rowPlan.Offsets[0]), sa, rowPlan.RowOffset(1, r, rowPlan.Offsets[1]), as_,
                        sb, rowPlan.RowOffset(2, r, rowPlan.Offsets[2]), bs, dst.AsSpan(rowPlan.RowOffset(3, r, rowPlan.Offsets[3]), n));
            });
            return;
        }
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            int co = plan.Offsets[0], ao = plan.Offsets[1], bo = plan.Offsets[2], yo = plan.Offsets[3];
            // NaN is not zero, so it selects a, as in the reference.
            for (int i = 0; i < n; i++)
                dst[yo + i] = TC.IsZero(c[co + i * cs]) ? sb[bo + i * bs] : sa[ao + i * as_];
        }
    }
}
