using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The pool family: max pooling (a 2x2 / stride 2 path, vectorised for float in Pool.Max2x2.cs) and
/// average pooling, each with its adjoint, planes split over the cores. Windows are visited in the
/// reference's order, so values, indices and roundings are the reference's. The entry points keep
/// their buffers alive while the arrays they hand out are read (see <see cref="CpuBuffer.KeepAlive"/>).
/// </summary>
internal static partial class Pool
{
    /// <summary>Each window's first maximum (NaN over numbers) and its flat position h * W + w in the input plane.</summary>
    public static void MaxForward<T>(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        MaxPool(g, CpuBuffer.ArrayOf<T>(x), CpuBuffer.ArrayOf<T>(y), CpuBuffer.ArrayOf<int>(indices));
        CpuBuffer.KeepAlive(x, y, indices);
    }

    /// <summary>Window sums in double divided by KH * KW (padding counts), rounded once.</summary>
    public static void AvgForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        AvgPoolForward(geometry, CpuBuffer.ArrayOf<T>(x), CpuBuffer.ArrayOf<T>(y));
        CpuBuffer.KeepAlive(x, y);
    }

    /// <summary>dx: each dy / (KH * KW) added to the cells of its window, windows in row-major order.</summary>
    public static void AvgBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        AvgPoolBackward(geometry, CpuBuffer.ArrayOf<T>(dy), CpuBuffer.ArrayOf<T>(dx));
        CpuBuffer.KeepAlive(dy, dx);
    }

    /// <summary>
    /// dx: per plane, the plane cleared and each dy added at its window's maximum in output order (a
    /// scatter-add into zeros, so the same sums), while the plane is in cache: dx goes to memory once.
    /// Float 2x2 / stride 2 windows write each cell once instead (<see cref="MaxBackward2x2"/>). With a
    /// gate, each dy is first selected by it (<see cref="EpilogueMath.Gate{T}"/>, ReLU's rule).
    /// </summary>
    public static void MaxBackward<T>(in Pool2dGeometry g, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx, DeviceBuffer? gate = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] gy = CpuBuffer.ArrayOf<T>(dy), gx = CpuBuffer.ArrayOf<T>(dx);
        T[]? gates = gate is null ? null : CpuBuffer.ArrayOf<T>(gate);
        int[] idx = CpuBuffer.ArrayOf<int>(indices);
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        var geometry = g;
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * (planeIn + planeOut), (lo, hi) =>
        {
            for (int nc = lo; nc < hi; nc++) MaxBackwardPlane(geometry, nc, gy, idx, gates, gx.AsSpan(nc * planeIn, planeIn));
        });
        CpuBuffer.KeepAlive(dy, indices, dx, gate);
    }

    /// <summary>Plane <paramref name="nc"/> of max pooling's backward (see <see cref="MaxBackward{T}"/>) into <paramref name="plane"/>.</summary>
    internal static void MaxBackwardPlane<T>(in Pool2dGeometry g, int nc, T[] dy, int[] indices, T[]? gates, Span<T> plane) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeOut = g.OutH * g.OutW;
        var from = dy.AsSpan(nc * planeOut, planeOut);
        var at = indices.AsSpan(nc * planeOut, planeOut);
        var by = gates is null ? default : gates.AsSpan(nc * planeOut, planeOut);
        bool twoByTwo = typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && g is { KH: 2, KW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 };
        if (twoByTwo && MaxBackward2x2(g, MemoryMarshal.Cast<T, float>(plane), MemoryMarshal.Cast<T, float>(from), at, MemoryMarshal.Cast<T, float>(by), gates is not null)) return;
        plane.Clear();
        if (gates is null) for (int o = 0; o < from.Length; o++) plane[at[o]] += from[o];
        else for (int o = 0; o < from.Length; o++) plane[at[o]] += EpilogueMath.Gate(from[o], by[o]);
    }

    private static void MaxPool<T>(Pool2dGeometry g, T[] x, T[] y, int[] idx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g is { KH: 2, KW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 })
        {
            if (typeof(T) == typeof(float) && Avx512F.IsSupported) MaxPool2x2Single<Max2x2Avx512>(g, (float[])(object)x, (float[])(object)y, idx);
            else if (typeof(T) == typeof(float) && Avx2.IsSupported) MaxPool2x2Single<Max2x2Avx2>(g, (float[])(object)x, (float[])(object)y, idx);
            else MaxPool2x2(g, x, y, idx);
            return;
        }
        ForEachWindow(g, new MaxWindow<T>(g, x, y, idx));
    }

    /// <summary>The input rows [Lo, Hi) of output row <paramref name="p"/>'s windows (the padding cut off).</summary>
    private static (int Lo, int Hi) WindowRows(in Pool2dGeometry g, int p)
    {
        int start = p * g.StrideH - g.PadH;
        return (Math.Max(start, 0), Math.Min(start + g.KH, g.H));
    }

    /// <summary>The input columns [Lo, Hi) of output column <paramref name="q"/>'s windows (the padding cut off).</summary>
    private static (int Lo, int Hi) WindowColumns(in Pool2dGeometry g, int q)
    {
        int start = q * g.StrideW - g.PadW;
        return (Math.Max(start, 0), Math.Min(start + g.KW, g.W));
    }

    /// <summary>The reference's window rule: a later candidate wins only if larger, or NaN over a number (first maximum wins ties).</summary>
    private static void TakeFirstMax<T>(T value, int at, ref T best, ref int bestAt) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!ScalarMath.Beats(value, best)) return;
        best = value;
        bestAt = at;
    }

    private static void AvgPoolForward<T>(Pool2dGeometry g, T[] x, T[] y) where T : unmanaged, IFloatingPointIeee754<T> =>
        ForEachWindow(g, new AvgWindow<T>(g, x, y));

    private static void AvgPoolBackward<T>(Pool2dGeometry g, T[] dy, T[] dx) where T : unmanaged, IFloatingPointIeee754<T> =>
        ForEachWindow(g, new AvgAdjointWindow<T>(g, dy, dx));

    /// <summary>One pooling kernel's work per plane and per window (a struct: the walker's calls inline).</summary>
    private interface IWindowOp
    {
        /// <summary>Before the windows of plane <paramref name="nc"/>.</summary>
        void Plane(int nc);

        /// <summary>Output <paramref name="o"/> of plane <paramref name="nc"/>: input rows [h0, h1) x columns [v0, v1) of that plane.</summary>
        void Window(int nc, int o, int h0, int h1, int v0, int v1);
    }

    /// <summary>Every window in row-major order, planes split over the cores.</summary>
    private static void ForEachWindow<TOp>(Pool2dGeometry g, TOp op) where TOp : struct, IWindowOp
    {
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * g.OutH * g.OutW * g.KH * g.KW, (lo, hi) =>
        {
            var local = op;
            for (int nc = lo; nc < hi; nc++)
            {
                local.Plane(nc);
                for (int p = 0; p < g.OutH; p++)
                {
                    var (h0, h1) = WindowRows(g, p);
                    for (int q = 0; q < g.OutW; q++)
                    {
                        var (v0, v1) = WindowColumns(g, q);
                        local.Window(nc, (nc * g.OutH + p) * g.OutW + q, h0, h1, v0, v1);
                    }
                }
            }
        });
    }

    /// <summary>Each window's first maximum (NaN over numbers) and its flat position in the plane.</summary>
    private readonly struct MaxWindow<T>(Pool2dGeometry g, T[] x, T[] y, int[] idx) : IWindowOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Plane(int nc)
        {
        }

        public void Window(int nc, int o, int h0, int h1, int v0, int v1)
        {
            int src = nc * g.H * g.W;
            T best = T.NegativeInfinity;
            int bestAt = -1;
            for (int h = h0; h < h1; h++)
            for (int v = v0; v < v1; v++)
            {
                T value = x[src + h * g.W + v];
                if (bestAt < 0 || ScalarMath.Beats(value, best))
                {
                    best = value;
                    bestAt = h * g.W + v;
                }
            }
            y[o] = best;
            idx[o] = bestAt;
        }
    }

    /// <summary>Window sums in double times 1 / (KH * KW), as the reference computes them, so both round once at the end.</summary>
    private readonly struct AvgWindow<T>(Pool2dGeometry g, T[] x, T[] y) : IWindowOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double scale = 1.0 / (g.KH * g.KW);

        public void Plane(int nc)
        {
        }

        public void Window(int nc, int o, int h0, int h1, int v0, int v1)
        {
            int src = nc * g.H * g.W;
            double sum = 0;
            for (int h = h0; h < h1; h++)
            for (int v = v0; v < v1; v++)
                sum += double.CreateTruncating(x[src + h * g.W + v]);
            y[o] = T.CreateTruncating(sum * scale);
        }
    }

    /// <summary>dx: the plane cleared, then each dy / (KH * KW) added to its window's cells in the reference's order and rounding.</summary>
    private readonly struct AvgAdjointWindow<T>(Pool2dGeometry g, T[] dy, T[] dx) : IWindowOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double scale = 1.0 / (g.KH * g.KW);

        public void Plane(int nc) => dx.AsSpan(nc * g.H * g.W, g.H * g.W).Clear();

        public void Window(int nc, int o, int h0, int h1, int v0, int v1)
        {
            int dst = nc * g.H * g.W;
            double share = double.CreateTruncating(dy[o]) * scale;
            for (int h = h0; h < h1; h++)
            for (int v = v0; v < v1; v++)
            {
                ref T cell = ref dx[dst + h * g.W + v];
                cell = T.CreateTruncating(double.CreateTruncating(cell) + share);
            }
        }
    }
}
