namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The conv family: one loop over every (x, w, y) triple that meets in the sum, in double.</summary>
internal static class Conv
{
    /// <summary>y = conv(x, w), then bias[o] added to every output of channel o when given, then the epilogue.</summary>
    public static void Forward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, Epilogue epilogue)
    {
        Loop(geometry, CpuBuffer.Of(x), CpuBuffer.Of(w), CpuBuffer.Of(y), Role.Forward);
        CpuBuffer dst = CpuBuffer.Of(y);
        int plane = geometry.OutH * geometry.OutW;
        // One rounding per add, as y + bias would: added in double and rounded once to the element
        // type, which for Float32 equals the float add (double carries more than twice float's precision).
        if (bias is not null)
        {
            CpuBuffer b = CpuBuffer.Of(bias);
            for (int i = 0; i < geometry.Sizes.Y; i++) dst.Set(i, dst.Get(i) + b.Get(i / plane % geometry.O));
        }
        if (epilogue != Epilogue.None)
            for (int i = 0; i < geometry.Sizes.Y; i++) dst.Set(i, EpilogueMath.Apply(epilogue, dst.Get(i)));
    }

    /// <summary>dx = the transposed convolution of dy by w.</summary>
    public static void BackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) =>
        Loop(geometry, CpuBuffer.Of(dx), CpuBuffer.Of(w), CpuBuffer.Of(dy), Role.BackwardInput);

    /// <summary>dw = the correlation of x with dy.</summary>
    public static void BackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) =>
        Loop(geometry, CpuBuffer.Of(x), CpuBuffer.Of(dw), CpuBuffer.Of(dy), Role.BackwardWeight);

    private enum Role { Forward, BackwardInput, BackwardWeight }

    /// <summary>
    /// The one convolution loop: every (x, w, y) triple that meets in the sum, with the role deciding
    /// which of the three is written as the sum of the products of the other two.
    /// </summary>
    private static void Loop(in Conv2dGeometry g, CpuBuffer x, CpuBuffer w, CpuBuffer y, Role role)
    {
        CpuBuffer target = role switch { Role.Forward => y, Role.BackwardInput => x, _ => w };
        var (nx, nw, ny) = g.Sizes;
        int count = role switch { Role.Forward => ny, Role.BackwardInput => nx, _ => nw };
        // Only the output's own elements: a larger buffer keeps whatever lies past them.
        for (int i = 0; i < count; i++) target.Set(i, 0);
        int oh = g.OutH, ow = g.OutW;
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.O; o++)
        for (int p = 0; p < oh; p++)
        for (int q = 0; q < ow; q++)
        {
            int yi = ((n * g.O + o) * oh + p) * ow + q;
            for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                int h = p * g.StrideH + i * g.DilationH - g.PadH, v = q * g.StrideW + j * g.DilationW - g.PadW;
                if (h < 0 || h >= g.H || v < 0 || v >= g.W) continue;
                int xi = ((n * g.C + c) * g.H + h) * g.W + v, wi = ((o * g.C + c) * g.KH + i) * g.KW + j;
                switch (role)
                {
                    case Role.Forward: y.Set(yi, y.Get(yi) + x.Get(xi) * w.Get(wi)); break;
                    case Role.BackwardInput: x.Set(xi, x.Get(xi) + y.Get(yi) * w.Get(wi)); break;
                    default: w.Set(wi, w.Get(wi) + y.Get(yi) * x.Get(xi)); break;
                }
            }
        }
    }
}
