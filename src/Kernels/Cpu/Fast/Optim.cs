using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The optim family: fused SGD and Adam/AdamW steps over element ranges split over the cores. SGD
/// and double Adam compute each element in double exactly as the reference; float Adam runs in
/// float vector arithmetic at the widest vectors the host runs.
/// </summary>
internal static class Optim
{
    /// <summary>SGD with optional momentum, dampening, Nesterov and weight decay.</summary>
    public static void SgdStep<T>(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum) where T : unmanaged, IFloatingPointIeee754<T> =>
        Sgd(args, param.Length, CpuBuffer.ArrayOf<T>(param), CpuBuffer.ArrayOf<T>(grad), momentum is null ? null : CpuBuffer.ArrayOf<T>(momentum));

    private static void Sgd<T>(SgdArgs s, int n, T[] p, T[] g, T[]? buf) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool useMomentum = buf is not null && s.Momentum != 0;
        // Computed in double per element, exactly as the reference does, then rounded once.
        Partition.Parallel(n, n * 8L, (lo, hi) =>
        {
            for (int i = lo; i < hi; i++)
            {
                double pi = double.CreateTruncating(p[i]);
                double d = double.CreateTruncating(g[i]) + s.WeightDecay * pi;
                if (useMomentum)
                {
                    double b = s.FirstStep ? d : s.Momentum * double.CreateTruncating(buf![i]) + (1 - s.Dampening) * d;
                    buf![i] = T.CreateTruncating(b);
                    d = s.Nesterov ? d + s.Momentum * b : b;
                }
                p[i] = T.CreateTruncating(pi - s.Lr * d);
            }
        });
    }

    /// <inheritdoc />
    /// <summary>Adam (weight decay added to the gradient) or AdamW (decoupled decay of p), with bias corrections.</summary>
    public static void AdamStep<T>(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var (p, g, mf, vf) = (CpuBuffer.ArrayOf<float>(param), CpuBuffer.ArrayOf<float>(grad), CpuBuffer.ArrayOf<float>(m), CpuBuffer.ArrayOf<float>(v));
            if (Vector512.IsHardwareAccelerated) AdamSingle<V512<float>>(args, param.Length, p, g, mf, vf);
            else if (Vector256.IsHardwareAccelerated) AdamSingle<V256<float>>(args, param.Length, p, g, mf, vf);
            else AdamSingle<V128<float>>(args, param.Length, p, g, mf, vf);
        }
        else Adam(args, param.Length, CpuBuffer.ArrayOf<T>(param), CpuBuffer.ArrayOf<T>(grad), CpuBuffer.ArrayOf<T>(m), CpuBuffer.ArrayOf<T>(v));
    }

    /// <summary>Adam on float32 in float32 vector arithmetic (the scalar tail uses the same float operations, so the width does not change a bit).</summary>
    private static void AdamSingle<TVec>(AdamArgs s, int n, float[] p, float[] g, float[] m, float[] v) where TVec : struct, ISimd<TVec, float>
    {
        double bias1 = 1 - Math.Pow(s.Beta1, s.Step), bias2 = 1 - Math.Pow(s.Beta2, s.Step);
        float stepSize = (float)(s.Lr / bias1), invRoot2 = (float)(1 / Math.Sqrt(bias2)), eps = (float)s.Eps;
        float b1 = (float)s.Beta1, c1 = (float)(1 - s.Beta1), b2 = (float)s.Beta2, c2 = (float)(1 - s.Beta2);
        float wd = (float)s.WeightDecay, decay = (float)(1 - s.Lr * s.WeightDecay);
        bool decoupled = s.Decoupled;
        Partition.Parallel(n, n * 16L, (lo, hi) =>
        {
            int w = TVec.Count, i = lo;
            var vb1 = TVec.Broadcast(b1); var vc1 = TVec.Broadcast(c1); var vb2 = TVec.Broadcast(b2); var vc2 = TVec.Broadcast(c2);
            var vwd = TVec.Broadcast(wd); var vdecay = TVec.Broadcast(decay); var vstep = TVec.Broadcast(stepSize);
            var vroot = TVec.Broadcast(invRoot2); var veps = TVec.Broadcast(eps);
            ref float rp = ref MemoryMarshal.GetArrayDataReference(p), rg = ref MemoryMarshal.GetArrayDataReference(g);
            ref float rm = ref MemoryMarshal.GetArrayDataReference(m), rv = ref MemoryMarshal.GetArrayDataReference(v);
            // Separate multiplies and adds (no FMA): the same roundings as the scalar tail.
            for (; i + w <= hi; i += w)
            {
                var pi = TVec.Load(ref rp, (nuint)i);
                var gi = TVec.Load(ref rg, (nuint)i);
                if (decoupled) pi = TVec.Multiply(pi, vdecay);
                else gi = TVec.Add(gi, TVec.Multiply(vwd, pi));
                var mi = TVec.Add(TVec.Multiply(vb1, TVec.Load(ref rm, (nuint)i)), TVec.Multiply(vc1, gi));
                var vi = TVec.Add(TVec.Multiply(vb2, TVec.Load(ref rv, (nuint)i)), TVec.Multiply(vc2, TVec.Multiply(gi, gi)));
                mi.Store(ref rm, (nuint)i);
                vi.Store(ref rv, (nuint)i);
                var denominator = TVec.Add(TVec.Multiply(TVec.Sqrt(vi), vroot), veps);
                TVec.Subtract(pi, TVec.Divide(TVec.Multiply(vstep, mi), denominator)).Store(ref rp, (nuint)i);
            }
            for (; i < hi; i++)
            {
                float pi = p[i], gi = g[i];
                if (decoupled) pi *= decay;
                else gi += wd * pi;
                float mi = b1 * m[i] + c1 * gi, vi = b2 * v[i] + c2 * (gi * gi);
                m[i] = mi;
                v[i] = vi;
                p[i] = pi - stepSize * mi / (MathF.Sqrt(vi) * invRoot2 + eps);
            }
        });
    }

    private static void Adam<T>(AdamArgs s, int n, T[] p, T[] g, T[] m, T[] v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bias1 = 1 - Math.Pow(s.Beta1, s.Step), bias2 = 1 - Math.Pow(s.Beta2, s.Step);
        double stepSize = s.Lr / bias1, root2 = Math.Sqrt(bias2), decay = 1 - s.Lr * s.WeightDecay;
        Partition.Parallel(n, n * 16L, (lo, hi) =>
        {
            for (int i = lo; i < hi; i++)
            {
                double pi = double.CreateTruncating(p[i]), gi = double.CreateTruncating(g[i]);
                if (s.Decoupled) pi *= decay;
                else gi += s.WeightDecay * pi;
                double mi = s.Beta1 * double.CreateTruncating(m[i]) + (1 - s.Beta1) * gi;
                double vi = s.Beta2 * double.CreateTruncating(v[i]) + (1 - s.Beta2) * gi * gi;
                m[i] = T.CreateTruncating(mi);
                v[i] = T.CreateTruncating(vi);
                p[i] = T.CreateTruncating(pi - stepSize * mi / (Math.Sqrt(vi) / root2 + s.Eps));
            }
        });
    }
}
