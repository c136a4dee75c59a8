using System.Numerics;

namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The gemm family: each output a double-precision dot product in K order, rounded once.</summary>
internal static class Gemm
{
    /// <summary>C = alpha op(A) op(B) + beta C per batch entry, then bias[n] added to column n when given, then the epilogue.</summary>
    public static void Run<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, Epilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Loop<T>(args, a, b, c);
        if (bias is null && epilogue == Epilogue.None) return;
        CpuBuffer dst = CpuBuffer.Of(c);
        CpuBuffer? add = bias is null ? null : CpuBuffer.Of(bias);
        for (int batch = 0; batch < args.Batch; batch++)
        for (int m = 0; m < args.M; m++)
        for (int n = 0; n < args.N; n++)
        {
            int at = args.OffsetC + batch * args.BatchStrideC + m * args.Ldc + n;
            // Added in double and rounded once to the element type: for Float32 that equals the
            // float add (double carries more than twice float's precision), for Float64 it is that add.
            if (add is not null) dst.Set(at, dst.Get(at) + add.Get(n));
            dst.Set(at, EpilogueMath.Apply(epilogue, dst.Get(at)));
        }
    }

    private static void Loop<T>(in GemmArgs g, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> sa = CpuBuffer.Of(a).Span<T>(), sb = CpuBuffer.Of(b).Span<T>(), sc = CpuBuffer.Of(c).Span<T>();
        for (int batch = 0; batch < g.Batch; batch++)
        {
            int oa = g.OffsetA + batch * g.BatchStrideA, ob = g.OffsetB + batch * g.BatchStrideB, oc = g.OffsetC + batch * g.BatchStrideC;
            for (int m = 0; m < g.M; m++)
            {
                for (int n = 0; n < g.N; n++)
                {
                    double acc = 0;
                    for (int k = 0; k < g.K; k++)
                    {
                        T av = sa[oa + (g.TransA ? k * g.Lda + m : m * g.Lda + k)];
                        T bv = sb[ob + (g.TransB ? n * g.Ldb + k : k * g.Ldb + n)];
                        acc += double.CreateTruncating(av) * double.CreateTruncating(bv);
                    }
                    ref T cv = ref sc[oc + m * g.Ldc + n];
                    double prior = g.Beta == 0 ? 0 : g.Beta * double.CreateTruncating(cv);
                    cv = T.CreateTruncating(g.Alpha * acc + prior);
                }
            }
        }
    }
}
