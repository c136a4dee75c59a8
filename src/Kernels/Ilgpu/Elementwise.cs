using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>The elementwise family: unary and binary maps over broadcasting views, and where.</summary>
internal sealed class Elementwise(KernelHost host)
{
    /// <summary><c>y[i] = op(x[i])</c>.</summary>
    public void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        int n = x.Length;
        if (n == 0) return;
        var e = Walk.Of(x.Shape, x.Strides, x.Offset, out var s);
        if (x.Buffer.DType == DType.Float32) Unary<float>(op, e, s, x.Buffer, y, n); else Unary<double>(op, e, s, x.Buffer, y, n);
    }

    /// <summary><c>y[i] = a[i] op b[i]</c>.</summary>
    public void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        int n = a.Length;
        if (n == 0) return;
        var e = Walk.Of(a.Shape, a.Strides, a.Offset, b.Strides, b.Offset, out var sa, out var sb);
        if (a.Buffer.DType == DType.Float32) Binary<float>(op, e, sa, sb, a.Buffer, b.Buffer, y, n);
        else Binary<double>(op, e, sa, sb, a.Buffer, b.Buffer, y, n);
    }

    /// <summary><c>y[i] = condition[i] != 0 ? a[i] : b[i]</c>, for a condition of any dtype.</summary>
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        int n = a.Length;
        if (n == 0) return;
        var e = Walk.Of(a.Shape, condition.Strides, condition.Offset, a.Strides, a.Offset, b.Strides, b.Offset, out var sc, out var sa, out var sb);
        var (c, p, q) = (condition.Buffer, a.Buffer, b.Buffer);
        switch (c.DType, p.DType)
        {
            case (DType.Float32, DType.Float32): Where<float, float>(e, sc, sa, sb, c, p, q, y, n); break;
            case (DType.Float32, DType.Float64): Where<float, double>(e, sc, sa, sb, c, p, q, y, n); break;
            case (DType.Float32, DType.Int32): Where<float, int>(e, sc, sa, sb, c, p, q, y, n); break;
            case (DType.Float64, DType.Float32): Where<double, float>(e, sc, sa, sb, c, p, q, y, n); break;
            case (DType.Float64, DType.Float64): Where<double, double>(e, sc, sa, sb, c, p, q, y, n); break;
            case (DType.Float64, DType.Int32): Where<double, int>(e, sc, sa, sb, c, p, q, y, n); break;
            case (DType.Int32, DType.Float32): Where<int, float>(e, sc, sa, sb, c, p, q, y, n); break;
            case (DType.Int32, DType.Float64): Where<int, double>(e, sc, sa, sb, c, p, q, y, n); break;
            default: Where<int, int>(e, sc, sa, sb, c, p, q, y, n); break;
        }
    }

    private void Unary<T>(UnaryOp op, Extents e, Strides s, DeviceBuffer x, DeviceBuffer y, int n) where T : unmanaged, IFloatingPointIeee754<T> =>
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, ArrayView<T>, ArrayView<T>, int, int>(UnaryKernel))
            (host.Spread(n), e, s, KernelHost.View<T>(x), KernelHost.View<T>(y), n, (int)op);

    private void Binary<T>(BinaryOp op, Extents e, Strides sa, Strides sb, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, int n)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        host.Kernel(static k => k.LoadStreamKernel<Extents, Strides, Strides, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int>(BinaryKernel))
            (host.Spread(n), e, sa, sb, KernelHost.View<T>(a), KernelHost.View<T>(b), KernelHost.View<T>(y), n, (int)op);

    private void Where<TC, T>(Extents e, Strides sc, Strides sa, Strides sb, DeviceBuffer c, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, int n)
        where TC : unmanaged, INumberBase<TC> where T : unmanaged =>
        host.Kernel(static k => k.LoadStreamKernel<Extents, Strides, Strides, Strides, ArrayView<TC>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(WhereKernel))
            (host.Spread(n), e, sc, sa, sb, KernelHost.View<TC>(c), KernelHost.View<T>(a), KernelHost.View<T>(b), KernelHost.View<T>(y), n);

    private static void UnaryKernel<T>(Extents e, Strides s, ArrayView<T> x, ArrayView<T> y, int n, int op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride) y[i] = Apply((UnaryOp)op, x[s.At(e.Split(i))]);
    }

    private static void BinaryKernel<T>(Extents e, Strides sa, Strides sb, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, int n, int op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride)
        {
            var c = e.Split(i);
            y[i] = Apply((BinaryOp)op, a[sa.At(c)], b[sb.At(c)]);
        }
    }

    private static void WhereKernel<TC, T>(Extents e, Strides sc, Strides sa, Strides sb, ArrayView<TC> c, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, int n)
        where TC : unmanaged, INumberBase<TC> where T : unmanaged
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride)
        {
            var at = e.Split(i);
            y[i] = c[sc.At(at)] != TC.Zero ? a[sa.At(at)] : b[sb.At(at)];
        }
    }

    /// <summary><see cref="Scalar.Unary{T}"/> as kernels compute it (tanh through exp: ILGPU's float tanh is the 11-bit approximation on newer GPUs).</summary>
    private static T Apply<T>(UnaryOp op, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Neg: return -x;
            case UnaryOp.Exp: return T.Exp(x);
            case UnaryOp.Log: return T.Log(x);
            case UnaryOp.Sqrt: return T.Sqrt(x);
            case UnaryOp.Abs: return T.Abs(x);
            case UnaryOp.Sign: return x > T.Zero ? T.One : x < T.Zero ? -T.One : x;
            case UnaryOp.Sin: return T.Sin(x);
            case UnaryOp.Cos: return T.Cos(x);
            case UnaryOp.Tanh: return Tanh(x);
            case UnaryOp.Sigmoid: return T.One / (T.One + T.Exp(-x));
            case UnaryOp.Relu: return x > T.Zero || T.IsNaN(x) ? x : T.Zero;
            default: return T.One / x;
        }
    }

    private static T Tanh<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T two = T.One + T.One, e = T.Exp(-two * T.Abs(x));
        T r = (T.One - e) / (T.One + e);
        return T.IsNaN(x) ? x : x < T.Zero ? -r : x > T.Zero ? r : x;
    }

    /// <summary><see cref="Scalar.Binary{T}"/> as kernels compute it.</summary>
    private static T Apply<T>(BinaryOp op, T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: return a + b;
            case BinaryOp.Sub: return a - b;
            case BinaryOp.Mul: return a * b;
            case BinaryOp.Div: return a / b;
            case BinaryOp.Pow: return T.Pow(a, b);
            case BinaryOp.Maximum: return Max(a, b);
            case BinaryOp.Minimum: return Min(a, b);
            case BinaryOp.Equal: return a == b ? T.One : T.Zero;
            case BinaryOp.NotEqual: return a != b ? T.One : T.Zero;
            case BinaryOp.Less: return a < b ? T.One : T.Zero;
            case BinaryOp.LessEqual: return a <= b ? T.One : T.Zero;
            case BinaryOp.Greater: return a > b ? T.One : T.Zero;
            default: return a >= b ? T.One : T.Zero;
        }
    }

    /// <summary>.NET's Math.Max: NaN wins, and +0 is larger than -0 (GPU max instructions differ on both).</summary>
    public static T Max<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(a) ? a : T.IsNaN(b) ? b : a > b ? a : a < b ? b : T.IsNegative(a) ? b : a;

    /// <summary>.NET's Math.Min: NaN wins, and -0 is smaller than +0.</summary>
    public static T Min<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(a) ? a : T.IsNaN(b) ? b : a < b ? a : a > b ? b : T.IsNegative(a) ? a : b;
}
