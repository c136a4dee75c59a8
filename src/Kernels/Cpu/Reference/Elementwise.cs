using System.Numerics;

namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The elementwise family, one element at a time in row-major order: unary and binary maps, and where.</summary>
internal static class Elementwise
{
    /// <summary><c>y[i] = op(x[i])</c> through <see cref="Scalar.Unary{T}"/>.</summary>
    public static void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        if (x.Buffer.DType == DType.Float32) UnaryLoop<float>(op, x, y); else UnaryLoop<double>(op, x, y);
    }

    private static void UnaryLoop<T>(UnaryOp op, in StridedView x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> src = CpuBuffer.Of(x.Buffer).Span<T>(), dst = CpuBuffer.Of(y).Span<T>();
        int n = x.Length;
        for (int i = 0; i < n; i++) dst[i] = Scalar.Unary(op, src[x.IndexOf(i)]);
    }

    /// <summary><c>y[i] = a[i] op b[i]</c> through <see cref="Scalar.Binary{T}"/>.</summary>
    public static void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        if (a.Buffer.DType == DType.Float32) BinaryLoop<float>(op, a, b, y); else BinaryLoop<double>(op, a, b, y);
    }

    private static void BinaryLoop<T>(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> sa = CpuBuffer.Of(a.Buffer).Span<T>(), sb = CpuBuffer.Of(b.Buffer).Span<T>(), dst = CpuBuffer.Of(y).Span<T>();
        int n = a.Length;
        for (int i = 0; i < n; i++) dst[i] = Scalar.Binary(op, sa[a.IndexOf(i)], sb[b.IndexOf(i)]);
    }

    /// <summary><c>y[i] = condition[i] != 0 ? a[i] : b[i]</c> (NaN is not zero, so it selects a).</summary>
    public static void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        CpuBuffer c = CpuBuffer.Of(condition.Buffer), sa = CpuBuffer.Of(a.Buffer), sb = CpuBuffer.Of(b.Buffer), dst = CpuBuffer.Of(y);
        int n = a.Length;
        for (int i = 0; i < n; i++)
            dst.Set(i, c.Get(condition.IndexOf(i)) != 0 ? sa.Get(a.IndexOf(i)) : sb.Get(b.IndexOf(i)));
    }
}
