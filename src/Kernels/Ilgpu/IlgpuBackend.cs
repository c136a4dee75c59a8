using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// Every primitive as C# kernels compiled by ILGPU: PTX on CUDA, OpenCL C on OpenCL GPUs, or the
/// same kernels on CPU threads in ILGPU's simulator. Each primitive hands over to its family (Copy,
/// Elementwise, Random, Reduce, Gemm, Conv, Pool, Indexing, Optim). One in-order stream per device:
/// calls queue, downloads wait. An index out of range in <see cref="Backend.Gather"/> or
/// <see cref="Backend.ScatterAdd"/> is thrown at the next <see cref="Backend.Download{T}"/> or
/// <see cref="Synchronize"/>, not by the call (see <see cref="Backend"/>).
/// </summary>
public sealed class IlgpuBackend : Backend, ITrustedIndices, IDisposable
{
    private readonly Accelerator accelerator;
    private readonly KernelHost host;
    private readonly CachingAllocator memory;
    private readonly Copy copy;
    private readonly Elementwise elementwise;
    private readonly Random random;
    private readonly Reduce reduce;
    private readonly Gemm gemm;
    private readonly Conv conv;
    private readonly Pool pool;
    private readonly Indexing indexing;
    private readonly Optim optim;

    /// <summary>Opens device <paramref name="index"/> of <paramref name="kind"/>.</summary>
    /// <exception cref="BackendUnavailableException">The device is absent or cannot run the kernels; the message says why.</exception>
    public IlgpuBackend(IlgpuKind kind, int index = 0) : this(kind, index, null)
    {
    }

    /// <summary>Opens a device whose allocator collects after <paramref name="minPoolBudget"/> bytes at least (tests: a small pool).</summary>
    internal IlgpuBackend(IlgpuKind kind, int index, long? minPoolBudget)
    {
        (accelerator, var info) = IlgpuDevices.Open(kind, index);
        Kind = kind;
        Name = info.Name;
        Description = info.Description;
        SupportsFloat64 = accelerator is not CLAccelerator cl || cl.Capabilities.Float64;
        host = new KernelHost(this, accelerator, kind == IlgpuKind.Simulator);
        // A GPU's pool may hold a sixteenth of its memory in transient blocks between collections.
        long budget = minPoolBudget ?? (kind == IlgpuKind.Simulator ? DefaultPoolBudget : Math.Max(DefaultPoolBudget, accelerator.MemorySize / 16));
        memory = new CachingAllocator(accelerator, Name, budget, host.Drain);
        copy = new Copy(host);
        elementwise = new Elementwise(host);
        random = new Random(host);
        reduce = new Reduce(host);
        gemm = new Gemm(host);
        conv = new Conv(gemm);
        pool = new Pool(host);
        indexing = new Indexing(host);
        optim = new Optim(host);
    }

    /// <summary>The accelerator kind behind this backend.</summary>
    public IlgpuKind Kind { get; }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override string Description { get; }

    /// <inheritdoc />
    public override bool SupportsFloat64 { get; }

    /// <summary>Device memory blocks the pool holds and kernels compiled so far (both stop growing once a loop has run a few steps).</summary>
    public (int Blocks, int Kernels) Footprint => (memory.Blocks, host.Compiled);

    /// <summary>The smallest number of bytes handed out between two of the allocator's own collections.</summary>
    internal const long DefaultPoolBudget = 64L << 20;

    /// <summary>The accelerator (the GPU check hands it to cuBLAS).</summary>
    internal Accelerator Accelerator => accelerator;

    /// <summary>The device memory pool (for tests and the GPU check).</summary>
    internal CachingAllocator Memory => memory;

    /// <summary>How many times the host has waited for the device (for tests and the GPU check).</summary>
    internal long HostWaits => host.HostWaits;

    /// <inheritdoc />
    public override void Synchronize() => host.Synchronize();

    /// <inheritdoc />
    protected override DeviceBuffer RunAllocate(DType dtype, int length) => memory.Rent(this, dtype, length);

    /// <inheritdoc />
    protected override unsafe void RunUpload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset)
    {
        // ILGPU copies through a raw pointer: the managed memory must not move meanwhile.
        fixed (T* pinned = source) KernelHost.View<T>(destination).SubView(offset, source.Length).CopyFromCPU(ref *pinned, source.Length);
        host.Waited(check: false);
    }

    /// <inheritdoc />
    protected override unsafe void RunDownload<T>(DeviceBuffer source, Span<T> destination, int offset)
    {
        fixed (T* pinned = destination) KernelHost.View<T>(source).SubView(offset, destination.Length).CopyToCPU(ref *pinned, destination.Length);
        host.Waited(check: true);
    }

    /// <inheritdoc />
    protected override void RunCopy(in StridedView source, in StridedView destination) => copy.Run(source, destination);

    /// <inheritdoc />
    protected override void RunFill<T>(in StridedView destination, T value) => copy.Fill(destination, value);

    /// <inheritdoc />
    protected override void RunRandom<T>(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset) =>
        random.Run(destination, distribution, seed, offset);

    /// <inheritdoc />
    protected override void RunUnary<T, TOp>(in StridedView x, DeviceBuffer y) => elementwise.Unary<T, TOp>(x, y);

    /// <inheritdoc />
    protected override void RunBinary<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) => elementwise.Binary<T, TOp>(a, b, y);

    /// <inheritdoc />
    protected override void RunCompare<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) => elementwise.Compare<T, TOp>(a, b, y);

    /// <inheritdoc />
    protected override void RunWhere<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) =>
        elementwise.Where<TC, T>(condition, a, b, y);

    /// <inheritdoc />
    protected override void RunReduce<T>(ReduceOp op, in StridedView x, in StridedView y) => reduce.Run<T>(op, x, y);

    /// <inheritdoc />
    protected override void RunArgMax<T>(in StridedView x, int axis, in StridedView indices) => reduce.ArgMax<T>(x, axis, indices);

    /// <inheritdoc />
    protected override void RunGemm<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, Epilogue epilogue) => gemm.Run<T>(args, a, b, c, bias, epilogue);

    /// <inheritdoc />
    protected override void RunConv2dForward<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, Epilogue epilogue) =>
        conv.Forward<T>(geometry, x, w, y, bias, epilogue);

    /// <inheritdoc />
    protected override void RunConv2dBackwardInput<T>(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) =>
        conv.BackwardInput<T>(geometry, dy, w, dx);

    /// <inheritdoc />
    protected override void RunConv2dBackwardWeight<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) =>
        conv.BackwardWeight<T>(geometry, x, dy, dw);

    /// <inheritdoc />
    protected override void RunMaxPool2dForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) =>
        pool.MaxForward<T>(geometry, x, y, indices);

    /// <inheritdoc />
    protected override void RunAvgPool2dForward<T>(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) => pool.AvgForward<T>(geometry, x, y);

    /// <inheritdoc />
    protected override void RunMaxPool2dBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx) => pool.MaxBackward<T>(geometry, dy, indices, dx);

    /// <inheritdoc />
    protected override void RunAvgPool2dBackward<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) => pool.AvgBackward<T>(geometry, dy, dx);

    /// <inheritdoc />
    protected override void RunGather<T>(in StridedView source, int axis, in StridedView index, DeviceBuffer destination) =>
        indexing.Gather(source, axis, index, destination, check: true);

    /// <inheritdoc />
    void ITrustedIndices.GatherTrusted(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        Check.IndexingArgs(source, axis, index, StridedView.Contiguous(destination, index.Shape), "gather");
        indexing.Gather(source, axis, index, destination, check: false);
    }

    /// <inheritdoc />
    protected override void RunScatterAdd<T>(in StridedView destination, int axis, in StridedView index, in StridedView source) =>
        indexing.ScatterAdd(destination, axis, index, source);

    /// <inheritdoc />
    protected override void RunSgdStep<T>(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum) =>
        optim.SgdStep<T>(args, param, grad, momentum);

    /// <inheritdoc />
    protected override void RunAdamStep<T>(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) =>
        optim.AdamStep<T>(args, param, grad, m, v);

    /// <summary>Frees the cached device memory and the accelerator.</summary>
    public void Dispose()
    {
        host.Drain();
        memory.Close();
        host.Dispose();
        accelerator.Dispose();
    }
}
