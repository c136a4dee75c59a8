using System.Numerics;

namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The elementwise family, one element at a time in row-major order through each op's scalar form.</summary>
internal static class Elementwise
{
    /// <summary><c>y[i] = TOp(x[i])</c>.</summary>
    public static void Unary<T, TOp>(in StridedView x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<TOp>
    {
        Span<T> src = CpuBuffer.Of(x.Buffer).Span<T>(), dst = CpuBuffer.Of(y).Span<T>();
        int n = x.Length;
        for (int i = 0; i < n; i++) dst[i] = TOp.Invoke(src[x.IndexOf(i)]);
    }

    /// <summary><c>y[i] = TOp(a[i], b[i])</c>.</summary>
    public static void Binary<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<TOp>
    {
        Span<T> sa = CpuBuffer.Of(a.Buffer).Span<T>(), sb = CpuBuffer.Of(b.Buffer).Span<T>(), dst = CpuBuffer.Of(y).Span<T>();
        int n = a.Length;
        for (int i = 0; i < n; i++) dst[i] = TOp.Invoke(sa[a.IndexOf(i)], sb[b.IndexOf(i)]);
    }

    /// <summary><c>y[i] = TOp(a[i], b[i]) ? 1 : 0</c>.</summary>
    public static void Compare<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, INumber<T> where TOp : struct, IComparison<TOp>
    {
        Span<T> sa = CpuBuffer.Of(a.Buffer).Span<T>(), sb = CpuBuffer.Of(b.Buffer).Span<T>(), dst = CpuBuffer.Of(y).Span<T>();
        int n = a.Length;
        for (int i = 0; i < n; i++) dst[i] = TOp.Test(sa[a.IndexOf(i)], sb[b.IndexOf(i)]) ? T.One : T.Zero;
    }

    /// <summary><c>y[i] = condition[i] != 0 ? a[i] : b[i]</c> (NaN is not zero, so it selects a).</summary>
    public static void Where<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) where TC : unmanaged, INumber<TC> where T : unmanaged
    {
        Span<TC> c = CpuBuffer.Of(condition.Buffer).Span<TC>();
        Span<T> sa = CpuBuffer.Of(a.Buffer).Span<T>(), sb = CpuBuffer.Of(b.Buffer).Span<T>(), dst = CpuBuffer.Of(y).Span<T>();
        int n = a.Length;
        for (int i = 0; i < n; i++) dst[i] = TC.IsZero(c[condition.IndexOf(i)]) ? sb[b.IndexOf(i)] : sa[a.IndexOf(i)];
    }
}
