namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// The fast host backend: the reference semantics with typed, vectorised and (for big kernels)
/// multi-threaded loops, one file per primitive family in Cpu/Fast (Copy, Elementwise, Random,
/// Reduce, Gemm, Conv, Pool, Indexing, Optim). Each primitive runs its own kernel, except for the
/// calls listed in <see cref="Fallbacks"/>, which it hands to the scalar <see cref="ReferenceBackend"/>
/// it holds. Threads always split work into a fixed partition, so results never depend on timing or
/// on the number of cores.
/// </summary>
public sealed class CpuBackend : Backend
{
    private readonly Backend reference;

    /// <summary>A fast backend whose buffers come from <paramref name="cache"/> (a new one when null).</summary>
    public CpuBackend(HostArrayCache? cache = null) : this(cache ?? new HostArrayCache(), null)
    {
    }

    /// <summary>
    /// A fast backend that hands its <see cref="Fallbacks"/> to <paramref name="reference"/> (a
    /// <see cref="ReferenceBackend"/> on the same cache when null; tests pass one whose observer counts the calls).
    /// </summary>
    internal CpuBackend(HostArrayCache cache, Backend? reference)
    {
        ArrayCache = cache;
        this.reference = reference ?? new ReferenceBackend(cache);
    }

    /// <summary>
    /// The calls this backend hands to the reference instead of running its own kernel, by primitive
    /// (the <see cref="Backend"/> method's name) and when. Every other call of every primitive runs
    /// this backend's own kernels. The parity tests check both halves of that statement.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Fallbacks { get; } = new Dictionary<string, string>
    {
        [nameof(Copy)] = "views of one buffer that overlap (the result depends on the element order), and conversions to or from Int32 (checked rounding)",
        [nameof(Unary)] = "an output that overlaps the input other than exactly in place",
        [nameof(Binary)] = "an output that overlaps an input other than exactly in place",
        [nameof(Compare)] = "an output that overlaps an input other than exactly in place",
        [nameof(Where)] = "an output that overlaps an input other than exactly in place",
        [nameof(Reduce)] = "a strided or overlapping output, or reduced axes that do not group as [kept][reduced][kept] or [reduced][kept][reduced]",
        [nameof(ArgMax)] = "indices not shaped as the input with extent 1 on the axis, or an empty input",
        [nameof(Gemm)] = "C in the same buffer as A or B",
        [nameof(ScatterAdd)] = "Int32 data (overflow is checked)",
    };

    /// <summary>The caching allocator behind <see cref="Backend.Allocate"/>.</summary>
    public HostArrayCache ArrayCache { get; }

    /// <inheritdoc />
    public override string Name => "cpu";

    /// <inheritdoc />
    public override string Description => $"{Environment.ProcessorCount}-core host CPU (managed SIMD)";

    /// <inheritdoc />
    public override void Synchronize()
    {
    }

    /// <inheritdoc />
    protected override DeviceBuffer RunAllocate(DType dtype, int length) => new CpuBuffer(this, dtype, length, ArrayCache);

    /// <inheritdoc />
    protected override void RunUpload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset) => CpuBuffer.Upload(source, destination, offset);

    /// <inheritdoc />
    protected override void RunDownload<T>(DeviceBuffer source, Span<T> destination, int offset) => CpuBuffer.Download(source, destination, offset);

    /// <inheritdoc />
    protected override void RunCopy(in StridedView source, in StridedView destination)
    {
        if (StridedView.Overlap(source, destination) || !Fast.Copy.Converts(source.Buffer.DType, destination.Buffer.DType)) reference.Copy(source, destination);
        else Fast.Copy.Run(source, destination);
    }

    /// <inheritdoc />
    protected override void RunFill<T>(in StridedView destination, T value) => Fast.Copy.Fill(destination, value);

    /// <inheritdoc />
    protected override void RunRandom<T>(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset) =>
        Fast.Random.Run<T>(destination, distribution, seed, offset);

    /// <inheritdoc />
    protected override void RunUnary<T, TOp>(in StridedView x, DeviceBuffer y)
    {
        if (!CpuLayout.SafeInPlace(x, y, x.Length)) reference.Unary<TOp>(x, y);
        else Fast.Elementwise.Unary<T, TOp>(x, y);
    }

    /// <inheritdoc />
    protected override void RunBinary<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y)
    {
        if (!CpuLayout.SafeInPlace(a, y, a.Length) || !CpuLayout.SafeInPlace(b, y, a.Length)) reference.Binary<TOp>(a, b, y);
        else Fast.Elementwise.Binary<T, Fast.Arithmetic<T, TOp>>(a, b, y);
    }

    /// <inheritdoc />
    protected override void RunCompare<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y)
    {
        if (!CpuLayout.SafeInPlace(a, y, a.Length) || !CpuLayout.SafeInPlace(b, y, a.Length)) reference.Compare<TOp>(a, b, y);
        else Fast.Elementwise.Binary<T, Fast.Comparison<T, TOp>>(a, b, y);
    }

    /// <inheritdoc />
    protected override void RunWhere<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        int n = a.Length;
        if (!CpuLayout.SafeInPlace(condition, y, n) || !CpuLayout.SafeInPlace(a, y, n) || !CpuLayout.SafeInPlace(b, y, n)) reference.Where(condition, a, b, y);
        else Fast.Elementwise.Where<TC, T>(condition, a, b, y);
    }

    /// <inheritdoc />
    protected override void RunReduce<T>(ReduceOp op, in StridedView x, in StridedView y)
    {
        if (Fast.Reduce.Plan(x, y) is { } plan) Fast.Reduce.Run<T>(op, x, y, plan);
        else reference.Reduce(op, x, y);
    }

    /// <inheritdoc />
    protected override void RunArgMax<T>(in StridedView x, int axis, in StridedView indices)
    {
        if (Fast.Reduce.ArgMaxFits(x, axis, indices)) Fast.Reduce.ArgMax<T>(x, axis, indices);
        else reference.ArgMax(x, axis, indices);
    }

    /// <inheritdoc />
    protected override void RunGemm<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, Epilogue epilogue)
    {
        if (args.Batch == 0 || args.M == 0 || args.N == 0) return;
        // C written while A or B is read from the same buffer: the reference's order decides.
        if (ReferenceEquals(c, a) || ReferenceEquals(c, b)) reference.Gemm(args, a, b, c, bias, epilogue);
        else Fast.Gemm.Run<T>(args, a, b, c, bias, epilogue);
        CpuBuffer.KeepAlive(a, b, c, bias);
    }

    /// <inheritdoc />
    protected override void RunGemmReluGradient<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, DeviceBuffer aux)
    {
        // C written while A, B or the mask is read from the same buffer: the product, then the select.
        if (ReferenceEquals(c, a) || ReferenceEquals(c, b) || ReferenceEquals(c, aux)) base.RunGemmReluGradient<T>(args, a, b, c, bias, aux);
        else Fast.Gemm.Run<T>(args, a, b, c, bias, Epilogue.ReluGradient, aux);
        CpuBuffer.KeepAlive(a, b, c, bias);
        GC.KeepAlive(aux);
    }

    /// <inheritdoc />
    protected override void RunConv2dForward<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, Epilogue epilogue) =>
        Fast.Conv.Forward<T>(geometry, x, w, y, bias, epilogue);

    /// <inheritdoc />
    protected override void RunConv2dBackwardInput<T>(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) =>
        Fast.Conv.BackwardInput<T>(geometry, dy, w, dx);

    /// <inheritdoc />
    protected override void RunConv2dBackwardWeight<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) =>
        Fast.Conv.BackwardWeight<T>(geometry, x, dy, dw);

    /// <inheritdoc />
    protected override void RunConv2dBackwardWeightAndBias<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer dbias)
    {
        if (Fast.Conv.SumsBiasInPass(geometry)) Fast.Conv.BackwardWeightAndBias<T>(geometry, x, dy, dw, dbias);
        else base.RunConv2dBackwardWeightAndBias<T>(geometry, x, dy, dw, dbias);
    }

    /// <inheritdoc />
    protected override void RunConv2dBackwardWeightOfMaxPool<T>(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer? gate, DeviceBuffer dw, DeviceBuffer? dbias)
    {
        // Unpooled, the bias gradient keeps Reduce's bits: in the pass only where the pass repeats its order.
        if (dbias is not null && !Fast.Conv.WindowByWindow(conv, pool) && !Fast.Conv.SumsBiasInPass(conv)) base.RunConv2dBackwardWeightOfMaxPool<T>(conv, pool, x, dy, indices, gate, dw, dbias);
        else Fast.Conv.BackwardWeightOfMaxPool<T>(conv, pool, x, dy, indices, gate, dw, dbias);
    }

    /// <inheritdoc />
    protected override void RunLinearBackward<T>(int rows, int inFeatures, int outFeatures, DeviceBuffer g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer dw, DeviceBuffer? dx, bool gateByInput, DeviceBuffer? dbias)
    {
        if (Fast.Linear.Fuses(rows, inFeatures, outFeatures)) Fast.Linear.Backward<T>(rows, inFeatures, outFeatures, g, x, w, dw, dx, gateByInput, dbias);
        else base.RunLinearBackward<T>(rows, inFeatures, outFeatures, g, x, w, dw, dx, gateByInput, dbias);
    }

    /// <inheritdoc />
    protected override void RunConv2dForwardMaxPool<T>(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, Epilogue epilogue, DeviceBuffer y, DeviceBuffer indices)
    {
        if (typeof(T) == typeof(float) && Fast.Conv.PoolsInPlace(conv, pool)) Fast.Conv.ForwardMaxPool<T>(conv, pool, x, w, bias, epilogue, y, indices);
        else base.RunConv2dForwardMaxPool<T>(conv, pool, x, w, bias, epilogue, y, indices);
    }

    /// <inheritdoc />
    protected override void RunMaxPool2dBackwardGated<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx, DeviceBuffer gate) =>
        Fast.Pool.MaxBackward<T>(geometry, dy, indices, dx, gate);

    /// <inheritdoc />
    protected override void RunMaxPool2dForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) =>
        Fast.Pool.MaxForward<T>(geometry, x, y, indices);

    /// <inheritdoc />
    protected override void RunAvgPool2dForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) =>
        Fast.Pool.AvgForward<T>(geometry, x, y);

    /// <inheritdoc />
    protected override void RunMaxPool2dBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx) =>
        Fast.Pool.MaxBackward<T>(geometry, dy, indices, dx);

    /// <inheritdoc />
    protected override void RunAvgPool2dBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) =>
        Fast.Pool.AvgBackward<T>(geometry, dy, dx);

    /// <inheritdoc />
    protected override void RunGather<T>(in StridedView source, int axis, in StridedView index, DeviceBuffer destination) =>
        Fast.Indexing.Gather<T>(source, axis, index, destination);

    /// <inheritdoc />
    protected override void RunScatterAdd<T>(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        if (typeof(T) == typeof(int)) reference.ScatterAdd(destination, axis, index, source);
        else Fast.Indexing.ScatterAdd<T>(destination, axis, index, source);
    }

    /// <inheritdoc />
    protected override void RunSgdStep<T>(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        Fast.Optim.SgdStep<T>(args, param, grad, momentum);
        CpuBuffer.KeepAlive(param, grad, momentum);
    }

    /// <inheritdoc />
    protected override void RunAdamStep<T>(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        Fast.Optim.AdamStep<T>(args, param, grad, m, v);
        CpuBuffer.KeepAlive(param, grad, m, v);
    }
}
