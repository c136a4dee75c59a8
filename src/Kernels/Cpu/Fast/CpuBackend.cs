namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// The fast host backend: the reference semantics with typed, vectorised and (for big kernels)
/// multi-threaded loops, one file per primitive family in Cpu/Fast (Copy, Elementwise, Random,
/// Reduce, Gemm, Conv, Pool, Indexing, Optim). Each primitive checks its arguments, then runs its
/// own kernel, except for the calls listed in <see cref="Fallbacks"/>, which it hands to the scalar
/// <see cref="ReferenceBackend"/> it holds. Threads always split work into a fixed partition, so
/// results never depend on timing or on the number of cores.
/// </summary>
public sealed class CpuBackend : IBackend
{
    private readonly IBackend reference;

    /// <summary>A fast backend whose buffers come from <paramref name="cache"/> (a new one when null).</summary>
    public CpuBackend(HostArrayCache? cache = null) : this(cache ?? new HostArrayCache(), null)
    {
    }

    /// <summary>
    /// A fast backend that hands its <see cref="Fallbacks"/> to <paramref name="reference"/> (a
    /// <see cref="ReferenceBackend"/> on the same cache when null; tests pass one that records the calls).
    /// </summary>
    internal CpuBackend(HostArrayCache cache, IBackend? reference)
    {
        ArrayCache = cache;
        this.reference = reference ?? new ReferenceBackend(cache);
    }

    /// <summary>
    /// The calls this backend hands to the reference instead of running its own kernel, by primitive
    /// (the <see cref="IBackend"/> method's name) and when. Every other call of every primitive runs
    /// this backend's own kernels. The parity tests check both halves of that statement.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Fallbacks { get; } = new Dictionary<string, string>
    {
        [nameof(Copy)] = "views of one buffer that overlap (the result depends on the element order), and conversions to or from Int32 (checked rounding)",
        [nameof(Unary)] = "an output that overlaps the input other than exactly in place",
        [nameof(Binary)] = "an output that overlaps an input other than exactly in place",
        [nameof(Where)] = "an output that overlaps an input other than exactly in place",
        [nameof(Reduce)] = "a strided or overlapping output, or reduced axes that do not group as [kept][reduced][kept] or [reduced][kept][reduced]",
        [nameof(ArgMax)] = "indices not shaped as the input with extent 1 on the axis, or an empty input",
        [nameof(Gemm)] = "C in the same buffer as A or B",
        [nameof(ScatterAdd)] = "Int32 data (overflow is checked)",
    };

    /// <summary>The caching allocator behind <see cref="Allocate"/>.</summary>
    public HostArrayCache ArrayCache { get; }

    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public string Description => $"{Environment.ProcessorCount}-core host CPU (managed SIMD)";

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
        if (source.Length == 0) return;
        if (StridedView.Overlap(source, destination) || !Fast.Copy.Converts(source.Buffer.DType, destination.Buffer.DType)) reference.Copy(source, destination);
        else Fast.Copy.Run(source, destination);
    }

    /// <inheritdoc />
    public void Fill(in StridedView destination, double value)
    {
        Check.InBounds(destination, "fill");
        Fast.Copy.Fill(destination, value);
    }

    /// <inheritdoc />
    public void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        Check.Float(destination.DType, "random");
        Fast.Random.Run(destination, distribution, seed, offset);
    }

    /// <inheritdoc />
    public void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        Check.UnaryArgs(op, x, y);
        if (!CpuLayout.SafeInPlace(x, y, x.Length)) reference.Unary(op, x, y);
        else Fast.Elementwise.Unary(op, x, y);
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.BinaryArgs(op, a, b, y);
        if (!CpuLayout.SafeInPlace(a, y, a.Length) || !CpuLayout.SafeInPlace(b, y, a.Length)) reference.Binary(op, a, b, y);
        else Fast.Elementwise.Binary(op, a, b, y);
    }

    /// <inheritdoc />
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.WhereArgs(condition, a, b, y);
        int n = a.Length;
        if (!CpuLayout.SafeInPlace(condition, y, n) || !CpuLayout.SafeInPlace(a, y, n) || !CpuLayout.SafeInPlace(b, y, n)) reference.Where(condition, a, b, y);
        else Fast.Elementwise.Where(condition, a, b, y);
    }

    /// <inheritdoc />
    public void Reduce(ReduceOp op, in StridedView x, in StridedView y)
    {
        Check.ReduceArgs(op, x, y);
        if (Fast.Reduce.Plan(x, y) is { } plan) Fast.Reduce.Run(op, x, y, plan);
        else reference.Reduce(op, x, y);
    }

    /// <inheritdoc />
    public void ArgMax(in StridedView x, int axis, in StridedView indices)
    {
        Check.ArgMaxArgs(x, axis, indices);
        if (Fast.Reduce.ArgMaxFits(x, axis, indices)) Fast.Reduce.ArgMax(x, axis, indices);
        else reference.ArgMax(x, axis, indices);
    }

    /// <inheritdoc />
    public void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null)
    {
        Check.GemmArgs(args, a, b, c);
        Check.GemmBias(args, a, bias);
        if (args.Batch == 0 || args.M == 0 || args.N == 0) return;
        // C written while A or B is read from the same buffer: the reference's order decides.
        if (ReferenceEquals(c, a) || ReferenceEquals(c, b)) reference.Gemm(args, a, b, c, bias);
        else Fast.Gemm.Run(args, a, b, c, bias);
        CpuBuffer.KeepAlive(a, b, c, bias);
    }

    /// <inheritdoc />
    public void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null)
    {
        Check.ConvArgs(geometry, x, w, y, "conv2d forward");
        Check.ConvBias(geometry, x, bias, "conv2d forward");
        Fast.Conv.Forward(geometry, x, w, y, bias);
        CpuBuffer.KeepAlive(x, w, y, bias);
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        Check.ConvArgs(geometry, dx, w, dy, "conv2d backward-input");
        Fast.Conv.BackwardInput(geometry, dy, w, dx);
        CpuBuffer.KeepAlive(dy, w, dx);
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        Check.ConvArgs(geometry, x, dw, dy, "conv2d backward-weight");
        Fast.Conv.BackwardWeight(geometry, x, dy, dw);
        CpuBuffer.KeepAlive(x, dy, dw);
    }

    /// <inheritdoc />
    public void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        Check.MaxPoolArgs(geometry, x, y, indices);
        Fast.Pool.MaxForward(geometry, x, y, indices);
        CpuBuffer.KeepAlive(x, y, indices);
    }

    /// <inheritdoc />
    public void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        Check.PoolArgs(geometry, x, y, "avg_pool2d");
        Fast.Pool.AvgForward(geometry, x, y);
        CpuBuffer.KeepAlive(x, y);
    }

    /// <inheritdoc />
    public void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        Check.PoolArgs(geometry, dx, dy, "avg_pool2d backward");
        Fast.Pool.AvgBackward(geometry, dy, dx);
        CpuBuffer.KeepAlive(dy, dx);
    }

    /// <inheritdoc />
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        Check.IndexingArgs(source, axis, index, StridedView.Contiguous(destination, index.Shape), "gather");
        Fast.Indexing.Gather(source, axis, index, destination);
    }

    /// <inheritdoc />
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        Check.IndexingArgs(destination, axis, index, source, "scatter_add");
        if (index.Length == 0) return;
        if (destination.Buffer.DType == DType.Int32) reference.ScatterAdd(destination, axis, index, source);
        else Fast.Indexing.ScatterAdd(destination, axis, index, source);
    }

    /// <inheritdoc />
    public void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        Check.StepArgs(param, "sgd step", grad, momentum);
        Fast.Optim.SgdStep(args, param, grad, momentum);
        CpuBuffer.KeepAlive(param, grad, momentum);
    }

    /// <inheritdoc />
    public void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        Check.StepArgs(param, "adam step", grad, m, v);
        Fast.Optim.AdamStep(args, param, grad, m, v);
        CpuBuffer.KeepAlive(param, grad, m, v);
    }
}
