using System.Numerics;

namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// Plain scalar implementations of every primitive: one obvious loop each, no SIMD, no threads.
/// They define what each primitive means; the fast CPU backend and the GPU backends are tested
/// against them element by element.
/// </summary>
public class ReferenceBackend : IBackend
{
    /// <inheritdoc />
    public virtual string Name => "reference";

    /// <inheritdoc />
    public virtual string Description => "scalar reference kernels on the host";

    /// <inheritdoc />
    public bool SupportsFloat64 => true;

    /// <summary>A backend whose buffers are plain arrays, or come from <paramref name="pool"/> when one is given.</summary>
    public ReferenceBackend(HostPool? pool = null) => Pool = pool;

    /// <summary>The caching allocator behind <see cref="Allocate"/>, or null for plain arrays.</summary>
    public HostPool? Pool { get; }

    /// <inheritdoc />
    public DeviceBuffer Allocate(DType dtype, int length) => new CpuBuffer(this, dtype, length, Pool);

    /// <inheritdoc />
    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0) where T : unmanaged
    {
        Check.Buffer(destination, DTypeInfo.Of<T>(), offset + source.Length, "upload");
        source.CopyTo(Host(destination).Span<T>()[offset..]);
    }

    /// <inheritdoc />
    public void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0) where T : unmanaged
    {
        Check.Buffer(source, DTypeInfo.Of<T>(), offset + destination.Length, "download");
        Host(source).Span<T>().Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc />
    public void Synchronize()
    {
    }

    /// <summary>The host buffer behind <paramref name="buffer"/>; throws for another device's memory.</summary>
    protected static CpuBuffer Host(DeviceBuffer buffer) =>
        buffer as CpuBuffer ?? throw new ArgumentException($"buffer belongs to device '{buffer.Backend.Name}', not to a CPU backend");

    /// <inheritdoc />
    public virtual void Copy(in StridedView source, in StridedView destination)
    {
        Check.SameShape(source.Shape, destination.Shape, "copy");
        Check.InBounds(source, "copy source");
        Check.InBounds(destination, "copy destination");
        CpuBuffer src = Host(source.Buffer), dst = Host(destination.Buffer);
        int n = source.Length;
        for (int i = 0; i < n; i++) dst.Set(destination.IndexOf(i), src.Get(source.IndexOf(i)));
    }

    /// <inheritdoc />
    public virtual void Fill(in StridedView destination, double value)
    {
        Check.InBounds(destination, "fill");
        CpuBuffer dst = Host(destination.Buffer);
        int n = destination.Length;
        for (int i = 0; i < n; i++) dst.Set(destination.IndexOf(i), value);
    }

    /// <inheritdoc />
    public virtual void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        Check.Float(destination.DType, "random");
        CpuBuffer dst = Host(destination);
        for (int i = 0; i < dst.Length; i++)
        {
            ulong counter = offset + (ulong)i;
            double value = distribution == RandomDistribution.Normal ? Philox.Normal(seed, counter)
                : dst.DType == DType.Float32 ? Philox.UniformSingle(seed, counter)
                : Philox.UniformDouble(seed, counter);
            dst.Set(i, value);
        }
    }

    /// <inheritdoc />
    public virtual void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        Check.Float(x.Buffer.DType, $"unary {op}");
        Check.InBounds(x, $"unary {op}");
        Check.Buffer(y, x.Buffer.DType, x.Length, $"unary {op} output");
        if (x.Buffer.DType == DType.Float32) UnaryLoop<float>(op, x, y); else UnaryLoop<double>(op, x, y);
    }

    private static void UnaryLoop<T>(UnaryOp op, in StridedView x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> src = Host(x.Buffer).Span<T>(), dst = Host(y).Span<T>();
        int n = x.Length;
        for (int i = 0; i < n; i++) dst[i] = Scalar.Unary(op, src[x.IndexOf(i)]);
    }

    /// <inheritdoc />
    public virtual void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        CheckBinary(op, a, b, y);
        if (a.Buffer.DType == DType.Float32) BinaryLoop<float>(op, a, b, y); else BinaryLoop<double>(op, a, b, y);
    }

    /// <summary>Shared argument checks (see <see cref="Check"/>).</summary>
    protected static void CheckBinary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y) => Check.BinaryArgs(op, a, b, y);

    private static void BinaryLoop<T>(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> sa = Host(a.Buffer).Span<T>(), sb = Host(b.Buffer).Span<T>(), dst = Host(y).Span<T>();
        int n = a.Length;
        for (int i = 0; i < n; i++) dst[i] = Scalar.Binary(op, sa[a.IndexOf(i)], sb[b.IndexOf(i)]);
    }

    /// <inheritdoc />
    public virtual void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.WhereArgs(condition, a, b, y);
        CpuBuffer c = Host(condition.Buffer), sa = Host(a.Buffer), sb = Host(b.Buffer), dst = Host(y);
        int n = a.Length;
        for (int i = 0; i < n; i++)
            dst.Set(i, c.Get(condition.IndexOf(i)) != 0 ? sa.Get(a.IndexOf(i)) : sb.Get(b.IndexOf(i)));
    }

    /// <inheritdoc />
    public virtual void Reduce(ReduceOp op, in StridedView x, in StridedView y)
    {
        CheckReduce(op, x, y);
        if (x.Buffer.DType == DType.Float32) ReduceLoop<float>(op, x, y); else ReduceLoop<double>(op, x, y);
    }

    /// <summary>Shared argument checks (see <see cref="Check"/>).</summary>
    protected static void CheckReduce(ReduceOp op, in StridedView x, in StridedView y) => Check.ReduceArgs(op, x, y);

    private static void ReduceLoop<T>(ReduceOp op, in StridedView x, in StridedView y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> src = Host(x.Buffer).Span<T>(), dst = Host(y.Buffer).Span<T>();
        T init = op == ReduceOp.Sum ? T.Zero : T.NegativeInfinity;
        for (int j = 0; j < y.Length; j++) dst[y.IndexOf(j)] = init;
        int rank = x.Rank;
        Span<int> coord = stackalloc int[rank];
        for (int i = 0; i < x.Length; i++)
        {
            int rest = i, target = y.Offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                coord[d] = rest % x.Shape[d];
                rest /= x.Shape[d];
                if (y.Shape[d] != 1) target += coord[d] * y.Strides[d];
            }
            T v = src[x.IndexOf(i)];
            dst[target] = op == ReduceOp.Sum ? dst[target] + v : T.Max(dst[target], v);
        }
    }

    /// <inheritdoc />
    public virtual void ArgMax(in StridedView x, int axis, in StridedView indices)
    {
        Check.Float(x.Buffer.DType, "argmax");
        if ((uint)axis >= (uint)x.Rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"argmax: axis out of range for rank {x.Rank}");
        if (indices.Buffer.DType != DType.Int32) throw new ArgumentException($"argmax: indices must be Int32, got {indices.Buffer.DType}");
        Check.InBounds(x, "argmax input");
        Check.InBounds(indices, "argmax indices");
        CpuBuffer src = Host(x.Buffer);
        Span<int> dst = Host(indices.Buffer).Span<int>();
        int extent = x.Shape[axis];
        for (int j = 0; j < indices.Length; j++)
        {
            int at = x.IndexOf(OuterLinear(j, indices.Shape, x.Shape));
            int best = 0;
            double bestValue = double.NegativeInfinity;
            for (int k = 0; k < extent; k++)
            {
                double v = src.Get(at + k * x.Strides[axis]);
                if (k == 0 || v > bestValue || (double.IsNaN(v) && !double.IsNaN(bestValue)))
                {
                    best = k;
                    bestValue = v;
                }
            }
            dst[indices.IndexOf(j)] = best;
        }
    }

    /// <summary>Row-major position in <paramref name="full"/> of the coordinate that has position <paramref name="j"/> in <paramref name="partial"/>.</summary>
    private static int OuterLinear(int j, int[] partial, int[] full)
    {
        int linear = 0, scale = 1;
        for (int d = partial.Length - 1; d >= 0; d--)
        {
            linear += j % partial[d] * scale;
            j /= partial[d];
            scale *= full[d];
        }
        return linear;
    }

    /// <inheritdoc />
    public virtual void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null)
    {
        CheckGemm(args, a, b, c);
        Check.GemmBias(args, a, bias);
        if (a.DType == DType.Float32) GemmLoop<float>(args, a, b, c); else GemmLoop<double>(args, a, b, c);
        if (bias is null) return;
        CpuBuffer dst = Host(c), add = Host(bias);
        for (int batch = 0; batch < args.Batch; batch++)
        for (int m = 0; m < args.M; m++)
        for (int n = 0; n < args.N; n++)
        {
            int at = args.OffsetC + batch * args.BatchStrideC + m * args.Ldc + n;
            dst.Set(at, dst.Get(at) + add.Get(n)); // one rounding: the sum of two floats is exact in double
        }
    }

    /// <summary>Shared argument checks (see <see cref="Check"/>).</summary>
    protected static void CheckGemm(in GemmArgs g, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c) => Check.GemmArgs(g, a, b, c);

    private static void GemmLoop<T>(in GemmArgs g, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> sa = Host(a).Span<T>(), sb = Host(b).Span<T>(), sc = Host(c).Span<T>();
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

    /// <summary>Shared argument checks (see <see cref="Check"/>).</summary>
    protected static void CheckConv(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, string what) => Check.ConvArgs(g, x, w, y, what);

    /// <inheritdoc />
    public virtual void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null)
    {
        CheckConv(geometry, x, w, y, "conv2d forward");
        Check.ConvBias(geometry, x, bias, "conv2d forward");
        ConvLoop(geometry, Host(x), Host(w), Host(y), ConvRole.Forward);
        if (bias is null) return;
        CpuBuffer dst = Host(y), b = Host(bias);
        int plane = geometry.OutH * geometry.OutW;
        // One rounding per add, as y + bias would: the sum of two floats is exact in double.
        for (int i = 0; i < geometry.Sizes.Y; i++) dst.Set(i, dst.Get(i) + b.Get(i / plane % geometry.O));
    }

    /// <inheritdoc />
    public virtual void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        CheckConv(geometry, dx, w, dy, "conv2d backward-input");
        ConvLoop(geometry, Host(dx), Host(w), Host(dy), ConvRole.BackwardInput);
    }

    /// <inheritdoc />
    public virtual void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        CheckConv(geometry, x, dw, dy, "conv2d backward-weight");
        ConvLoop(geometry, Host(x), Host(dw), Host(dy), ConvRole.BackwardWeight);
    }

    private enum ConvRole { Forward, BackwardInput, BackwardWeight }

    /// <summary>
    /// The one convolution loop: every (x, w, y) triple that meets in the sum, with the role deciding
    /// which of the three is written as the sum of the products of the other two.
    /// </summary>
    private static void ConvLoop(in Conv2dGeometry g, CpuBuffer x, CpuBuffer w, CpuBuffer y, ConvRole role)
    {
        CpuBuffer target = role switch { ConvRole.Forward => y, ConvRole.BackwardInput => x, _ => w };
        var (nx, nw, ny) = g.Sizes;
        int count = role switch { ConvRole.Forward => ny, ConvRole.BackwardInput => nx, _ => nw };
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
                    case ConvRole.Forward: y.Set(yi, y.Get(yi) + x.Get(xi) * w.Get(wi)); break;
                    case ConvRole.BackwardInput: x.Set(xi, x.Get(xi) + y.Get(yi) * w.Get(wi)); break;
                    default: w.Set(wi, w.Get(wi) + y.Get(yi) * x.Get(xi)); break;
                }
            }
        }
    }

    /// <summary>Shared argument checks (see <see cref="Check"/>).</summary>
    protected static void CheckPool(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, string what) => Check.PoolArgs(g, x, y, what);

    /// <inheritdoc />
    public virtual void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        var g = geometry;
        CheckPool(g, x, y, "max_pool2d");
        Check.Buffer(indices, DType.Int32, g.N * g.C * g.OutH * g.OutW, "max_pool2d indices");
        CpuBuffer src = Host(x), dst = Host(y);
        Span<int> idx = Host(indices).Span<int>();
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
                if (bestAt < 0 || value > best || (double.IsNaN(value) && !double.IsNaN(best)))
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

    /// <inheritdoc />
    public virtual void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        CheckPool(geometry, x, y, "avg_pool2d");
        AvgPoolLoop(geometry, Host(x), Host(y), backward: false);
    }

    /// <inheritdoc />
    public virtual void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        CheckPool(geometry, dx, dy, "avg_pool2d backward");
        AvgPoolLoop(geometry, Host(dx), Host(dy), backward: true);
    }

    private static void AvgPoolLoop(in Pool2dGeometry g, CpuBuffer x, CpuBuffer y, bool backward)
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

    /// <summary>Shared argument checks (see <see cref="Check"/>).</summary>
    protected static void CheckIndexing(in StridedView data, int axis, in StridedView index, in StridedView other, string what) => Check.IndexingArgs(data, axis, index, other, what);

    /// <summary>Buffer index in <paramref name="data"/> addressed by index element <paramref name="i"/>; checks the index value.</summary>
    protected static int Indexed(in StridedView data, int axis, in StridedView index, ReadOnlySpan<int> indexValues, int i, string what)
    {
        int at = data.Offset, rest = i;
        for (int d = index.Rank - 1; d >= 0; d--)
        {
            int coord = rest % index.Shape[d];
            rest /= index.Shape[d];
            if (d == axis)
            {
                int target = indexValues[index.IndexOf(i)];
                if ((uint)target >= (uint)data.Shape[axis])
                    throw new ArgumentOutOfRangeException(nameof(index), target, $"{what}: index {target} out of range for dimension {axis} of size {data.Shape[axis]}");
                coord = target;
            }
            at += coord * data.Strides[d];
        }
        return at;
    }

    /// <inheritdoc />
    public virtual void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        var dst = StridedView.Contiguous(destination, index.Shape);
        CheckIndexing(source, axis, index, dst, "gather");
        CpuBuffer src = Host(source.Buffer), d = Host(destination);
        ReadOnlySpan<int> idx = Host(index.Buffer).Span<int>();
        for (int i = 0; i < index.Length; i++) d.Set(i, src.Get(Indexed(source, axis, index, idx, i, "gather")));
    }

    /// <inheritdoc />
    public virtual void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        CheckIndexing(destination, axis, index, source, "scatter_add");
        CpuBuffer src = Host(source.Buffer), d = Host(destination.Buffer);
        ReadOnlySpan<int> idx = Host(index.Buffer).Span<int>();
        for (int i = 0; i < index.Length; i++)
        {
            int at = Indexed(destination, axis, index, idx, i, "scatter_add");
            d.Set(at, d.Get(at) + src.Get(source.IndexOf(i)));
        }
    }

    /// <summary>Shared argument checks (see <see cref="Check"/>).</summary>
    protected static void CheckStep(DeviceBuffer param, string what, params DeviceBuffer?[] others) => Check.StepArgs(param, what, others);

    /// <inheritdoc />
    public virtual void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        CheckStep(param, "sgd step", grad, momentum);
        CpuBuffer p = Host(param), g = Host(grad);
        CpuBuffer? buf = momentum is null ? null : Host(momentum);
        for (int i = 0; i < p.Length; i++)
        {
            double d = g.Get(i) + args.WeightDecay * p.Get(i);
            if (buf is not null && args.Momentum != 0)
            {
                double b = args.FirstStep ? d : args.Momentum * buf.Get(i) + (1 - args.Dampening) * d;
                buf.Set(i, b);
                d = args.Nesterov ? d + args.Momentum * b : b;
            }
            p.Set(i, p.Get(i) - args.Lr * d);
        }
    }

    /// <inheritdoc />
    public virtual void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        CheckStep(param, "adam step", grad, m, v);
        CpuBuffer p = Host(param), g = Host(grad), sm = Host(m), sv = Host(v);
        double bias1 = 1 - Math.Pow(args.Beta1, args.Step), bias2 = 1 - Math.Pow(args.Beta2, args.Step);
        for (int i = 0; i < p.Length; i++)
        {
            double pi = p.Get(i), gi = g.Get(i);
            if (args.Decoupled) pi *= 1 - args.Lr * args.WeightDecay;
            else gi += args.WeightDecay * pi;
            double mi = args.Beta1 * sm.Get(i) + (1 - args.Beta1) * gi;
            double vi = args.Beta2 * sv.Get(i) + (1 - args.Beta2) * gi * gi;
            sm.Set(i, mi);
            sv.Set(i, vi);
            p.Set(i, pi - args.Lr / bias1 * mi / (Math.Sqrt(vi) / Math.Sqrt(bias2) + args.Eps));
        }
    }
}
