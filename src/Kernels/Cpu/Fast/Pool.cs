using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The pool family: max pooling (a 2x2 / stride 2 path, AVX-512 for float) and average pooling and
/// its adjoint, planes split over the cores. Windows are visited in the reference's order, so values,
/// indices and roundings are the reference's.
/// </summary>
internal static class Pool
{
    /// <summary>Each window's first maximum (NaN over numbers) and its flat position h * W + w in the input plane.</summary>
    public static void MaxForward<T>(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) where T : unmanaged, IFloatingPointIeee754<T> =>
        MaxPool(g, CpuBuffer.ArrayOf<T>(x), CpuBuffer.ArrayOf<T>(y), CpuBuffer.ArrayOf<int>(indices));

    /// <summary>Window sums in double divided by KH * KW (padding counts), rounded once.</summary>
    public static void AvgForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T> =>
        AvgPoolForward(geometry, CpuBuffer.ArrayOf<T>(x), CpuBuffer.ArrayOf<T>(y));

    /// <summary>dx: each dy / (KH * KW) added to the cells of its window, windows in row-major order.</summary>
    public static void AvgBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T> =>
        AvgPoolBackward(geometry, CpuBuffer.ArrayOf<T>(dy), CpuBuffer.ArrayOf<T>(dx));

    private static void MaxPool<T>(Pool2dGeometry g, T[] x, T[] y, int[] idx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        if (g is { KH: 2, KW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 })
        {
            if (typeof(T) == typeof(float) && Avx512F.IsSupported) MaxPool2x2Single(g, (float[])(object)x, (float[])(object)y, idx);
            else MaxPool2x2(g, x, y, idx);
            return;
        }
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * g.KH * g.KW, (lo, hi) =>
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
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * 4, (lo, hi) =>
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
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * 4, (lo, hi) =>
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

    private static void AvgPoolForward<T>(Pool2dGeometry g, T[] x, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        double scale = 1.0 / (g.KH * g.KW);
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * g.KH * g.KW, (lo, hi) =>
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
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * g.KH * g.KW, (lo, hi) =>
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
