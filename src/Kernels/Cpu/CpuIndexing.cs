using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using System.Numerics;

namespace TinyGrad.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public override void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        var dst = StridedView.Contiguous(destination, index.Shape);
        CheckIndexing(source, axis, index, dst, "gather");
        if (index.Length == 0) return;
        switch (source.Buffer.DType)
        {
            case DType.Float32: GatherT<float>(source, axis, index, Arr<float>(destination)); break;
            case DType.Float64: GatherT<double>(source, axis, index, Arr<double>(destination)); break;
            default: GatherT<int>(source, axis, index, Arr<int>(destination)); break;
        }
    }

    /// <summary>
    /// Walks the index view row-major with a second walker over the data view whose axis stride is
    /// zeroed: the axis coordinate comes from the index value instead.
    /// </summary>
    private static CpuLayout IndexWalk(in StridedView data, int axis, in StridedView index, in StridedView other)
    {
        int[] dataStrides = (int[])data.Strides.Clone();
        dataStrides[axis] = 0;
        return CpuLayout.Create(index.Shape, [index.Strides, dataStrides, other.Strides], [index.Offset, data.Offset, other.Offset], merge: false);
    }

    private static ArgumentOutOfRangeException IndexOutOfRange(int target, int axis, int size, string what) =>
        new("index", target, $"{what}: index {target} out of range for dimension {axis} of size {size}");

    private static void GatherT<T>(in StridedView source, int axis, in StridedView index, T[] dst) where T : unmanaged
    {
        T[] src = Arr<T>(source.Buffer);
        int[] idx = Arr<int>(index.Buffer);
        var plan = IndexWalk(source, axis, index, index);
        int n = plan.Inner, istep = plan.InnerStrides[0], sstep = plan.InnerStrides[1];
        int size = source.Shape[axis], axisStride = source.Strides[axis];
        for (int r = 0, o = 0; r < plan.Rows; r++, plan.Next())
        {
            int io = plan.Offsets[0], so = plan.Offsets[1];
            for (int i = 0; i < n; i++, o++)
            {
                int target = idx[io + i * istep];
                if ((uint)target >= (uint)size) throw IndexOutOfRange(target, axis, size, "gather");
                dst[o] = src[so + i * sstep + target * axisStride];
            }
        }
    }

    /// <inheritdoc />
    public override void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        CheckIndexing(destination, axis, index, source, "scatter_add");
        if (index.Length == 0) return;
        switch (destination.Buffer.DType)
        {
            case DType.Float32: ScatterAddT<float>(destination, axis, index, source); break;
            case DType.Float64: ScatterAddT<double>(destination, axis, index, source); break;
            // Int32 keeps the reference's overflow checking.
            default: base.ScatterAdd(destination, axis, index, source); break;
        }
    }

    private static void ScatterAddT<T>(in StridedView destination, int axis, in StridedView index, in StridedView source)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] dst = Arr<T>(destination.Buffer), src = Arr<T>(source.Buffer);
        int[] idx = Arr<int>(index.Buffer);
        var plan = IndexWalk(destination, axis, index, source);
        int n = plan.Inner, istep = plan.InnerStrides[0], dstep = plan.InnerStrides[1], sstep = plan.InnerStrides[2];
        int size = destination.Shape[axis], axisStride = destination.Strides[axis];
        if (axis == destination.Shape.Length - 1 && plan.Rows > 1 && index.Length >= 1 << 15)
        {
            // Scattering along the last axis, each row of the walk targets its own destination line
            // (e.g. max pooling's backward, one plane per row): rows in parallel, each in order.
            var rows = plan;
            CpuLayout.Parallel(plan.Rows, (long)index.Length * 4, (lo, hi) =>
            {
                for (int r = lo; r < hi; r++)
                {
                    int io = rows.RowOffset(0, r, rows.Offsets[0]), d0 = rows.RowOffset(1, r, rows.Offsets[1]), so = rows.RowOffset(2, r, rows.Offsets[2]);
                    ScatterLine(dst, d0, dstep, axisStride, size, src, so, sstep, idx, io, istep, n, axis);
                }
            });
            return;
        }
        // Sequential in the index's row-major order: the same accumulation order as the reference.
        for (int r = 0; r < plan.Rows; r++, plan.Next())
            ScatterLine(dst, plan.Offsets[1], dstep, axisStride, size, src, plan.Offsets[2], sstep, idx, plan.Offsets[0], istep, n, axis);
    }

    private static void ScatterLine<T>(T[] dst, int d0, int dstep, int axisStride, int size, T[] src, int so, int sstep, int[] idx, int io, int istep, int n, int axis)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            int target = idx[io + i * istep];
            if ((uint)target >= (uint)size) throw IndexOutOfRange(target, axis, size, "scatter_add");
            dst[d0 + i * dstep + target * axisStride] += src[so + i * sstep];
        }
    }

    /// <inheritdoc />
    public override void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        CheckStep(param, "sgd step", grad, momentum);
        if (param.DType == DType.Float32) Sgd(args, param.Length, Arr<float>(param), Arr<float>(grad), momentum is null ? null : Arr<float>(momentum));
        else Sgd(args, param.Length, Arr<double>(param), Arr<double>(grad), momentum is null ? null : Arr<double>(momentum));
        KeepAlive(param, grad, momentum);
    }

    private static void Sgd<T>(SgdArgs s, int n, T[] p, T[] g, T[]? buf) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool useMomentum = buf is not null && s.Momentum != 0;
        // Computed in double per element, exactly as the reference does, then rounded once.
        CpuLayout.Parallel(n, n * 8L, (lo, hi) =>
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
    public override void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        CheckStep(param, "adam step", grad, m, v);
        if (param.DType == DType.Float32 && Vector512.IsHardwareAccelerated) AdamSingle(args, param.Length, Arr<float>(param), Arr<float>(grad), Arr<float>(m), Arr<float>(v));
        else if (param.DType == DType.Float32) Adam(args, param.Length, Arr<float>(param), Arr<float>(grad), Arr<float>(m), Arr<float>(v));
        else Adam(args, param.Length, Arr<double>(param), Arr<double>(grad), Arr<double>(m), Arr<double>(v));
        KeepAlive(param, grad, m, v);
    }

    /// <summary>Adam on float32 in float32 vector arithmetic (the scalar tail uses the same float operations).</summary>
    private static void AdamSingle(AdamArgs s, int n, float[] p, float[] g, float[] m, float[] v)
    {
        double bias1 = 1 - Math.Pow(s.Beta1, s.Step), bias2 = 1 - Math.Pow(s.Beta2, s.Step);
        float stepSize = (float)(s.Lr / bias1), invRoot2 = (float)(1 / Math.Sqrt(bias2)), eps = (float)s.Eps;
        float b1 = (float)s.Beta1, c1 = (float)(1 - s.Beta1), b2 = (float)s.Beta2, c2 = (float)(1 - s.Beta2);
        float wd = (float)s.WeightDecay, decay = (float)(1 - s.Lr * s.WeightDecay);
        bool decoupled = s.Decoupled;
        CpuLayout.Parallel(n, n * 16L, (lo, hi) =>
        {
            int w = Vector512<float>.Count, i = lo;
            var vb1 = Vector512.Create(b1); var vc1 = Vector512.Create(c1); var vb2 = Vector512.Create(b2); var vc2 = Vector512.Create(c2);
            var vwd = Vector512.Create(wd); var vdecay = Vector512.Create(decay); var vstep = Vector512.Create(stepSize);
            var vroot = Vector512.Create(invRoot2); var veps = Vector512.Create(eps);
            ref float rp = ref MemoryMarshal.GetArrayDataReference(p), rg = ref MemoryMarshal.GetArrayDataReference(g);
            ref float rm = ref MemoryMarshal.GetArrayDataReference(m), rv = ref MemoryMarshal.GetArrayDataReference(v);
            for (; i + w <= hi; i += w)
            {
                var pi = Vector512.LoadUnsafe(ref rp, (nuint)i);
                var gi = Vector512.LoadUnsafe(ref rg, (nuint)i);
                if (decoupled) pi *= vdecay;
                else gi += vwd * pi;
                var mi = vb1 * Vector512.LoadUnsafe(ref rm, (nuint)i) + vc1 * gi;
                var vi = vb2 * Vector512.LoadUnsafe(ref rv, (nuint)i) + vc2 * (gi * gi);
                mi.StoreUnsafe(ref rm, (nuint)i);
                vi.StoreUnsafe(ref rv, (nuint)i);
                (pi - vstep * mi / (Vector512.Sqrt(vi) * vroot + veps)).StoreUnsafe(ref rp, (nuint)i);
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
        CpuLayout.Parallel(n, n * 16L, (lo, hi) =>
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
