using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>The sizes of one pooling (see <see cref="Pool2dGeometry"/>), as kernels take them.</summary>
internal struct PoolShape
{
    public int N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW;

    public static PoolShape From(in Pool2dGeometry g) => new()
    {
        N = g.N, C = g.C, H = g.H, W = g.W, KH = g.KH, KW = g.KW, SH = g.StrideH, SW = g.StrideW,
        PH = g.PadH, PW = g.PadW, OH = g.OutH, OW = g.OutW,
    };
}

/// <summary>
/// What a forward pooling kernel does with one output's window (the struct as passed is the empty
/// window): take each element inside the input (its flat position h * W + w in the plane), then store.
/// </summary>
internal interface IPoolWindow<T> where T : unmanaged
{
    void Take(T value, int at);

    void Store(int i);
}

/// <summary>
/// The pool family over NCHW planes: max pooling forward and backward and average pooling forward
/// and backward; one thread per element written. The two forwards walk the same windows (Windows),
/// each with its own <see cref="IPoolWindow{T}"/>.
/// </summary>
internal sealed class Pool(KernelHost host)
{
    /// <summary>Window maxima into y and their flat positions h * W + w into indices (first maximum wins, NaN counts as largest).</summary>
    public void MaxForward<T>(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = g.N * g.C * g.OutH * g.OutW;
        if (total == 0) return;
        host.Kernel(static a => a.LoadStreamKernel<PoolShape, ArrayView<T>, MaxWindow<T>, int>(MaxForwardKernel))
            (host.Spread(total), PoolShape.From(g), KernelHost.View<T>(x), new(KernelHost.View<T>(y), KernelHost.View<int>(indices)), total);
    }

    /// <summary>
    /// dx: per input cell, the dy of every window whose maximum it is, windows in output order, summed
    /// from zero (a scatter-add into zeros as a gather: no atomics, the reference's order).
    /// </summary>
    public void MaxBackward<T>(in Pool2dGeometry g, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = g.N * g.C * g.H * g.W;
        if (total == 0) return;
        host.Kernel(static a => a.LoadStreamKernel<PoolShape, ArrayView<T>, ArrayView<int>, ArrayView<T>, int>(MaxBackwardKernel))
            (host.Spread(total), PoolShape.From(g), KernelHost.View<T>(dy), KernelHost.View<int>(indices), KernelHost.View<T>(dx), total);
    }

    /// <summary>Window means (the window's full size divides, padding included, as PyTorch's default).</summary>
    public void AvgForward<T>(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = g.N * g.C * g.OutH * g.OutW;
        if (total == 0) return;
        host.Kernel(static a => a.LoadStreamKernel<PoolShape, ArrayView<T>, AvgWindow<T>, int>(AvgForwardKernel))
            (host.Spread(total), PoolShape.From(g), KernelHost.View<T>(x), new(KernelHost.View<T>(y), Scale<T>(g)), total);
    }

    /// <summary>The adjoint of <see cref="AvgForward"/>.</summary>
    public void AvgBackward<T>(in Pool2dGeometry g, DeviceBuffer dy, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = g.N * g.C * g.H * g.W;
        if (total == 0) return;
        host.Kernel(static a => a.LoadStreamKernel<PoolShape, ArrayView<T>, ArrayView<T>, T, int>(AvgBackwardKernel))
            (host.Spread(total), PoolShape.From(g), KernelHost.View<T>(dy), KernelHost.View<T>(dx), Scale<T>(g), total);
    }

    private static T Scale<T>(in Pool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(1.0 / (g.KH * g.KW));

    private static void MaxForwardKernel<T>(PoolShape s, ArrayView<T> x, MaxWindow<T> empty, int total) where T : unmanaged, IFloatingPointIeee754<T> =>
        Windows(s, x, empty, total);

    private static void AvgForwardKernel<T>(PoolShape s, ArrayView<T> x, AvgWindow<T> empty, int total) where T : unmanaged, IFloatingPointIeee754<T> =>
        Windows(s, x, empty, total);

    /// <summary>Each output's window of x, element by element, into a copy of <paramref name="empty"/> that then stores the result.</summary>
    private static void Windows<T, TWindow>(PoolShape s, ArrayView<T> x, TWindow empty, int total)
        where T : unmanaged, IFloatingPointIeee754<T> where TWindow : struct, IPoolWindow<T>
    {
        for (int i = Grid.GlobalIndex.X; i < total; i += GridExtensions.GridStrideLoopStride)
        {
            int q = i % s.OW, p = i / s.OW % s.OH, plane = i / (s.OW * s.OH) * s.H * s.W;
            var window = empty;
            for (int kh = 0; kh < s.KH; kh++)
            {
                int h = p * s.SH + kh - s.PH;
                if (h < 0 || h >= s.H) continue;
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int v = q * s.SW + kw - s.PW;
                    if (v >= 0 && v < s.W) window.Take(x[plane + h * s.W + v], h * s.W + v);
                }
            }
            window.Store(i);
        }
    }

    private static void AvgBackwardKernel<T>(PoolShape s, ArrayView<T> dy, ArrayView<T> dx, T scale, int total)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = Grid.GlobalIndex.X; i < total; i += GridExtensions.GridStrideLoopStride)
        {
            int v = i % s.W, h = i / s.W % s.H, plane = i / (s.W * s.H) * s.OH * s.OW;
            T sum = T.Zero;
            for (int kh = 0; kh < s.KH; kh++)
            {
                int ph = h + s.PH - kh;
                if (ph < 0 || ph % s.SH != 0 || ph / s.SH >= s.OH) continue;
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int qw = v + s.PW - kw;
                    if (qw >= 0 && qw % s.SW == 0 && qw / s.SW < s.OW) sum += dy[plane + ph / s.SH * s.OW + qw / s.SW];
                }
            }
            dx[i] = sum * scale;
        }
    }

    private static void MaxBackwardKernel<T>(PoolShape s, ArrayView<T> dy, ArrayView<int> indices, ArrayView<T> dx, int total)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = Grid.GlobalIndex.X; i < total; i += GridExtensions.GridStrideLoopStride)
        {
            int v = i % s.W, h = i / s.W % s.H, nc = i / (s.W * s.H), cell = h * s.W + v;
            // The output rows p and columns q whose windows contain (h, v).
            int p0 = XMath.Max(0, (h + s.PH - s.KH + s.SH) / s.SH), p1 = XMath.Min(s.OH - 1, (h + s.PH) / s.SH);
            int q0 = XMath.Max(0, (v + s.PW - s.KW + s.SW) / s.SW), q1 = XMath.Min(s.OW - 1, (v + s.PW) / s.SW);
            T sum = T.Zero;
            for (int p = p0; p <= p1; p++)
            for (int q = q0; q <= q1; q++)
            {
                int o = (nc * s.OH + p) * s.OW + q;
                if (indices[o] == cell) sum += dy[o];
            }
            dx[i] = sum;
        }
    }
}

/// <summary>The first maximum of a window and its position (NaN counts as largest), into y and indices.</summary>
internal struct MaxWindow<T>(ArrayView<T> y, ArrayView<int> indices) : IPoolWindow<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T best = T.NegativeInfinity;
    private int bestAt = -1;

    public void Take(T value, int at)
    {
        if (bestAt < 0 || ScalarMath.Beats(value, best))
        {
            best = value;
            bestAt = at;
        }
    }

    public readonly void Store(int i)
    {
        y[i] = best;
        indices[i] = bestAt;
    }
}

/// <summary>A window's sum times 1 / (KH * KW), into y.</summary>
internal struct AvgWindow<T>(ArrayView<T> y, T scale) : IPoolWindow<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T sum = T.Zero;

    public void Take(T value, int at) => sum += value;

    public readonly void Store(int i) => y[i] = sum * scale;
}
