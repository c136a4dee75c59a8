namespace TinyGrad.Kernels.Gpu;

/// <summary>
/// The primitives of every device that runs our kernel sources (OpenCL, CUDA): argument checks
/// shared with the reference, then one launch of the matching kernel. A runtime supplies memory,
/// program building and <see cref="Launch"/>; nothing here knows which runtime it is.
/// </summary>
public abstract class KernelBackend : IBackend
{
    private const int ReduceGroup = 256, GemmTile = 16;
    private readonly KernelArgs args = new();
    private DeviceBuffer? errorFlag;

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string Description { get; }

    /// <inheritdoc />
    public abstract bool SupportsFloat64 { get; }

    /// <summary>Serialises launches: kernel objects and the argument block are shared.</summary>
    protected Lock Gate { get; } = new();

    /// <inheritdoc />
    public abstract DeviceBuffer Allocate(DType dtype, int length);

    /// <inheritdoc />
    public abstract void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0) where T : unmanaged;

    /// <inheritdoc />
    public abstract void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0) where T : unmanaged;

    /// <inheritdoc />
    public abstract void Synchronize();

    /// <summary>The runtime's handle of a buffer (cl_mem or CUdeviceptr), as passed to kernels.</summary>
    protected abstract nint Handle(DeviceBuffer buffer);

    /// <summary>
    /// Runs kernel <paramref name="kernel"/> of the <paramref name="dtype"/> program over <paramref name="global"/>
    /// work items (1 to 3 dimensions) in groups of <paramref name="local"/> (null: the runtime's choice).
    /// Called with <see cref="Gate"/> held.
    /// </summary>
    protected abstract void Launch(DType dtype, string kernel, ReadOnlySpan<int> global, ReadOnlySpan<int> local, KernelArgs arguments);

    private void Run(DType dtype, string kernel, int global, Action<KernelArgs> build) => Run(dtype, kernel, [global], [], build);

    private void Run(DType dtype, string kernel, int[] global, int[] local, Action<KernelArgs> build)
    {
        foreach (int g in global) if (g == 0) return;
        lock (Gate)
        {
            build(args.Clear());
            Launch(dtype, kernel, global, local, args);
        }
    }

    private static ViewArg V(in StridedView view) => ViewArg.From(view);

    /// <inheritdoc />
    public void Copy(in StridedView source, in StridedView destination)
    {
        Check.SameShape(source.Shape, destination.Shape, "copy");
        Check.InBounds(source, "copy source");
        Check.InBounds(destination, "copy destination");
        var (s, d) = (V(source), V(destination));
        var (sb, db) = (Handle(source.Buffer), Handle(destination.Buffer));
        int n = source.Length;
        Run(destination.Buffer.DType, "copy_from_" + KernelSources.CType(source.Buffer.DType), n, a => a.Struct(s).Struct(d).Pointer(sb).Pointer(db).Int(n));
    }

    /// <inheritdoc />
    public void Fill(in StridedView destination, double value)
    {
        Check.InBounds(destination, "fill");
        var d = V(destination);
        var db = Handle(destination.Buffer);
        var dtype = destination.Buffer.DType;
        int n = destination.Length;
        Run(dtype, "fill", n, a => a.Struct(d).Pointer(db).Real(dtype, value).Int(n));
    }

    /// <inheritdoc />
    public void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        Check.Float(destination.DType, "random");
        var db = Handle(destination);
        int n = destination.Length;
        int isDouble = destination.DType == DType.Float64 ? 1 : 0;
        Run(destination.DType, "random_fill", n, a => a.Pointer(db).Int(n).UInt((uint)seed).UInt((uint)(seed >> 32))
            .UInt((uint)offset).UInt((uint)(offset >> 32)).Int(distribution == RandomDistribution.Normal ? 1 : 0).Int(isDouble));
    }

    /// <inheritdoc />
    public void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        Check.Float(x.Buffer.DType, $"unary {op}");
        Check.InBounds(x, $"unary {op}");
        Check.Buffer(y, x.Buffer.DType, x.Length, $"unary {op} output");
        var xv = V(x);
        var (xb, yb) = (Handle(x.Buffer), Handle(y));
        int n = x.Length;
        Run(x.Buffer.DType, "unary", n, a => a.Struct(xv).Pointer(xb).Pointer(yb).Int(n).Int((int)op));
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.BinaryArgs(op, a, b, y);
        var (av, bv) = (V(a), V(b));
        var (ab, bb, yb) = (Handle(a.Buffer), Handle(b.Buffer), Handle(y));
        int n = a.Length;
        Run(a.Buffer.DType, "binary", n, p => p.Struct(av).Struct(bv).Pointer(ab).Pointer(bb).Pointer(yb).Int(n).Int((int)op));
    }

    /// <inheritdoc />
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.WhereArgs(condition, a, b, y);
        var (cv, av, bv) = (V(condition), V(a), V(b));
        var (cb, ab, bb, yb) = (Handle(condition.Buffer), Handle(a.Buffer), Handle(b.Buffer), Handle(y));
        int n = a.Length;
        Run(a.Buffer.DType, "where_" + KernelSources.CType(condition.Buffer.DType), n,
            p => p.Struct(cv).Struct(av).Struct(bv).Pointer(cb).Pointer(ab).Pointer(bb).Pointer(yb).Int(n));
    }

    /// <inheritdoc />
    public void Reduce(ReduceOp op, in StridedView x, in StridedView y)
    {
        Check.ReduceArgs(op, x, y);
        var kept = new List<int>();
        var reduced = new List<int>();
        for (int d = 0; d < x.Rank; d++)
        {
            if (y.Shape[d] == 1 && x.Shape[d] != 1) reduced.Add(d);
            else if (x.Shape[d] != 1) kept.Add(d);
        }
        var outer = SubView(x.Shape, x.Strides, x.Offset, kept);
        var inner = SubView(x.Shape, x.Strides, 0, reduced);
        var yv = SubView(y.Shape, y.Strides, y.Offset, kept);
        int outputs = 1, innerCount = 1;
        foreach (int d in kept) outputs *= x.Shape[d];
        foreach (int d in reduced) innerCount *= x.Shape[d];
        var (xb, yb) = (Handle(x.Buffer), Handle(y.Buffer));
        Run(x.Buffer.DType, "reduce", [outputs * ReduceGroup], [ReduceGroup],
            a => a.Struct(outer).Struct(inner).Struct(yv).Pointer(xb).Pointer(yb).Int(innerCount).Int((int)op));
    }

    private static ViewArg SubView(int[] shape, int[] strides, int offset, List<int> dims)
    {
        var s = new int[dims.Count];
        var st = new int[dims.Count];
        for (int i = 0; i < dims.Count; i++)
        {
            s[i] = shape[dims[i]];
            st[i] = strides[dims[i]];
        }
        return ViewArg.From(s, st, offset);
    }

    /// <inheritdoc />
    public void ArgMax(in StridedView x, int axis, in StridedView indices)
    {
        Check.Float(x.Buffer.DType, "argmax");
        if ((uint)axis >= (uint)x.Rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"argmax: axis out of range for rank {x.Rank}");
        if (indices.Buffer.DType != DType.Int32) throw new ArgumentException($"argmax: indices must be Int32, got {indices.Buffer.DType}");
        Check.InBounds(x, "argmax input");
        Check.InBounds(indices, "argmax indices");
        var others = new List<int>();
        for (int d = 0; d < x.Rank; d++) if (d != axis) others.Add(d);
        var outer = SubView(x.Shape, x.Strides, x.Offset, others);
        var iv = SubView(indices.Shape, indices.Strides, indices.Offset, others);
        int n = indices.Length, extent = x.Shape[axis], stride = x.Strides[axis];
        var (xb, ib) = (Handle(x.Buffer), Handle(indices.Buffer));
        Run(x.Buffer.DType, "argmax", n, a => a.Struct(outer).Pointer(xb).Struct(iv).Pointer(ib).Int(extent).Int(stride).Int(n));
    }

    /// <inheritdoc />
    public void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null)
    {
        Check.GemmArgs(args, a, b, c);
        Check.GemmBias(args, a, bias);
        var g = args;
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        var dtype = a.DType;
        var (ab, bb, cb) = (Handle(a), Handle(b), Handle(c));
        int[] global = [(g.N + GemmTile - 1) / GemmTile * GemmTile, (g.M + GemmTile - 1) / GemmTile * GemmTile, g.Batch];
        Run(dtype, "gemm", global, [GemmTile, GemmTile, 1], p => p
            .Int(g.M).Int(g.N).Int(g.K).Int(g.TransA ? 1 : 0).Int(g.TransB ? 1 : 0)
            .Int(g.OffsetA).Int(g.Lda).Int(g.BatchStrideA).Int(g.OffsetB).Int(g.Ldb).Int(g.BatchStrideB)
            .Int(g.OffsetC).Int(g.Ldc).Int(g.BatchStrideC)
            .Real(dtype, g.Alpha).Real(dtype, g.Beta).Pointer(ab).Pointer(bb).Pointer(cb));
        if (bias is not null) AddRowBias(g, c, bias);
    }

    /// <summary>
    /// C += bias on every row by the broadcasting add kernel: in place when C is one dense block
    /// from element 0 (each element reads and writes only itself), else through a dense temporary.
    /// </summary>
    private void AddRowBias(in GemmArgs g, DeviceBuffer c, DeviceBuffer bias)
    {
        int[] shape = [g.Batch, g.M, g.N];
        var cView = new StridedView(c, shape, [g.BatchStrideC, g.Ldc, 1], g.OffsetC);
        var biasView = new StridedView(bias, shape, [0, 0, 1], 0);
        if (g.OffsetC == 0 && cView.IsContiguous)
        {
            Binary(BinaryOp.Add, cView, biasView, c);
            return;
        }
        using var sum = Allocate(c.DType, g.Batch * g.M * g.N);
        Binary(BinaryOp.Add, cView, biasView, sum);
        Copy(StridedView.Contiguous(sum, shape), cView);
    }

    /// <inheritdoc />
    public void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null)
    {
        Check.ConvArgs(geometry, x, w, y, "conv2d forward");
        Check.ConvBias(geometry, x, bias, "conv2d forward");
        Conv("conv2d_forward", geometry, x, w, y, geometry.Sizes.Y);
        if (bias is null) return;
        // The bias in place by the broadcasting add kernel (each element reads and writes only itself).
        int[] shape = [geometry.N, geometry.O, geometry.OutH * geometry.OutW];
        Binary(BinaryOp.Add, StridedView.Contiguous(y, shape), new StridedView(bias, shape, [0, 1, 0], 0), y);
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        Check.ConvArgs(geometry, dx, w, dy, "conv2d backward-input");
        Conv("conv2d_backward_input", geometry, dy, w, dx, geometry.Sizes.X);
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        Check.ConvArgs(geometry, x, dw, dy, "conv2d backward-weight");
        Conv("conv2d_backward_weight", geometry, x, dy, dw, geometry.Sizes.W);
    }

    private void Conv(string kernel, in Conv2dGeometry geometry, DeviceBuffer first, DeviceBuffer second, DeviceBuffer output, int total)
    {
        var shape = ConvShapeArg.From(geometry);
        var (fb, sb, ob) = (Handle(first), Handle(second), Handle(output));
        Run(first.DType, kernel, total, a => a.Struct(shape).Pointer(fb).Pointer(sb).Pointer(ob).Int(total));
    }

    /// <inheritdoc />
    public void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        var g = geometry;
        Check.PoolArgs(g, x, y, "max_pool2d");
        int total = g.N * g.C * g.OutH * g.OutW;
        Check.Buffer(indices, DType.Int32, total, "max_pool2d indices");
        var shape = PoolShapeArg.From(g);
        var (xb, yb, ib) = (Handle(x), Handle(y), Handle(indices));
        Run(x.DType, "max_pool2d_forward", total, a => a.Struct(shape).Pointer(xb).Pointer(yb).Pointer(ib).Int(total));
    }

    /// <inheritdoc />
    public void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        var g = geometry;
        Check.PoolArgs(g, x, y, "avg_pool2d");
        int total = g.N * g.C * g.OutH * g.OutW;
        var shape = PoolShapeArg.From(g);
        var (xb, yb) = (Handle(x), Handle(y));
        Run(x.DType, "avg_pool2d_forward", total, a => a.Struct(shape).Pointer(xb).Pointer(yb).Int(total));
    }

    /// <inheritdoc />
    public void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        var g = geometry;
        Check.PoolArgs(g, dx, dy, "avg_pool2d backward");
        int total = g.N * g.C * g.H * g.W;
        var shape = PoolShapeArg.From(g);
        var (yb, xb) = (Handle(dy), Handle(dx));
        Run(dy.DType, "avg_pool2d_backward", total, a => a.Struct(shape).Pointer(yb).Pointer(xb).Int(total));
    }

    /// <inheritdoc />
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        var dst = StridedView.Contiguous(destination, index.Shape);
        Check.IndexingArgs(source, axis, index, dst, "gather");
        var (sv, iv) = (V(source), V(index));
        var (sb, ib, db, eb) = (Handle(source.Buffer), Handle(index.Buffer), Handle(destination), Handle(ErrorFlag()));
        int n = index.Length;
        ClearError();
        Run(source.Buffer.DType, "gather", n, a => a.Struct(sv).Int(axis).Struct(iv).Pointer(sb).Pointer(ib).Pointer(db).Pointer(eb).Int(n));
        ThrowOnError("gather", axis, source.Shape[axis], n);
    }

    /// <inheritdoc />
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        Check.IndexingArgs(destination, axis, index, source, "scatter_add");
        var (dv, iv, sv) = (V(destination), V(index), V(source));
        var (db, ib, sb, eb) = (Handle(destination.Buffer), Handle(index.Buffer), Handle(source.Buffer), Handle(ErrorFlag()));
        int lines = index.Shape[axis] == 0 ? 0 : index.Length / index.Shape[axis];
        ClearError();
        Run(destination.Buffer.DType, "scatter_add", lines,
            a => a.Struct(dv).Int(axis).Struct(iv).Struct(sv).Pointer(db).Pointer(ib).Pointer(sb).Pointer(eb).Int(lines));
        ThrowOnError("scatter_add", axis, destination.Shape[axis], lines);
    }

    /// <summary>One Int32 on the device where indexing kernels report an out-of-range index.</summary>
    private DeviceBuffer ErrorFlag() => errorFlag ??= Allocate(DType.Int32, 1);

    private void ClearError() => Upload<int>([0], ErrorFlag());

    private void ThrowOnError(string what, int axis, int size, int launched)
    {
        if (launched == 0) return;
        Span<int> flag = stackalloc int[1];
        Download(ErrorFlag(), flag);
        if (flag[0] != 0)
            throw new ArgumentOutOfRangeException("index", $"{what}: an index is out of range for dimension {axis} of size {size}");
    }

    /// <inheritdoc />
    public void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        Check.StepArgs(param, "sgd step", grad, momentum);
        var s = args;
        var t = param.DType;
        int n = param.Length;
        bool hasMomentum = momentum is not null && s.Momentum != 0;
        var (pb, gb, mb) = (Handle(param), Handle(grad), Handle(momentum ?? grad));
        Run(t, "sgd_step", n, a => a.Pointer(pb).Pointer(gb).Pointer(mb).Int(n)
            .Real(t, s.Lr).Real(t, s.Momentum).Real(t, s.Dampening).Real(t, s.WeightDecay)
            .Int(s.Nesterov ? 1 : 0).Int(s.FirstStep ? 1 : 0).Int(hasMomentum ? 1 : 0));
    }

    /// <inheritdoc />
    public void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        Check.StepArgs(param, "adam step", grad, m, v);
        var s = args;
        var t = param.DType;
        int n = param.Length;
        var (pb, gb, mb, vb) = (Handle(param), Handle(grad), Handle(m), Handle(v));
        Run(t, "adam_step", n, a => a.Pointer(pb).Pointer(gb).Pointer(mb).Pointer(vb).Int(n)
            .Real(t, s.Lr).Real(t, s.Beta1).Real(t, s.Beta2).Real(t, s.Eps).Real(t, s.WeightDecay)
            .Int(s.Decoupled ? 1 : 0).Real(t, 1 - Math.Pow(s.Beta1, s.Step)).Real(t, 1 - Math.Pow(s.Beta2, s.Step)));
    }
}
