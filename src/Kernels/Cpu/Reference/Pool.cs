namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The pool family: max pooling with indices, average pooling and its adjoint, window by window.</summary>
internal static class Pool
{
    /// <summary>Each window's first maximum (NaN over numbers) and its flat position h * W + w in the input plane.</summary>
    public static void MaxForward(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        CpuBuffer src = CpuBuffer.Of(x), dst = CpuBuffer.Of(y);
        Span<int> idx = CpuBuffer.Of(indices).Span<int>();
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        for (int nc = 0; nc < g.N * g.C; nc++)
        for (int p = 0; p < g.OutH; p++)
        for (int q = 0; q < g.OutW; q++)
        {
            double best = double.NegativeInfinity;
            int bestAt = -1;
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                int h = p * g.StrideH + i - g.PadH, v = q * g.StrideW + j - g.PadW;
                if (h < 0 || h >= g.H || v < 0 || v >= g.W) continue;
                double value = src.Get(nc * planeIn + h * g.W + v);
                if (bestAt < 0 || ScalarMath.Beats(value, best))
                {
                    best = value;
                    bestAt = h * g.W + v;
                }
            }
            int o = nc * planeOut + p * g.OutW + q;
            dst.Set(o, best);
            idx[o] = bestAt;
        }
    }

    /// <summary>dx: zeros, then each dy added at its window's maximum, outputs in order (a scatter-add into zeros).</summary>
    public static void MaxBackward(in Pool2dGeometry g, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx)
    {
        CpuBuffer src = CpuBuffer.Of(dy), dst = CpuBuffer.Of(dx);
        Span<int> idx = CpuBuffer.Of(indices).Span<int>();
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        for (int i = 0; i < g.N * g.C * planeIn; i++) dst.Set(i, 0);
        for (int nc = 0; nc < g.N * g.C; nc++)
        for (int o = nc * planeOut; o < (nc + 1) * planeOut; o++)
        {
            int at = nc * planeIn + idx[o];
            dst.Set(at, dst.Get(at) + src.Get(o));
        }
    }

    /// <summary>Window sums in double divided by KH * KW (padding counts), rounded once.</summary>
    public static void AvgForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) =>
        AvgLoop(geometry, CpuBuffer.Of(x), CpuBuffer.Of(y), backward: false);

    /// <summary>dx: each dy / (KH * KW) added to the cells of its window, windows in row-major order.</summary>
    public static void AvgBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) =>
        AvgLoop(geometry, CpuBuffer.Of(dx), CpuBuffer.Of(dy), backward: true);

    private static void AvgLoop(in Pool2dGeometry g, CpuBuffer x, CpuBuffer y, bool backward)
    {
        if (backward) for (int i = 0; i < g.N * g.C * g.H * g.W; i++) x.Set(i, 0);
        double scale = 1.0 / (g.KH * g.KW);
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        for (int nc = 0; nc < g.N * g.C; nc++)
        for (int p = 0; p < g.OutH; p++)
        for (int q = 0; q < g.OutW; q++)
        {
            int o = nc * planeOut + p * g.OutW + q;
            double sum = 0;
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                int h = p * g.StrideH + i - g.PadH, v = q * g.StrideW + j - g.PadW;
                if (h < 0 || h >= g.H || v < 0 || v >= g.W) continue;
                int xi = nc * planeIn + h * g.W + v;
                if (backward) x.Set(xi, x.Get(xi) + y.Get(o) * scale);
                else sum += x.Get(xi);
            }
            if (!backward) y.Set(o, sum * scale);
        }
    }
}
