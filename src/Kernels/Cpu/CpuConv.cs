using System.Buffers;
using System.Numerics;

namespace TinyGrad.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>Largest im2col scratch (elements) before images are processed in smaller groups.</summary>
    private const int ScratchLimit = 1 << 22;

    /// <inheritdoc />
    public override void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y)
    {
        CheckConv(geometry, x, w, y, "conv2d forward");
        if (x.DType == DType.Float32) ConvForward(geometry, Arr<float>(x), Arr<float>(w), Arr<float>(y));
        else ConvForward(geometry, Arr<double>(x), Arr<double>(w), Arr<double>(y));
    }

    /// <inheritdoc />
    public override void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        CheckConv(geometry, dx, w, dy, "conv2d backward-input");
        if (dx.DType == DType.Float32) ConvBackwardInput(geometry, Arr<float>(dy), Arr<float>(w), Arr<float>(dx));
        else ConvBackwardInput(geometry, Arr<double>(dy), Arr<double>(w), Arr<double>(dx));
    }

    /// <inheritdoc />
    public override void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        CheckConv(geometry, x, dw, dy, "conv2d backward-weight");
        if (x.DType == DType.Float32) ConvBackwardWeight(geometry, Arr<float>(x), Arr<float>(dy), Arr<float>(dw));
        else ConvBackwardWeight(geometry, Arr<double>(x), Arr<double>(dy), Arr<double>(dw));
    }

    /// <summary>Images per im2col group so the scratch stays under <see cref="ScratchLimit"/>.</summary>
    private static int ImagesPerGroup(in Conv2dGeometry g) =>
        Math.Clamp(ScratchLimit / Math.Max(1, g.C * g.KH * g.KW * g.OutH * g.OutW), 1, Math.Max(1, g.N));

    private static void ConvForward<T>(Conv2dGeometry g, T[] x, T[] w, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, group = ImagesPerGroup(g);
        T[] col = ArrayPool<T>.Shared.Rent(group * ckk * ohw);
        try
        {
            for (int n0 = 0; n0 < g.N; n0 += group)
            {
                int count = Math.Min(group, g.N - n0);
                Im2Col(g, x, n0, count, col, transposed: false);
                // y[n] (O x OHW) = w (O x CKK) * col[n] (CKK x OHW), one batch entry per image.
                var args = new GemmArgs(count, g.O, ohw, ckk, false, false,
                    0, ckk, 0, 0, ohw, ckk * ohw, n0 * g.O * ohw, ohw, g.O * ohw);
                GemmCore(args, w, col, y);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(col);
        }
    }

    private static void ConvBackwardInput<T>(Conv2dGeometry g, T[] dy, T[] w, T[] dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, group = ImagesPerGroup(g);
        T[] col = ArrayPool<T>.Shared.Rent(group * ckk * ohw);
        try
        {
            for (int n0 = 0; n0 < g.N; n0 += group)
            {
                int count = Math.Min(group, g.N - n0);
                // dcol[n] (CKK x OHW) = w^T (CKK x O) * dy[n] (O x OHW).
                var args = new GemmArgs(count, ckk, ohw, g.O, true, false,
                    0, ckk, 0, n0 * g.O * ohw, ohw, g.O * ohw, 0, ohw, ckk * ohw);
                GemmCore(args, w, dy, col);
                Col2Im(g, col, n0, count, dx);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(col);
        }
    }

    private static void ConvBackwardWeight<T>(Conv2dGeometry g, T[] x, T[] dy, T[] dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, group = ImagesPerGroup(g);
        if (g.N == 0)
        {
            dw.AsSpan(0, g.O * ckk).Clear();
            return;
        }
        T[] rows = ArrayPool<T>.Shared.Rent(group * ohw * ckk);
        T[] grad = ArrayPool<T>.Shared.Rent(g.O * group * ohw);
        try
        {
            for (int n0 = 0; n0 < g.N; n0 += group)
            {
                int count = Math.Min(group, g.N - n0), k = count * ohw;
                Im2Col(g, x, n0, count, rows, transposed: true);
                // grad (O x count*OHW): dy of the group with the image index moved inside each row.
                for (int i = 0; i < count; i++)
                for (int o = 0; o < g.O; o++)
                    Array.Copy(dy, ((n0 + i) * g.O + o) * ohw, grad, o * k + i * ohw, ohw);
                // dw (O x CKK) (+)= grad (O x K) * rows (K x CKK); groups accumulate in image order.
                var args = new GemmArgs(1, g.O, ckk, k, false, false,
                    0, k, 0, 0, ckk, 0, 0, ckk, 0, 1, n0 == 0 ? 0 : 1);
                GemmCore(args, grad, rows, dw);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rows);
            ArrayPool<T>.Shared.Return(grad);
        }
    }

    /// <summary>
    /// Unfolds images [n0, n0 + count) into columns: element (image, c*KH*KW + i*KW + j, p*OW + q) is
    /// x[image, c, p*sh + i*dh - ph, q*sw + j*dw - pw] or 0 outside. Stored image-major, each image
    /// CKK x OHW, or with <paramref name="transposed"/> as one (count*OHW) x CKK matrix.
    /// </summary>
    private static void Im2Col<T>(in Conv2dGeometry g, T[] x, int n0, int count, T[] col, bool transposed) where T : unmanaged, INumberBase<T>
    {
        int ckk = g.C * g.KH * g.KW, oh = g.OutH, ow = g.OutW, ohw = oh * ow;
        var geo = g;
        CpuLayout.Parallel(count * g.C, (long)count * ckk * ohw, (lo, hi) =>
        {
            for (int t = lo; t < hi; t++)
            {
                int image = t / geo.C, c = t % geo.C;
                int plane = ((n0 + image) * geo.C + c) * geo.H * geo.W;
                for (int i = 0; i < geo.KH; i++)
                for (int j = 0; j < geo.KW; j++)
                {
                    int kk = (c * geo.KH + i) * geo.KW + j;
                    // Position of (image, kk, pq=0) and the step between consecutive pq.
                    int at = transposed ? image * ohw * ckk + kk : (image * ckk + kk) * ohw;
                    int step = transposed ? ckk : 1;
                    int h0 = i * geo.DilationH - geo.PadH, v0 = j * geo.DilationW - geo.PadW;
                    for (int p = 0; p < oh; p++)
                    {
                        int h = p * geo.StrideH + h0, rowAt = at + p * ow * step;
                        if ((uint)h >= (uint)geo.H)
                        {
                            for (int q = 0; q < ow; q++) col[rowAt + q * step] = T.Zero;
                            continue;
                        }
                        int src = plane + h * geo.W;
                        for (int q = 0; q < ow; q++)
                        {
                            int v = q * geo.StrideW + v0;
                            col[rowAt + q * step] = (uint)v < (uint)geo.W ? x[src + v] : T.Zero;
                        }
                    }
                }
            }
        });
    }

    /// <summary>Folds columns (image-major, CKK x OHW each) back into dx, summing overlaps in a fixed order.</summary>
    private static void Col2Im<T>(in Conv2dGeometry g, T[] col, int n0, int count, T[] dx) where T : unmanaged, INumberBase<T>
    {
        int ckk = g.C * g.KH * g.KW, oh = g.OutH, ow = g.OutW, ohw = oh * ow;
        var geo = g;
        // Each (image, channel) plane of dx is written by one worker only.
        CpuLayout.Parallel(count * g.C, (long)count * ckk * ohw, (lo, hi) =>
        {
            for (int t = lo; t < hi; t++)
            {
                int image = t / geo.C, c = t % geo.C;
                int plane = ((n0 + image) * geo.C + c) * geo.H * geo.W;
                dx.AsSpan(plane, geo.H * geo.W).Clear();
                for (int i = 0; i < geo.KH; i++)
                for (int j = 0; j < geo.KW; j++)
                {
                    int at = (image * ckk + (c * geo.KH + i) * geo.KW + j) * ohw;
                    int h0 = i * geo.DilationH - geo.PadH, v0 = j * geo.DilationW - geo.PadW;
                    for (int p = 0; p < oh; p++)
                    {
                        int h = p * geo.StrideH + h0;
                        if ((uint)h >= (uint)geo.H) continue;
                        int dst = plane + h * geo.W, rowAt = at + p * ow;
                        for (int q = 0; q < ow; q++)
                        {
                            int v = q * geo.StrideW + v0;
                            if ((uint)v < (uint)geo.W) dx[dst + v] += col[rowAt + q];
                        }
                    }
                }
            }
        });
    }

    /// <inheritdoc />
    public override void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        var g = geometry;
        CheckPool(g, x, y, "max_pool2d");
        Check.Buffer(indices, DType.Int32, g.N * g.C * g.OutH * g.OutW, "max_pool2d indices");
        if (x.DType == DType.Float32) MaxPool(g, Arr<float>(x), Arr<float>(y), Arr<int>(indices));
        else MaxPool(g, Arr<double>(x), Arr<double>(y), Arr<int>(indices));
    }

    private static void MaxPool<T>(Pool2dGeometry g, T[] x, T[] y, int[] idx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        CpuLayout.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * g.KH * g.KW, (lo, hi) =>
        {
            for (int nc = lo; nc < hi; nc++)
            {
                int src = nc * planeIn;
                for (int p = 0; p < g.OutH; p++)
                {
                    int hs = p * g.StrideH - g.PadH, h0 = Math.Max(hs, 0), h1 = Math.Min(hs + g.KH, g.H);
                    for (int q = 0; q < g.OutW; q++)
                    {
                        int vs = q * g.StrideW - g.PadW, v0 = Math.Max(vs, 0), v1 = Math.Min(vs + g.KW, g.W);
                        T best = T.NegativeInfinity;
                        int bestAt = -1;
                        for (int h = h0; h < h1; h++)
                        for (int v = v0; v < v1; v++)
                        {
                            T value = x[src + h * g.W + v];
                            if (bestAt < 0 || value > best || (T.IsNaN(value) && !T.IsNaN(best)))
                            {
                                best = value;
                                bestAt = h * g.W + v;
                            }
                        }
                        int o = nc * planeOut + p * g.OutW + q;
                        y[o] = best;
                        idx[o] = bestAt;
                    }
                }
            }
        });
    }

    /// <inheritdoc />
    public override void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        CheckPool(geometry, x, y, "avg_pool2d");
        if (x.DType == DType.Float32) AvgPoolForward(geometry, Arr<float>(x), Arr<float>(y));
        else AvgPoolForward(geometry, Arr<double>(x), Arr<double>(y));
    }

    /// <inheritdoc />
    public override void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        CheckPool(geometry, dx, dy, "avg_pool2d backward");
        if (dx.DType == DType.Float32) AvgPoolBackward(geometry, Arr<float>(dy), Arr<float>(dx));
        else AvgPoolBackward(geometry, Arr<double>(dy), Arr<double>(dx));
    }

    private static void AvgPoolForward<T>(Pool2dGeometry g, T[] x, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        double scale = 1.0 / (g.KH * g.KW);
        CpuLayout.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * g.KH * g.KW, (lo, hi) =>
        {
            for (int nc = lo; nc < hi; nc++)
            {
                int src = nc * planeIn;
                for (int p = 0; p < g.OutH; p++)
                {
                    int hs = p * g.StrideH - g.PadH, h0 = Math.Max(hs, 0), h1 = Math.Min(hs + g.KH, g.H);
                    for (int q = 0; q < g.OutW; q++)
                    {
                        int vs = q * g.StrideW - g.PadW, v0 = Math.Max(vs, 0), v1 = Math.Min(vs + g.KW, g.W);
                        // Summed in double like the reference, so both round once at the end.
                        double sum = 0;
                        for (int h = h0; h < h1; h++)
                        for (int v = v0; v < v1; v++)
                            sum += double.CreateTruncating(x[src + h * g.W + v]);
                        y[nc * planeOut + p * g.OutW + q] = T.CreateTruncating(sum * scale);
                    }
                }
            }
        });
    }

    private static void AvgPoolBackward<T>(Pool2dGeometry g, T[] dy, T[] dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        double scale = 1.0 / (g.KH * g.KW);
        CpuLayout.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * g.KH * g.KW, (lo, hi) =>
        {
            for (int nc = lo; nc < hi; nc++)
            {
                int dst = nc * planeIn;
                dx.AsSpan(dst, planeIn).Clear();
                for (int p = 0; p < g.OutH; p++)
                {
                    int hs = p * g.StrideH - g.PadH, h0 = Math.Max(hs, 0), h1 = Math.Min(hs + g.KH, g.H);
                    for (int q = 0; q < g.OutW; q++)
                    {
                        int vs = q * g.StrideW - g.PadW, v0 = Math.Max(vs, 0), v1 = Math.Min(vs + g.KW, g.W);
                        double share = double.CreateTruncating(dy[nc * planeOut + p * g.OutW + q]) * scale;
                        // Same order and rounding as the reference: one plane, windows in row-major order.
                        for (int h = h0; h < h1; h++)
                        for (int v = v0; v < v1; v++)
                        {
                            ref T cell = ref dx[dst + h * g.W + v];
                            cell = T.CreateTruncating(double.CreateTruncating(cell) + share);
                        }
                    }
                }
            }
        });
    }
}
