using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>The sizes of one convolution (see <see cref="Conv2dGeometry"/>), as kernels take them.</summary>
internal struct ConvShape
{
    public int N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW;

    public static ConvShape From(in Conv2dGeometry g) => new()
    {
        N = g.N, C = g.C, H = g.H, W = g.W, O = g.O, KH = g.KH, KW = g.KW, SH = g.StrideH, SW = g.StrideW,
        PH = g.PadH, PW = g.PadW, DH = g.DilationH, DW = g.DilationW, OH = g.OutH, OW = g.OutW,
    };
}

/// <summary>
/// The conv family (NCHW input, OIHW weights, groups = 1). Every kernel gathers: the thread or group
/// that owns an output element sums its terms in a fixed order, so no atomics and deterministic results.
/// </summary>
internal sealed class Conv(KernelHost host)
{
    /// <summary>y = conv(x, w), plus bias[o] on channel o when given.</summary>
    public void Forward(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias)
    {
        if (x.DType == DType.Float32) Forward<float>(g, x, w, y, bias); else Forward<double>(g, x, w, y, bias);
    }

    /// <summary>dx = the transposed convolution of dy by w.</summary>
    public void BackwardInput(in Conv2dGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        if (dy.DType == DType.Float32) BackwardInput<float>(g, dy, w, dx); else BackwardInput<double>(g, dy, w, dx);
    }

    /// <summary>dw = the correlation of x with dy: one group per weight folds its N x OH x OW terms.</summary>
    public void BackwardWeight(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        if (x.DType == DType.Float32) BackwardWeight<float>(g, x, dy, dw); else BackwardWeight<double>(g, x, dy, dw);
    }

    private void Forward<T>(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = g.Sizes.Y;
        if (total == 0) return;
        var vy = KernelHost.View<T>(y);
        host.Kernel(static a => a.LoadStreamKernel<ConvShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int>(ForwardKernel))
            (host.Spread(total), ConvShape.From(g), KernelHost.View<T>(x), KernelHost.View<T>(w), vy, bias is null ? vy : KernelHost.View<T>(bias), bias is null ? 0 : 1, total);
    }

    private void BackwardInput<T>(in Conv2dGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = g.Sizes.X;
        if (total == 0) return;
        host.Kernel(static a => a.LoadStreamKernel<ConvShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(BackwardInputKernel))
            (host.Spread(total), ConvShape.From(g), KernelHost.View<T>(dy), KernelHost.View<T>(w), KernelHost.View<T>(dx), total);
    }

    private void BackwardWeight<T>(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = g.Sizes.W, group = host.ReduceGroup;
        var config = new KernelConfig(new Index1D(total), new Index1D(group), SharedMemoryConfig.RequestDynamic<T>(group));
        host.Kernel(static a => a.LoadStreamKernel<ConvShape, ArrayView<T>, ArrayView<T>, ArrayView<T>>(BackwardWeightKernel))
            (config, ConvShape.From(g), KernelHost.View<T>(x), KernelHost.View<T>(dy), KernelHost.View<T>(dw));
    }

    private static void ForwardKernel<T>(ConvShape s, ArrayView<T> x, ArrayView<T> w, ArrayView<T> y, ArrayView<T> bias, int hasBias, int total)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = Grid.GlobalIndex.X; i < total; i += GridExtensions.GridStrideLoopStride)
        {
            int q = i % s.OW, p = i / s.OW % s.OH, o = i / (s.OW * s.OH) % s.O, n = i / (s.OW * s.OH * s.O);
            T acc = T.Zero;
            for (int c = 0; c < s.C; c++)
                for (int kh = 0; kh < s.KH; kh++)
                {
                    int h = p * s.SH + kh * s.DH - s.PH;
                    if (h < 0 || h >= s.H) continue;
                    for (int kw = 0; kw < s.KW; kw++)
                    {
                        int v = q * s.SW + kw * s.DW - s.PW;
                        if (v < 0 || v >= s.W) continue;
                        acc += x[((n * s.C + c) * s.H + h) * s.W + v] * w[((o * s.C + c) * s.KH + kh) * s.KW + kw];
                    }
                }
            // The bias after the rounded sum: exactly what a separate add gives.
            y[i] = hasBias != 0 ? acc + bias[o] : acc;
        }
    }

    private static void BackwardInputKernel<T>(ConvShape s, ArrayView<T> dy, ArrayView<T> w, ArrayView<T> dx, int total)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = Grid.GlobalIndex.X; i < total; i += GridExtensions.GridStrideLoopStride)
        {
            int v = i % s.W, h = i / s.W % s.H, c = i / (s.W * s.H) % s.C, n = i / (s.W * s.H * s.C);
            T acc = T.Zero;
            for (int o = 0; o < s.O; o++)
                for (int kh = 0; kh < s.KH; kh++)
                {
                    int ph = h + s.PH - kh * s.DH;
                    if (ph < 0 || ph % s.SH != 0 || ph / s.SH >= s.OH) continue;
                    for (int kw = 0; kw < s.KW; kw++)
                    {
                        int qw = v + s.PW - kw * s.DW;
                        if (qw < 0 || qw % s.SW != 0 || qw / s.SW >= s.OW) continue;
                        acc += dy[((n * s.O + o) * s.OH + ph / s.SH) * s.OW + qw / s.SW] * w[((o * s.C + c) * s.KH + kh) * s.KW + kw];
                    }
                }
            dx[i] = acc;
        }
    }

    private static void BackwardWeightKernel<T>(ConvShape s, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scratch = SharedMemory.GetDynamic<T>();
        int i = Grid.IdxX, lid = Group.IdxX, size = Group.DimX;
        int kw = i % s.KW, kh = i / s.KW % s.KH, c = i / (s.KW * s.KH) % s.C, o = i / (s.KW * s.KH * s.C);
        int plane = s.OH * s.OW;
        T acc = T.Zero;
        for (int t = lid; t < s.N * plane; t += size)
        {
            int n = t / plane, p = t % plane / s.OW, q = t % s.OW;
            int h = p * s.SH + kh * s.DH - s.PH, v = q * s.SW + kw * s.DW - s.PW;
            if (h < 0 || h >= s.H || v < 0 || v >= s.W) continue;
            acc += dy[(n * s.O + o) * plane + p * s.OW + q] * x[((n * s.C + c) * s.H + h) * s.W + v];
        }
        scratch[lid] = acc;
        Group.Barrier();
        for (int width = size / 2; width > 0; width /= 2)
        {
            if (lid < width) scratch[lid] += scratch[lid + width];
            Group.Barrier();
        }
        if (lid == 0) dw[i] = scratch[0];
    }
}
