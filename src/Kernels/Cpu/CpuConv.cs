using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

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

    // Every pass works on a group of images laid side by side: the unfolded input is one
    // CKK x (count * OHW) matrix, so each convolution is one large GEMM (threads split its columns).

    private static void ConvForward<T>(Conv2dGeometry g, T[] x, T[] w, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, group = ImagesPerGroup(g);
        T[] col = ArrayPool<T>.Shared.Rent(Math.Max(1, group * ckk * ohw));
        T[] wide = ArrayPool<T>.Shared.Rent(Math.Max(1, group * g.O * ohw));
        try
        {
            for (int n0 = 0; n0 < g.N; n0 += group)
            {
                int count = Math.Min(group, g.N - n0), ld = count * ohw;
                Im2Col(g, x, n0, count, col);
                // wide (O x count*OHW) = w (O x CKK) * col (CKK x count*OHW).
                GemmCore(new GemmArgs(1, g.O, ld, ckk, false, false, 0, ckk, 0, 0, ld, 0, 0, ld, 0), w, col, wide);
                Unwiden(wide, y, n0, count, g.O, ohw);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(col);
            ArrayPool<T>.Shared.Return(wide);
        }
    }

    private static void ConvBackwardInput<T>(Conv2dGeometry g, T[] dy, T[] w, T[] dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, group = ImagesPerGroup(g);
        T[] col = ArrayPool<T>.Shared.Rent(Math.Max(1, group * ckk * ohw));
        T[] wide = ArrayPool<T>.Shared.Rent(Math.Max(1, group * g.O * ohw));
        try
        {
            for (int n0 = 0; n0 < g.N; n0 += group)
            {
                int count = Math.Min(group, g.N - n0), ld = count * ohw;
                Widen(dy, wide, n0, count, g.O, ohw);
                // dcol (CKK x count*OHW) = w^T (CKK x O) * dy (O x count*OHW).
                GemmCore(new GemmArgs(1, ckk, ld, g.O, true, false, 0, ckk, 0, 0, ld, 0, 0, ld, 0), w, wide, col);
                Col2Im(g, col, n0, count, dx);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(col);
            ArrayPool<T>.Shared.Return(wide);
        }
    }

    private static void ConvBackwardWeight<T>(Conv2dGeometry g, T[] x, T[] dy, T[] dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, group = ImagesPerGroup(g);
        if (g.N == 0 || ohw == 0)
        {
            dw.AsSpan(0, g.O * ckk).Clear();
            return;
        }
        T[] col = ArrayPool<T>.Shared.Rent(group * ckk * ohw);
        T[] wide = ArrayPool<T>.Shared.Rent(g.O * group * ohw);
        try
        {
            for (int n0 = 0; n0 < g.N; n0 += group)
            {
                int count = Math.Min(group, g.N - n0), ld = count * ohw;
                Im2Col(g, x, n0, count, col);
                Widen(dy, wide, n0, count, g.O, ohw);
                // dw (O x CKK) (+)= dy (O x count*OHW) * col^T (count*OHW x CKK); groups accumulate in image order.
                GemmCore(new GemmArgs(1, g.O, ckk, ld, false, true, 0, ld, 0, 0, ld, 0, 0, ckk, 0, 1, n0 == 0 ? 0 : 1), wide, col, dw);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(col);
            ArrayPool<T>.Shared.Return(wide);
        }
    }

    /// <summary>wide[o * count*OHW + i * OHW + pq] = nchw[((n0 + i) * O + o) * OHW + pq].</summary>
    private static void Widen<T>(T[] nchw, T[] wide, int n0, int count, int channels, int ohw)
    {
        int ld = count * ohw;
        CpuLayout.Parallel(count, (long)count * channels * ohw, (lo, hi) =>
        {
            for (int i = lo; i < hi; i++)
            for (int o = 0; o < channels; o++)
                Array.Copy(nchw, ((n0 + i) * channels + o) * ohw, wide, o * ld + i * ohw, ohw);
        });
    }

    /// <summary>The inverse of <see cref="Widen{T}"/>.</summary>
    private static void Unwiden<T>(T[] wide, T[] nchw, int n0, int count, int channels, int ohw)
    {
        int ld = count * ohw;
        CpuLayout.Parallel(count, (long)count * channels * ohw, (lo, hi) =>
        {
            for (int i = lo; i < hi; i++)
            for (int o = 0; o < channels; o++)
                Array.Copy(wide, o * ld + i * ohw, nchw, ((n0 + i) * channels + o) * ohw, ohw);
        });
    }

    /// <summary>
    /// Unfolds images [n0, n0 + count) into one CKK x (count * OHW) matrix: element
    /// (c*KH*KW + i*KW + j, image*OHW + p*OW + q) is x[n0 + image, c, p*sh + i*dh - ph, q*sw + j*dw - pw], or 0 outside.
    /// </summary>
    private static void Im2Col<T>(in Conv2dGeometry g, T[] x, int n0, int count, T[] col) where T : unmanaged, INumberBase<T>
    {
        int ckk = g.C * g.KH * g.KW, oh = g.OutH, ow = g.OutW, ohw = oh * ow, ld = count * ohw;
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
                    int at = kk * ld + image * ohw;
                    int h0 = i * geo.DilationH - geo.PadH, v0 = j * geo.DilationW - geo.PadW;
                    // Output columns q whose input column q*sw + v0 lies inside [0, W).
                    int qlo = v0 >= 0 ? 0 : Math.Min(ow, (-v0 + geo.StrideW - 1) / geo.StrideW);
                    int qhi = Math.Clamp(geo.W - v0 <= 0 ? 0 : (geo.W - v0 - 1) / geo.StrideW + 1, qlo, ow);
                    for (int p = 0; p < oh; p++)
                    {
                        int h = p * geo.StrideH + h0, rowAt = at + p * ow;
                        var dst = col.AsSpan(rowAt, ow);
                        if ((uint)h >= (uint)geo.H)
                        {
                            dst.Clear();
                            continue;
                        }
                        dst[..qlo].Clear();
                        dst[qhi..].Clear();
                        int src = plane + h * geo.W + v0;
                        if (geo.StrideW == 1) x.AsSpan(src + qlo, qhi - qlo).CopyTo(dst[qlo..qhi]);
                        else for (int q = qlo; q < qhi; q++) dst[q] = x[src + q * geo.StrideW];
                    }
                }
            }
        });
    }

    /// <summary>Folds a CKK x (count * OHW) column matrix back into dx, summing overlaps in a fixed order.</summary>
    private static void Col2Im<T>(in Conv2dGeometry g, T[] col, int n0, int count, T[] dx) where T : unmanaged, INumberBase<T>
    {
        int ckk = g.C * g.KH * g.KW, oh = g.OutH, ow = g.OutW, ohw = oh * ow, ld = count * ohw;
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
                    int at = ((c * geo.KH + i) * geo.KW + j) * ld + image * ohw;
                    int h0 = i * geo.DilationH - geo.PadH, v0 = j * geo.DilationW - geo.PadW;
                    int qlo = v0 >= 0 ? 0 : Math.Min(ow, (-v0 + geo.StrideW - 1) / geo.StrideW);
                    int qhi = Math.Clamp(geo.W - v0 <= 0 ? 0 : (geo.W - v0 - 1) / geo.StrideW + 1, qlo, ow);
                    for (int p = 0; p < oh; p++)
                    {
                        int h = p * geo.StrideH + h0;
                        if ((uint)h >= (uint)geo.H) continue;
                        int dst = plane + h * geo.W + v0, rowAt = at + p * ow;
                        if (geo.StrideW == 1)
                        {
                            var d = dx.AsSpan(dst + qlo, qhi - qlo);
                            TensorPrimitives.Add(d, col.AsSpan(rowAt + qlo, qhi - qlo), d);
                        }
                        else for (int q = qlo; q < qhi; q++) dx[dst + q * geo.StrideW] += col[rowAt + q];
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
        if (g is { KH: 2, KW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 })
        {
            MaxPool2x2(g, x, y, idx);
            return;
        }
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

    /// <summary>The common 2x2 / stride 2 / no padding window: four candidates in the reference's order, no bounds tests.</summary>
    private static void MaxPool2x2<T>(Pool2dGeometry g, T[] x, T[] y, int[] idx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW, width = g.W, oh = g.OutH, ow = g.OutW;
        CpuLayout.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * 4, (lo, hi) =>
        {
            for (int nc = lo; nc < hi; nc++)
            {
                ReadOnlySpan<T> plane = x.AsSpan(nc * planeIn, planeIn);
                Span<T> yo = y.AsSpan(nc * planeOut, planeOut);
                Span<int> io = idx.AsSpan(nc * planeOut, planeOut);
                for (int p = 0; p < oh; p++)
                {
                    int r0 = 2 * p * width, r1 = r0 + width, o = p * ow;
                    for (int q = 0; q < ow; q++)
                    {
                        int at = r0 + 2 * q;
                        T best = plane[at];
                        int bestAt = at;
                        Take(plane[at + 1], at + 1, ref best, ref bestAt);
                        Take(plane[r1 + 2 * q], r1 + 2 * q, ref best, ref bestAt);
                        Take(plane[r1 + 2 * q + 1], r1 + 2 * q + 1, ref best, ref bestAt);
                        yo[o + q] = best;
                        io[o + q] = bestAt;
                    }
                }
            }
        });

        static void Take(T value, int at, ref T best, ref int bestAt)
        {
            if (value > best || (T.IsNaN(value) && !T.IsNaN(best)))
            {
                best = value;
                bestAt = at;
            }
        }
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
