namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// Plain scalar implementations of every primitive: one obvious loop each, no SIMD, no threads.
/// They define what each primitive means; the fast CPU backend and the GPU backends are tested
/// against them element by element. Each primitive checks its arguments (<see cref="Check"/>), then
/// runs its family's loop: Cpu/Reference/Copy.cs, Elementwise.cs, Random.cs, Reduce.cs, Gemm.cs,
/// Conv.cs, Pool.cs, Indexing.cs and Optim.cs.
/// </summary>
public sealed class ReferenceBackend : IBackend
{
    /// <summary>A backend whose buffers are plain arrays, or come from <paramref name="cache"/> when one is given.</summary>
    public ReferenceBackend(HostArrayCache? cache = null) => ArrayCache = cache;

    /// <summary>The caching allocator behind <see cref="Allocate"/>, or null for plain arrays.</summary>
    public HostArrayCache? ArrayCache { get; }

    /// <inheritdoc />
    public string Name => "reference";

    /// <inheritdoc />
    public string Description => "scalar reference kernels on the host";

    /// <inheritdoc />
    public bool SupportsFloat64 => true;

    /// <inheritdoc />
    public DeviceBuffer Allocate(DType dtype, int length) => new CpuBuffer(this, dtype, length, ArrayCache);

    /// <inheritdoc />
    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0) where T : unmanaged =>
        CpuBuffer.Upload(source, destination, offset);

    /// <inheritdoc />
    public void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0) where T : unmanaged =>
        CpuBuffer.Download(source, destination, offset);

    /// <inheritdoc />
    public void Synchronize()
    {
    }

    /// <inheritdoc />
    public void Copy(in StridedView source, in StridedView destination)
    {
        Check.CopyArgs(source, destination);
        Reference.Copy.Run(source, destination);
    }

    /// <inheritdoc />
    public void Fill(in StridedView destination, double value)
    {
        Check.InBounds(destination, "fill");
        Reference.Copy.Fill(destination, value);
    }

    /// <inheritdoc />
    public void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        Check.Float(destination.DType, "random");
        Reference.Random.Run(destination, distribution, seed, offset);
    }

    /// <inheritdoc />
    public void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        Check.UnaryArgs(op, x, y);
        Reference.Elementwise.Unary(op, x, y);
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.BinaryArgs(op, a, b, y);
        Reference.Elementwise.Binary(op, a, b, y);
    }

    /// <inheritdoc />
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.WhereArgs(condition, a, b, y);
        Reference.Elementwise.Where(condition, a, b, y);
    }

    /// <inheritdoc />
    public void Reduce(ReduceOp op, in StridedView x, in StridedView y)
    {
        Check.ReduceArgs(op, x, y);
        Reference.Reduce.Run(op, x, y);
    }

    /// <inheritdoc />
    public void ArgMax(in StridedView x, int axis, in StridedView indices)
    {
        Check.ArgMaxArgs(x, axis, indices);
        Reference.Reduce.ArgMax(x, axis, indices);
    }

    /// <inheritdoc />
    public void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null)
    {
        Check.GemmArgs(args, a, b, c);
        Check.GemmBias(args, a, bias);
        Reference.Gemm.Run(args, a, b, c, bias);
    }

    /// <inheritdoc />
    public void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null)
    {
        Check.ConvArgs(geometry, x, w, y, "conv2d forward");
        Check.ConvBias(geometry, x, bias, "conv2d forward");
        Reference.Conv.Forward(geometry, x, w, y, bias);
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        Check.ConvArgs(geometry, dx, w, dy, "conv2d backward-input");
        Reference.Conv.BackwardInput(geometry, dy, w, dx);
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        Check.ConvArgs(geometry, x, dw, dy, "conv2d backward-weight");
        Reference.Conv.BackwardWeight(geometry, x, dy, dw);
    }

    /// <inheritdoc />
    public void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        Check.MaxPoolArgs(geometry, x, y, indices);
        Reference.Pool.MaxForward(geometry, x, y, indices);
    }

    /// <inheritdoc />
    public void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        Check.PoolArgs(geometry, x, y, "avg_pool2d");
        Reference.Pool.AvgForward(geometry, x, y);
    }

    /// <inheritdoc />
    public void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        Check.PoolArgs(geometry, dx, dy, "avg_pool2d backward");
        Reference.Pool.AvgBackward(geometry, dy, dx);
    }

    /// <inheritdoc />
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        Check.IndexingArgs(source, axis, index, StridedView.Contiguous(destination, index.Shape), "gather");
        Reference.Indexing.Gather(source, axis, index, destination);
    }

    /// <inheritdoc />
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        Check.IndexingArgs(destination, axis, index, source, "scatter_add");
        Reference.Indexing.ScatterAdd(destination, axis, index, source);
    }

    /// <inheritdoc />
    public void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        Check.StepArgs(param, "sgd step", grad, momentum);
        Reference.Optim.SgdStep(args, param, grad, momentum);
    }

    /// <inheritdoc />
    public void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        Check.StepArgs(param, "adam step", grad, m, v);
        Reference.Optim.AdamStep(args, param, grad, m, v);
    }
}
