namespace TinyGrad.Kernels.OpenCl;

/// <summary>The primitives: argument checks shared with the reference, then one kernel launch each.</summary>
public sealed unsafe partial class OpenClBackend
{
    /// <summary>Sets kernel arguments in order; the kernel object is shared, so callers hold the gate.</summary>
    private ref struct Args(nint kernel, DType real)
    {
        private uint index;

        public void Mem(DeviceBuffer buffer)
        {
            nint m = OpenClBackend.Mem(buffer);
            Set((nuint)sizeof(nint), &m);
        }

        public void Int(int value) => Set(sizeof(int), &value);

        public void UInt(uint value) => Set(sizeof(uint), &value);

        /// <summary>A scalar of the kernel's element type T.</summary>
        public void Real(double value)
        {
            if (real == DType.Float64) Set(sizeof(double), &value);
            else if (real == DType.Int32)
            {
                int i = checked((int)value);
                Set(sizeof(int), &i);
            }
            else
            {
                float f = (float)value;
                Set(sizeof(float), &f);
            }
        }

        public void View(in StridedView view)
        {
            var v = ClView.From(view);
            Set((nuint)sizeof(ClView), &v);
        }

        public void View(ClView v) => Set((nuint)sizeof(ClView), &v);

        public void Struct<TStruct>(TStruct value) where TStruct : unmanaged => Set((nuint)sizeof(TStruct), &value);

        private void Set(nuint size, void* value) => OpenClNative.Check(OpenClNative.SetKernelArg(kernel, index++, size, value), $"clSetKernelArg({index - 1})");
    }

    /// <summary>Sets the arguments and enqueues <paramref name="global"/> work items (local size left to the runtime).</summary>
    private void Launch(DType dtype, string name, int global, Action<Args> setArgs) => Launch(dtype, name, [global], null, setArgs);

    private void Launch(DType dtype, string name, int[] global, int[]? local, Action<Args> setArgs)
    {
        foreach (int g in global) if (g == 0) return;
        nint kernel = Kernel(dtype, name);
        lock (gate)
        {
            setArgs(new Args(kernel, dtype));
            var g = stackalloc nuint[3];
            var l = stackalloc nuint[3];
            for (int d = 0; d < global.Length; d++)
            {
                g[d] = (nuint)global[d];
                if (local is not null) l[d] = (nuint)local[d];
            }
            OpenClNative.Check(OpenClNative.EnqueueNDRangeKernel(queue, kernel, (uint)global.Length, null, g, local is null ? null : l, 0, 0, 0), $"clEnqueueNDRangeKernel({name})");
        }
    }

    /// <inheritdoc />
    public void Copy(in StridedView source, in StridedView destination)
    {
        Check.SameShape(source.Shape, destination.Shape, "copy");
        Check.InBounds(source, "copy source");
        Check.InBounds(destination, "copy destination");
        var src = source;
        var dst = destination;
        Launch(dst.Buffer.DType, "copy_from_" + KernelSources.CType(src.Buffer.DType), src.Length, a =>
        {
            a.View(src);
            a.View(dst);
            a.Mem(src.Buffer);
            a.Mem(dst.Buffer);
            a.Int(src.Length);
        });
    }

    /// <inheritdoc />
    public void Fill(in StridedView destination, double value)
    {
        Check.InBounds(destination, "fill");
        var dst = destination;
        Launch(dst.Buffer.DType, "fill", dst.Length, a =>
        {
            a.View(dst);
            a.Mem(dst.Buffer);
            a.Real(value);
            a.Int(dst.Length);
        });
    }

    /// <inheritdoc />
    public void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        Check.Float(destination.DType, "random");
        Launch(destination.DType, "random_fill", destination.Length, a =>
        {
            a.Mem(destination);
            a.Int(destination.Length);
            a.UInt((uint)seed);
            a.UInt((uint)(seed >> 32));
            a.UInt((uint)offset);
            a.UInt((uint)(offset >> 32));
            a.Int(distribution == RandomDistribution.Normal ? 1 : 0);
            a.Int(destination.DType == DType.Float64 ? 1 : 0);
        });
    }

    /// <inheritdoc />
    public void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        Check.Float(x.Buffer.DType, $"unary {op}");
        Check.InBounds(x, $"unary {op}");
        Check.Buffer(y, x.Buffer.DType, x.Length, $"unary {op} output");
        var xv = x;
        Launch(x.Buffer.DType, "unary", x.Length, a =>
        {
            a.View(xv);
            a.Mem(xv.Buffer);
            a.Mem(y);
            a.Int(xv.Length);
            a.Int((int)op);
        });
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.BinaryArgs(op, a, b, y);
        var av = a;
        var bv = b;
        Launch(a.Buffer.DType, "binary", a.Length, args =>
        {
            args.View(av);
            args.View(bv);
            args.Mem(av.Buffer);
            args.Mem(bv.Buffer);
            args.Mem(y);
            args.Int(av.Length);
            args.Int((int)op);
        });
    }

    /// <inheritdoc />
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.SameShape(condition.Shape, a.Shape, "where");
        Check.SameShape(a.Shape, b.Shape, "where");
        if (a.Buffer.DType != b.Buffer.DType) throw new ArgumentException($"where: dtypes {a.Buffer.DType} and {b.Buffer.DType} differ");
        Check.InBounds(condition, "where condition");
        Check.InBounds(a, "where left");
        Check.InBounds(b, "where right");
        Check.Buffer(y, a.Buffer.DType, a.Length, "where output");
        var cv = condition;
        var av = a;
        var bv = b;
        Launch(a.Buffer.DType, "where_" + KernelSources.CType(cv.Buffer.DType), a.Length, args =>
        {
            args.View(cv);
            args.View(av);
            args.View(bv);
            args.Mem(cv.Buffer);
            args.Mem(av.Buffer);
            args.Mem(bv.Buffer);
            args.Mem(y);
            args.Int(av.Length);
        });
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
        var xb = x.Buffer;
        var yb = y.Buffer;
        Launch(x.Buffer.DType, "reduce", [outputs * ReduceGroup], [ReduceGroup], a =>
        {
            a.View(outer);
            a.View(inner);
            a.View(yv);
            a.Mem(xb);
            a.Mem(yb);
            a.Int(innerCount);
            a.Int((int)op);
        });
    }

    private static ClView SubView(int[] shape, int[] strides, int offset, List<int> dims)
    {
        var s = new int[dims.Count];
        var st = new int[dims.Count];
        for (int i = 0; i < dims.Count; i++)
        {
            s[i] = shape[dims[i]];
            st[i] = strides[dims[i]];
        }
        return ClView.From(s, st, offset);
    }

    /// <inheritdoc />
    public void ArgMax(in StridedView x, int axis, in StridedView indices)
    {
        Check.Float(x.Buffer.DType, "argmax");
        if ((uint)axis >= (uint)x.Rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"argmax: axis out of range for rank {x.Rank}");
        if (indices.Buffer.DType != DType.Int32) throw new ArgumentException($"argmax: indices must be Int32, got {indices.Buffer.DType}");
        Check.InBounds(x, "argmax input");
        Check.InBounds(indices, "argmax indices");
        var others = Enumerable.Range(0, x.Rank).Where(d => d != axis).ToList();
        var outer = SubView(x.Shape, x.Strides, x.Offset, others);
        var iv = SubView(indices.Shape, indices.Strides, indices.Offset, others);
        int n = indices.Length, extent = x.Shape[axis], stride = x.Strides[axis];
        var xb = x.Buffer;
        var ib = indices.Buffer;
        Launch(x.Buffer.DType, "argmax", n, a =>
        {
            a.View(outer);
            a.Mem(xb);
            a.View(iv);
            a.Mem(ib);
            a.Int(extent);
            a.Int(stride);
            a.Int(n);
        });
    }

    /// <inheritdoc />
    public void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c)
    {
        Check.GemmArgs(args, a, b, c);
        var g = args;
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        int[] global = [(g.N + GemmTile - 1) / GemmTile * GemmTile, (g.M + GemmTile - 1) / GemmTile * GemmTile, g.Batch];
        Launch(a.DType, "gemm", global, [GemmTile, GemmTile, 1], p =>
        {
            p.Int(g.M);
            p.Int(g.N);
            p.Int(g.K);
            p.Int(g.TransA ? 1 : 0);
            p.Int(g.TransB ? 1 : 0);
            p.Int(g.OffsetA);
            p.Int(g.Lda);
            p.Int(g.BatchStrideA);
            p.Int(g.OffsetB);
            p.Int(g.Ldb);
            p.Int(g.BatchStrideB);
            p.Int(g.OffsetC);
            p.Int(g.Ldc);
            p.Int(g.BatchStrideC);
            p.Real(g.Alpha);
            p.Real(g.Beta);
            p.Mem(a);
            p.Mem(b);
            p.Mem(c);
        });
    }

    /// <inheritdoc />
    public void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y)
    {
        Check.ConvArgs(geometry, x, w, y, "conv2d forward");
        Conv("conv2d_forward", geometry, x, w, y, geometry.Sizes.Y);
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
        var shape = ClConvShape.From(geometry);
        Launch(first.DType, kernel, total, a =>
        {
            a.Struct(shape);
            a.Mem(first);
            a.Mem(second);
            a.Mem(output);
            a.Int(total);
        });
    }

    /// <inheritdoc />
    public void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        var g = geometry;
        Check.PoolArgs(g, x, y, "max_pool2d");
        int total = g.N * g.C * g.OutH * g.OutW;
        Check.Buffer(indices, DType.Int32, total, "max_pool2d indices");
        var shape = ClPoolShape.From(g);
        Launch(x.DType, "max_pool2d_forward", total, a =>
        {
            a.Struct(shape);
            a.Mem(x);
            a.Mem(y);
            a.Mem(indices);
            a.Int(total);
        });
    }

    /// <inheritdoc />
    public void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        var g = geometry;
        Check.PoolArgs(g, x, y, "avg_pool2d");
        int total = g.N * g.C * g.OutH * g.OutW;
        var shape = ClPoolShape.From(g);
        Launch(x.DType, "avg_pool2d_forward", total, a =>
        {
            a.Struct(shape);
            a.Mem(x);
            a.Mem(y);
            a.Int(total);
        });
    }

    /// <inheritdoc />
    public void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        var g = geometry;
        Check.PoolArgs(g, dx, dy, "avg_pool2d backward");
        int total = g.N * g.C * g.H * g.W;
        var shape = ClPoolShape.From(g);
        Launch(dy.DType, "avg_pool2d_backward", total, a =>
        {
            a.Struct(shape);
            a.Mem(dy);
            a.Mem(dx);
            a.Int(total);
        });
    }

    /// <inheritdoc />
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        var dst = StridedView.Contiguous(destination, index.Shape);
        Check.IndexingArgs(source, axis, index, dst, "gather");
        var src = source;
        var iv = index;
        int n = index.Length;
        ClearError();
        Launch(source.Buffer.DType, "gather", n, a =>
        {
            a.View(src);
            a.Int(axis);
            a.View(iv);
            a.Mem(src.Buffer);
            a.Mem(iv.Buffer);
            a.Mem(destination);
            a.Mem(errorFlag);
            a.Int(n);
        });
        ThrowOnError("gather", axis, source.Shape[axis], n);
    }

    /// <inheritdoc />
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        Check.IndexingArgs(destination, axis, index, source, "scatter_add");
        var dst = destination;
        var iv = index;
        var sv = source;
        int lines = index.Shape[axis] == 0 ? 0 : index.Length / index.Shape[axis];
        ClearError();
        Launch(destination.Buffer.DType, "scatter_add", lines, a =>
        {
            a.View(dst);
            a.Int(axis);
            a.View(iv);
            a.View(sv);
            a.Mem(dst.Buffer);
            a.Mem(iv.Buffer);
            a.Mem(sv.Buffer);
            a.Mem(errorFlag);
            a.Int(lines);
        });
        ThrowOnError("scatter_add", axis, destination.Shape[axis], lines);
    }

    private void ClearError() => Upload<int>([0], errorFlag);

    private void ThrowOnError(string what, int axis, int size, int launched)
    {
        if (launched == 0) return;
        Span<int> flag = stackalloc int[1];
        Download(errorFlag, flag);
        if (flag[0] != 0)
            throw new ArgumentOutOfRangeException("index", $"{what}: an index is out of range for dimension {axis} of size {size}");
    }

    /// <inheritdoc />
    public void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        Check.StepArgs(param, "sgd step", grad, momentum);
        var s = args;
        int n = param.Length;
        bool hasMomentum = momentum is not null && s.Momentum != 0;
        Launch(param.DType, "sgd_step", n, a =>
        {
            a.Mem(param);
            a.Mem(grad);
            a.Mem(momentum ?? grad);
            a.Int(n);
            a.Real(s.Lr);
            a.Real(s.Momentum);
            a.Real(s.Dampening);
            a.Real(s.WeightDecay);
            a.Int(s.Nesterov ? 1 : 0);
            a.Int(s.FirstStep ? 1 : 0);
            a.Int(hasMomentum ? 1 : 0);
        });
    }

    /// <inheritdoc />
    public void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        Check.StepArgs(param, "adam step", grad, m, v);
        var s = args;
        int n = param.Length;
        Launch(param.DType, "adam_step", n, a =>
        {
            a.Mem(param);
            a.Mem(grad);
            a.Mem(m);
            a.Mem(v);
            a.Int(n);
            a.Real(s.Lr);
            a.Real(s.Beta1);
            a.Real(s.Beta2);
            a.Real(s.Eps);
            a.Real(s.WeightDecay);
            a.Int(s.Decoupled ? 1 : 0);
            a.Real(1 - Math.Pow(s.Beta1, s.Step));
            a.Real(1 - Math.Pow(s.Beta2, s.Step));
        });
    }
}
