using System.Numerics;

namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// Plain scalar implementations of every primitive: one obvious loop each, no SIMD, no threads.
/// They define what each primitive means; the fast CPU backend and the GPU backends are tested
/// against them element by element. Each primitive runs its family's loop: Cpu/Reference/Copy.cs,
/// Elementwise.cs, Random.cs, Reduce.cs, Gemm.cs, Conv.cs, Pool.cs, Indexing.cs and Optim.cs.
/// </summary>
public sealed class ReferenceBackend : Backend
{
    /// <summary>A backend whose buffers are plain arrays, or come from <paramref name="cache"/> when one is given.</summary>
    public ReferenceBackend(HostArrayCache? cache = null) => ArrayCache = cache;

    /// <summary>The caching allocator behind <see cref="Backend.Allocate"/>, or null for plain arrays.</summary>
    public HostArrayCache? ArrayCache { get; }

    /// <inheritdoc />
    public override string Name => "reference";

    /// <inheritdoc />
    public override string Description => "scalar reference kernels on the host";

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
    protected override void RunCopy(in StridedView source, in StridedView destination) => Reference.Copy.Run(source, destination);

    /// <inheritdoc />
    protected override void RunFill<T>(in StridedView destination, T value) => Reference.Copy.Fill(destination, value);

    /// <inheritdoc />
    protected override void RunRandom<T>(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset) =>
        Reference.Random.Run<T>(destination, distribution, seed, offset);

    /// <inheritdoc />
    protected override void RunUnary<T, TOp>(in StridedView x, DeviceBuffer y) => Reference.Elementwise.Unary<T, TOp>(x, y);

    /// <inheritdoc />
    protected override void RunBinary<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) => Reference.Elementwise.Binary<T, TOp>(a, b, y);

    /// <inheritdoc />
    protected override void RunCompare<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) => Reference.Elementwise.Compare<T, TOp>(a, b, y);

    /// <inheritdoc />
    protected override void RunWhere<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) =>
        Reference.Elementwise.Where<TC, T>(condition, a, b, y);

    /// <inheritdoc />
    protected override void RunReduce<T>(ReduceOp op, in StridedView x, in StridedView y) => Reference.Reduce.Run<T>(op, x, y);

    /// <inheritdoc />
    protected override void RunArgMax<T>(in StridedView x, int axis, in StridedView indices) => Reference.Reduce.ArgMax(x, axis, indices);

    /// <inheritdoc />
    protected override void RunGemm<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, Epilogue epilogue) =>
        Reference.Gemm.Run<T>(args, a, b, c, bias, epilogue);

    /// <inheritdoc />
    protected override void RunConv2dForward<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, Epilogue epilogue) =>
        Reference.Conv.Forward(geometry, x, w, y, bias, epilogue);

    /// <inheritdoc />
    protected override void RunConv2dBackwardInput<T>(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) =>
        Reference.Conv.BackwardInput(geometry, dy, w, dx);

    /// <inheritdoc />
    protected override void RunConv2dBackwardWeight<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) =>
        Reference.Conv.BackwardWeight(geometry, x, dy, dw);

    /// <inheritdoc />
    protected override void RunMaxPool2dForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) =>
        Reference.Pool.MaxForward(geometry, x, y, indices);

    /// <inheritdoc />
    protected override void RunAvgPool2dForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) => Reference.Pool.AvgForward(geometry, x, y);

    /// <inheritdoc />
    protected override void RunMaxPool2dBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx) => Reference.Pool.MaxBackward(geometry, dy, indices, dx);

    /// <inheritdoc />
    protected override void RunAvgPool2dBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) => Reference.Pool.AvgBackward(geometry, dy, dx);

    /// <inheritdoc />
    protected override void RunGather<T>(in StridedView source, int axis, in StridedView index, DeviceBuffer destination) =>
        Reference.Indexing.Gather(source, axis, index, destination);

    /// <inheritdoc />
    protected override void RunScatterAdd<T>(in StridedView destination, int axis, in StridedView index, in StridedView source) =>
        Reference.Indexing.ScatterAdd(destination, axis, index, source);

    /// <inheritdoc />
    protected override void RunSgdStep<T>(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum) =>
        Reference.Optim.SgdStep(args, param, grad, momentum);

    /// <inheritdoc />
    protected override void RunAdamStep<T>(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) =>
        Reference.Optim.AdamStep(args, param, grad, m, v);
}
