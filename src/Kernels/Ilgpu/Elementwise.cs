using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The elementwise family: unary and binary maps and comparisons over broadcasting views (one kernel
/// per op and element type, each running the op's scalar form), and where.
/// </summary>
internal sealed class Elementwise(KernelHost host)
{
    /// <summary><c>y[i] = TOp(x[i])</c>.</summary>
    public void Unary<T, TOp>(in StridedView x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<TOp>
    {
        int n = x.Length;
        var e = Walk.Of(x.Shape, x.Strides, x.Offset, out var s);
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, ArrayView<T>, ArrayView<T>, int>(UnaryKernel<T, TOp>))
            (host.Spread(n), e, s, KernelHost.View<T>(x.Buffer), KernelHost.View<T>(y), n);
    }

    /// <summary><c>y[i] = TOp(a[i], b[i])</c>.</summary>
    public void Binary<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<TOp>
    {
        int n = a.Length;
        var e = Walk.Of(a.Shape, a.Strides, a.Offset, b.Strides, b.Offset, out var sa, out var sb);
        host.Kernel(static k => k.LoadStreamKernel<Extents, Strides, Strides, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(BinaryKernel<T, TOp>))
            (host.Spread(n), e, sa, sb, KernelHost.View<T>(a.Buffer), KernelHost.View<T>(b.Buffer), KernelHost.View<T>(y), n);
    }

    /// <summary><c>y[i] = TOp(a[i], b[i]) ? 1 : 0</c>.</summary>
    public void Compare<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, INumber<T> where TOp : struct, IComparison<TOp>
    {
        int n = a.Length;
        var e = Walk.Of(a.Shape, a.Strides, a.Offset, b.Strides, b.Offset, out var sa, out var sb);
        host.Kernel(static k => k.LoadStreamKernel<Extents, Strides, Strides, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(CompareKernel<T, TOp>))
            (host.Spread(n), e, sa, sb, KernelHost.View<T>(a.Buffer), KernelHost.View<T>(b.Buffer), KernelHost.View<T>(y), n);
    }

    /// <summary><c>y[i] = condition[i] != 0 ? a[i] : b[i]</c>, for a condition of element type <typeparamref name="TC"/>.</summary>
    public void Where<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) where TC : unmanaged, INumberBase<TC> where T : unmanaged
    {
        int n = a.Length;
        var e = Walk.Of(a.Shape, condition.Strides, condition.Offset, a.Strides, a.Offset, b.Strides, b.Offset, out var sc, out var sa, out var sb);
        host.Kernel(static k => k.LoadStreamKernel<Extents, Strides, Strides, Strides, ArrayView<TC>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(WhereKernel))
            (host.Spread(n), e, sc, sa, sb, KernelHost.View<TC>(condition.Buffer), KernelHost.View<T>(a.Buffer), KernelHost.View<T>(b.Buffer), KernelHost.View<T>(y), n);
    }

    private static void UnaryKernel<T, TOp>(Extents e, Strides s, ArrayView<T> x, ArrayView<T> y, int n)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<TOp>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride) y[i] = TOp.Invoke(x[s.At(e.Split(i))]);
    }

    private static void BinaryKernel<T, TOp>(Extents e, Strides sa, Strides sb, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, int n)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<TOp>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride) y[i] = TOp.Invoke(a[sa.At(e.Split(i))], b[sb.At(e.Split(i))]);
    }

    private static void CompareKernel<T, TOp>(Extents e, Strides sa, Strides sb, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, int n)
        where T : unmanaged, INumber<T> where TOp : struct, IComparison<TOp>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride) y[i] = TOp.Test(a[sa.At(e.Split(i))], b[sb.At(e.Split(i))]) ? T.One : T.Zero;
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
}
