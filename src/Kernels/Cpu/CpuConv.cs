using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public override void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null)
    {
        CheckConv(geometry, x, w, y, "conv2d forward");
        Check.ConvBias(geometry, x, bias, "conv2d forward");
        if (x.DType == DType.Float32) ConvForward(geometry, Arr<float>(x), Arr<float>(w), Arr<float>(y), bias is null ? null : Arr<float>(bias));
        else ConvForward(geometry, Arr<double>(x), Arr<double>(w), Arr<double>(y), bias is null ? null : Arr<double>(bias));
        KeepAlive(x, w, y, bias);
    }

    /// <inheritdoc />
    public override void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        CheckConv(geometry, dx, w, dy, "conv2d backward-input");
        if (dx.DType == DType.Float32) ConvBackwardInput(geometry, Arr<float>(dy), Arr<float>(w), Arr<float>(dx));
        else ConvBackwardInput(geometry, Arr<double>(dy), Arr<double>(w), Arr<double>(dx));
        KeepAlive(dy, w, dx);
    }

    /// <inheritdoc />
    public override void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        CheckConv(geometry, x, dw, dy, "conv2d backward-weight");
        if (x.DType == DType.Float32) ConvBackwardWeight(geometry, Arr<float>(x), Arr<float>(dy), Arr<float>(dw));
        else ConvBackwardWeight(geometry, Arr<double>(x), Arr<double>(dy), Arr<double>(dw));
        KeepAlive(x, dy, dw);
    }

    // Images are split over the cores in fixed contiguous ranges; each worker unfolds one image at a
    // time into its own CKK x OHW scratch (small enough to stay in L2) and runs that image's GEMM on
    // its own thread, so the unfolded data never travels through memory.

    /// <summary>Fixed number of partial weight gradients (independent of the core count, so sums never depend on threads).</summary>
    private const int WeightChunks = 2;

    private static void ConvForward<T>(Conv2dGeometry g, T[] x, T[] w, T[] y, T[]? bias = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW;
        CpuLayout.Parallel(g.N, (long)g.N * g.O * ckk * ohw, (lo, hi) =>
        {
            var unfold = new Unfolder<T>(g);
            try
            {
                for (int n = lo; n < hi; n++)
                {
                    T[] col = unfold.Image(x, n);
                    // y[n] (O x OHW) = w (O x CKK) * col (CKK x OHW), then the bias while y[n] is in cache.
                    GemmSerial(new GemmArgs(1, g.O, ohw, ckk, false, false, 0, ckk, 0, 0, ohw, 0, n * g.O * ohw, ohw, 0), w, col, y);
                    if (bias is null) continue;
                    for (int o = 0; o < g.O; o++)
                    {
                        var plane = y.AsSpan((n * g.O + o) * ohw, ohw);
                        TensorPrimitives.Add(plane, bias[o], plane);
                    }
                }
            }
            finally
            {
                unfold.Dispose();
            }
        });
    }

    private static void ConvBackwardInput<T>(Conv2dGeometry g, T[] dy, T[] w, T[] dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (AsForward(g) is { } full)
        {
            // Stride 1: dx is the full convolution of dy with the flipped, channel-swapped kernel,
            // which the forward path computes without a col2im pass.
            int kk = g.KH * g.KW;
            T[] flipped = ArrayPool<T>.Shared.Rent(g.O * g.C * kk);
            try
            {
                for (int o = 0; o < g.O; o++)
                for (int c = 0; c < g.C; c++)
                for (int k = 0; k < kk; k++)
                    flipped[(c * g.O + o) * kk + kk - 1 - k] = w[(o * g.C + c) * kk + k];
                ConvForward(full, dy, flipped, dx);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(flipped);
            }
            return;
        }
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW;
        CpuLayout.Parallel(g.N, (long)g.N * g.O * ckk * ohw, (lo, hi) =>
        {
            T[] col = ArrayPool<T>.Shared.Rent(Math.Max(1, ckk * ohw));
            try
            {
                for (int n = lo; n < hi; n++)
                {
                    // dcol (CKK x OHW) = w^T (CKK x O) * dy[n] (O x OHW), then folded into dx[n].
                    GemmSerial(new GemmArgs(1, ckk, ohw, g.O, true, false, 0, ckk, 0, n * g.O * ohw, ohw, 0, 0, ohw, 0), w, dy, col);
                    Col2Im(g, col, n, dx);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(col);
            }
        });
    }

    /// <summary>
    /// For a stride-1, dilation-1 convolution whose padding is below the kernel size, the geometry of
    /// the forward convolution that computes its input gradient: dy in, dx out, padding K - 1 - P.
    /// Null for fewer than 8 input channels too: that forward convolution would have under 8 output
    /// rows per GEMM and unfold all O channels, and col2im is faster there.
    /// </summary>
    private static Conv2dGeometry? AsForward(in Conv2dGeometry g)
    {
        if (g is not { StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1 } || g.PadH > g.KH - 1 || g.PadW > g.KW - 1 || g.C < 8) return null;
        return new Conv2dGeometry(g.N, g.O, g.OutH, g.OutW, g.C, g.KH, g.KW, 1, 1, g.KH - 1 - g.PadH, g.KW - 1 - g.PadW, 1, 1);
    }

    private static void ConvBackwardWeight<T>(Conv2dGeometry g, T[] x, T[] dy, T[] dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, size = g.O * ckk;
        if (g.N == 0 || ohw == 0)
        {
            dw.AsSpan(0, size).Clear();
            return;
        }
        int chunks = Math.Min(WeightChunks, g.N);
        // Each chunk of images accumulates dw^T (CKK x O) in its own scratch, so the unfolded
        // image is the row-major left operand; the chunks are then added, in chunk order, while
        // transposing into dw.
        T[] partial = ArrayPool<T>.Shared.Rent(chunks * size);
        try
        {
            CpuLayout.Parallel(chunks, (long)g.N * g.O * ckk * ohw, (lo, hi) =>
            {
                var unfold = new Unfolder<T>(g);
                try
                {
                    for (int chunk = lo; chunk < hi; chunk++)
                    {
                        int n0 = (int)((long)g.N * chunk / chunks), n1 = (int)((long)g.N * (chunk + 1) / chunks);
                        for (int n = n0; n < n1; n++)
                        {
                            T[] col = unfold.Image(x, n);
                            // dw^T (CKK x O) (+)= col (CKK x OHW) * dy[n]^T (OHW x O), images in order.
                            GemmSerial(new GemmArgs(1, ckk, g.O, ohw, false, true, 0, ohw, 0, n * g.O * ohw, ohw, 0, chunk * size, g.O, 0, 1, n == n0 ? 0 : 1), col, dy, partial);
                        }
                    }
                }
                finally
                {
                    unfold.Dispose();
                }
            });
            for (int o = 0; o < g.O; o++)
            {
                var row = dw.AsSpan(o * ckk, ckk);
                for (int k = 0; k < ckk; k++)
                {
                    T sum = partial[k * g.O + o];
                    for (int chunk = 1; chunk < chunks; chunk++) sum += partial[chunk * size + k * g.O + o];
                    row[k] = sum;
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(partial);
        }
    }

    /// <summary>
    /// Unfolds image <paramref name="n"/> into a CKK x OHW matrix: element (c*KH*KW + i*KW + j, p*OW + q)
    /// is x[n, c, p*sh + i*dh - ph, q*sw + j*dw - pw], or 0 outside.
    /// </summary>
    private static void Im2Col<T>(in Conv2dGeometry g, T[] x, int n, T[] col) where T : unmanaged, INumberBase<T>
    {
        int oh = g.OutH, ow = g.OutW, ohw = oh * ow;
        for (int c = 0; c < g.C; c++)
        {
            int plane = (n * g.C + c) * g.H * g.W;
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                int at = ((c * g.KH + i) * g.KW + j) * ohw;
                int h0 = i * g.DilationH - g.PadH, v0 = j * g.DilationW - g.PadW;
                var (qlo, qhi) = InsideColumns(g, v0);
                for (int p = 0; p < oh; p++)
                {
                    int h = p * g.StrideH + h0;
                    var dst = col.AsSpan(at + p * ow, ow);
                    if ((uint)h >= (uint)g.H)
                    {
                        dst.Clear();
                        continue;
                    }
                    dst[..qlo].Clear();
                    dst[qhi..].Clear();
                    // An empty range (a kernel column that sees only padding) may start outside the row.
                    if (qlo == qhi) continue;
                    int src = plane + h * g.W + v0;
                    if (g.StrideW == 1) x.AsSpan(src + qlo, qhi - qlo).CopyTo(dst[qlo..qhi]);
                    else for (int q = qlo; q < qhi; q++) dst[q] = x[src + q * g.StrideW];
                }
            }
        }
    }

    /// <summary>The output columns [qlo, qhi) whose input column q * StrideW + <paramref name="v0"/> lies inside [0, W).</summary>
    private static (int Lo, int Hi) InsideColumns(in Conv2dGeometry g, int v0)
    {
        int lo = v0 >= 0 ? 0 : Math.Min(g.OutW, (-v0 + g.StrideW - 1) / g.StrideW);
        int hi = Math.Clamp(g.W - v0 <= 0 ? 0 : (g.W - v0 - 1) / g.StrideW + 1, lo, g.OutW);
        return (lo, hi);
    }

    /// <summary>Folds a CKK x OHW column matrix back into image <paramref name="n"/> of dx, summing overlaps in a fixed order.</summary>
    private static void Col2Im<T>(in Conv2dGeometry g, T[] col, int n, T[] dx) where T : unmanaged, INumberBase<T>
    {
        int oh = g.OutH, ow = g.OutW, ohw = oh * ow;
        for (int c = 0; c < g.C; c++)
        {
            int plane = (n * g.C + c) * g.H * g.W;
            dx.AsSpan(plane, g.H * g.W).Clear();
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                int at = ((c * g.KH + i) * g.KW + j) * ohw;
                int h0 = i * g.DilationH - g.PadH, v0 = j * g.DilationW - g.PadW;
                var (qlo, qhi) = InsideColumns(g, v0);
                for (int p = 0; p < oh; p++)
                {
                    int h = p * g.StrideH + h0;
                    // An empty column range (only padding) may start outside the row: nothing to fold.
                    if ((uint)h >= (uint)g.H || qlo == qhi) continue;
                    int dst = plane + h * g.W + v0, rowAt = at + p * ow;
                    if (g.StrideW == 1)
                    {
                        var d = dx.AsSpan(dst + qlo, qhi - qlo);
                        TensorPrimitives.Add(d, col.AsSpan(rowAt + qlo, qhi - qlo), d);
                    }
                    else for (int q = qlo; q < qhi; q++) dx[dst + q * g.StrideW] += col[rowAt + q];
                }
            }
        }
    }

    /// <inheritdoc />
    public override void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        var g = geometry;
        CheckPool(g, x, y, "max_pool2d");
        Check.Buffer(indices, DType.Int32, g.N * g.C * g.OutH * g.OutW, "max_pool2d indices");
        if (x.DType == DType.Float32) MaxPool(g, Arr<float>(x), Arr<float>(y), Arr<int>(indices));
        else MaxPool(g, Arr<double>(x), Arr<double>(y), Arr<int>(indices));
        KeepAlive(x, y, indices);
    }

    private static void MaxPool<T>(Pool2dGeometry g, T[] x, T[] y, int[] idx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        if (g is { KH: 2, KW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 })
        {
            if (typeof(T) == typeof(float) && Avx512F.IsSupported) MaxPool2x2Single(g, (float[])(object)x, (float[])(object)y, idx);
            else MaxPool2x2(g, x, y, idx);
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

    /// <summary>
    /// 2x2 / stride 2 max pooling on float with AVX-512: 16 outputs at a time (even/odd columns split
    /// by a two-register permute), candidates compared in the reference's order with strict
    /// greater-than, so the first maximum wins. Short rows (the homework's 14- and 7-wide outputs)
    /// use masked loads, filled with -inf, and masked stores. A chunk holding a NaN goes through the
    /// scalar rule.
    /// </summary>
    private static unsafe void MaxPool2x2Single(Pool2dGeometry g, float[] x, float[] y, int[] idx)
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW, width = g.W, oh = g.OutH, ow = g.OutW;
        CpuLayout.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * 4, (lo, hi) =>
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odds = evens + Vector512<int>.One;
            var lanes = Vector512<int>.Indices;
            var fill = Vector512.Create(float.NegativeInfinity);
            fixed (float* xp = x, yp = y)
            fixed (int* ip = idx)
            {
                for (int nc = lo; nc < hi; nc++)
                {
                    float* plane = xp + (long)nc * planeIn;
                    for (int p = 0; p < oh; p++)
                    {
                        int r0 = 2 * p * width, r1 = r0 + width, o = nc * planeOut + p * ow;
                        for (int q = 0; q < ow; q += 16)
                        {
                            int count = Math.Min(16, ow - q);
                            Vector512<float> t0, t1, b0, b1;
                            if (count == 16)
                            {
                                t0 = Vector512.Load(plane + r0 + 2 * q);
                                t1 = Vector512.Load(plane + r0 + 2 * q + 16);
                                b0 = Vector512.Load(plane + r1 + 2 * q);
                                b1 = Vector512.Load(plane + r1 + 2 * q + 16);
                            }
                            else
                            {
                                // Only the 2 * count inputs of this row are read; the other lanes are -inf.
                                var m0 = Vector512.LessThan(lanes, Vector512.Create(2 * count)).AsSingle();
                                var m1 = Vector512.LessThan(lanes, Vector512.Create(2 * count - 16)).AsSingle();
                                t0 = Avx512F.MaskLoad(plane + r0 + 2 * q, m0, fill);
                                t1 = Avx512F.MaskLoad(plane + r0 + 2 * q + 16, m1, fill);
                                b0 = Avx512F.MaskLoad(plane + r1 + 2 * q, m0, fill);
                                b1 = Avx512F.MaskLoad(plane + r1 + 2 * q + 16, m1, fill);
                            }
                            var a = Avx512F.PermuteVar16x32x2(t0, evens, t1);
                            var b = Avx512F.PermuteVar16x32x2(t0, odds, t1);
                            var c = Avx512F.PermuteVar16x32x2(b0, evens, b1);
                            var d = Avx512F.PermuteVar16x32x2(b0, odds, b1);
                            var nan = ~Vector512.Equals(a, a) | ~Vector512.Equals(b, b) | ~Vector512.Equals(c, c) | ~Vector512.Equals(d, d);
                            if (nan != Vector512<float>.Zero)
                            {
                                for (int j = q; j < q + count; j++) MaxPool2x2Scalar(plane, r0, r1, j, out yp[o + j], out ip[o + j]);
                                continue;
                            }
                            var at = Vector512.Create(r0 + 2 * q) + evens;
                            var best = a;
                            var take = Vector512.GreaterThan(b, best);
                            best = Vector512.ConditionalSelect(take, b, best);
                            at = Vector512.ConditionalSelect(take.AsInt32(), at + Vector512<int>.One, at);
                            take = Vector512.GreaterThan(c, best);
                            best = Vector512.ConditionalSelect(take, c, best);
                            var atC = Vector512.Create(r1 + 2 * q) + evens;
                            at = Vector512.ConditionalSelect(take.AsInt32(), atC, at);
                            take = Vector512.GreaterThan(d, best);
                            best = Vector512.ConditionalSelect(take, d, best);
                            at = Vector512.ConditionalSelect(take.AsInt32(), atC + Vector512<int>.One, at);
                            if (count == 16)
                            {
                                best.Store(yp + o + q);
                                at.Store(ip + o + q);
                            }
                            else
                            {
                                var mo = Vector512.LessThan(lanes, Vector512.Create(count));
                                Avx512F.MaskStore(yp + o + q, mo.AsSingle(), best);
                                Avx512F.MaskStore(ip + o + q, mo, at);
                            }
                        }
                    }
                }
            }
        });
    }

    /// <summary>One 2x2 window by the reference's rule (candidates in order, first maximum wins, NaN over numbers).</summary>
    private static unsafe void MaxPool2x2Scalar(float* plane, int r0, int r1, int q, out float value, out int at)
    {
        int a0 = r0 + 2 * q, c0 = r1 + 2 * q;
        float best = plane[a0];
        int bestAt = a0;
        TakeFirstMax(plane[a0 + 1], a0 + 1, ref best, ref bestAt);
        TakeFirstMax(plane[c0], c0, ref best, ref bestAt);
        TakeFirstMax(plane[c0 + 1], c0 + 1, ref best, ref bestAt);
        value = best;
        at = bestAt;
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
                        TakeFirstMax(plane[at + 1], at + 1, ref best, ref bestAt);
                        TakeFirstMax(plane[r1 + 2 * q], r1 + 2 * q, ref best, ref bestAt);
                        TakeFirstMax(plane[r1 + 2 * q + 1], r1 + 2 * q + 1, ref best, ref bestAt);
                        yo[o + q] = best;
                        io[o + q] = bestAt;
                    }
                }
            }
        });
    }

    /// <summary>The reference's window rule: a later candidate wins only if larger, or NaN over a number (first maximum wins ties).</summary>
    private static void TakeFirstMax<T>(T value, int at, ref T best, ref int bestAt) where T : IFloatingPointIeee754<T>
    {
        if (value > best || (T.IsNaN(value) && !T.IsNaN(best)))
        {
            best = value;
            bestAt = at;
        }
    }

    /// <inheritdoc />
    public override void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        CheckPool(geometry, x, y, "avg_pool2d");
        if (x.DType == DType.Float32) AvgPoolForward(geometry, Arr<float>(x), Arr<float>(y));
        else AvgPoolForward(geometry, Arr<double>(x), Arr<double>(y));
        KeepAlive(x, y);
    }

    /// <inheritdoc />
    public override void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        CheckPool(geometry, dx, dy, "avg_pool2d backward");
        if (dx.DType == DType.Float32) AvgPoolBackward(geometry, Arr<float>(dy), Arr<float>(dx));
        else AvgPoolBackward(geometry, Arr<double>(dy), Arr<double>(dx));
        KeepAlive(dy, dx);
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
