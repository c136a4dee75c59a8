using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The elementwise family: unary maps (TensorPrimitives, or a vector op agreeing with
/// <see cref="Scalar.Unary{T}"/>), where (vector selects), and binary maps (Elementwise.Binary.cs).
/// The output never overlaps an input other than exactly in place (the dispatcher sends such calls
/// to the reference).
/// </summary>
internal static partial class Elementwise
{
    /// <summary><c>y[i] = op(x[i])</c>; a strided x is first gathered into y, then transformed in place.</summary>
    public static void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        if (x.Buffer.DType == DType.Float32) UnaryT<float>(op, x, y); else UnaryT<double>(op, x, y);
    }

    private static void UnaryT<T>(UnaryOp op, in StridedView x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length;
        if (n == 0) return;
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
            ApplyUnary(op, src, dst);
            return;
        }
        T[] srcArray = x.IsContiguous ? CpuBuffer.ArrayOf<T>(x.Buffer) : CpuBuffer.ArrayOf<T>(y);
        int srcOffset = x.IsContiguous ? x.Offset : 0;
        T[] dstArray = CpuBuffer.ArrayOf<T>(y);
        Partition.Elements(n, (lo, hi) => ApplyUnary(op, srcArray.AsSpan(srcOffset + lo, hi - lo), dstArray.AsSpan(lo, hi - lo)));
    }

    private static void ApplyUnary<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Neg: TensorPrimitives.Negate(x, y); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, y); break;
            case UnaryOp.Sin: TensorPrimitives.Sin(x, y); break;
            case UnaryOp.Cos: TensorPrimitives.Cos(x, y); break;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryOp.Reciprocal: TensorPrimitives.Divide(T.One, x, y); break;
            case UnaryOp.Sign: Map<T, SignOp<T>>(x, y); break;
            case UnaryOp.Relu: Map<T, ReluOp<T>>(x, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op");
        }
    }

    /// <summary>A unary op with a vector body and a scalar tail that agree with <see cref="Scalar.Unary{T}"/>.</summary>
    private interface IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract Vector<T> Apply(Vector<T> x);
        static abstract T Apply(T x);
    }

    private readonly struct SignOp<T> : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Apply(Vector<T> x) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), Vector<T>.One,
                Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), -Vector<T>.One, x));
        public static T Apply(T x) => Scalar.Unary(UnaryOp.Sign, x);
    }

    private readonly struct ReluOp<T> : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Keep x where x > 0 or x is NaN (x != x), else +0.
        public static Vector<T> Apply(Vector<T> x) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero) | ~Vector.Equals(x, x), x, Vector<T>.Zero);
        public static T Apply(T x) => Scalar.Unary(UnaryOp.Relu, x);
    }

    private static void Map<T, TOp>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : IVectorUnary<T>
    {
        int n = x.Length, i = 0;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            Vector.StoreUnsafe(TOp.Apply(Vector.LoadUnsafe(ref xr, (nuint)i)), ref yr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = TOp.Apply(Unsafe.Add(ref xr, i));
    }

    /// <summary><c>y[i] = condition[i] != 0 ? a[i] : b[i]</c> for every pair of condition and value dtypes.</summary>
    public static void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        switch (condition.Buffer.DType)
        {
            case DType.Float32: WhereC<float>(condition, a, b, y); break;
            case DType.Float64: WhereC<double>(condition, a, b, y); break;
            default: WhereC<int>(condition, a, b, y); break;
        }
    }

    private static void WhereC<TC>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) where TC : unmanaged, INumberBase<TC>
    {
        switch (a.Buffer.DType)
        {
            case DType.Float32: WhereT<TC, float>(condition, a, b, y); break;
            case DType.Float64: WhereT<TC, double>(condition, a, b, y); break;
            default: WhereT<TC, int>(condition, a, b, y); break;
        }
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

    private static void WhereT<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
        where TC : unmanaged, INumberBase<TC> where T : unmanaged
    {
        if (a.Length == 0) return;
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
