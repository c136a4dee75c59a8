using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The pool family: max pooling (a 2x2 / stride 2 path, vectorised for float in Pool.Max2x2.cs) and average pooling and
/// its adjoint, planes split over the cores. Windows are visited in the reference's order, so values,
/// indices and roundings are the reference's.
/// </summary>
internal static partial class Pool
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
            if (typeof(T) == typeof(float) && Avx512F.IsSupported) MaxPool2x2Single<Max2x2Avx512>(g, (float[])(object)x, (float[])(object)y, idx);
            else if (typeof(T) == typeof(float) && Avx2.IsSupported) MaxPool2x2Single<Max2x2Avx2>(g, (float[])(object)x, (float[])(object)y, idx);
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
