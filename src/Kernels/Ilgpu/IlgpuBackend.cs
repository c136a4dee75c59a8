using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// Every primitive as C# kernels compiled by ILGPU: PTX on CUDA, OpenCL C on OpenCL GPUs, or the
/// same kernels on CPU threads in ILGPU's simulator. Each primitive checks its arguments as the
/// reference does, then hands over to its family (Copy, Elementwise, Random, Reduce, Gemm, Conv,
/// Pool, Indexing, Optim). One in-order stream per device: calls queue, downloads wait. An index
/// out of range in <see cref="Gather"/> or <see cref="ScatterAdd"/> is thrown at the next
/// <see cref="Download{T}"/> or <see cref="Synchronize"/>, not by the call (see <see cref="IBackend"/>).
/// </summary>
public sealed class IlgpuBackend : IBackend, ITrustedIndices, IDisposable
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
    public string Name { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public bool SupportsFloat64 { get; }

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
    public DeviceBuffer Allocate(DType dtype, int length)
    {
        if (dtype == DType.Float64 && !SupportsFloat64) throw new NotSupportedException($"{Name} has no Float64 support");
        return memory.Rent(this, dtype, length);
    }

    /// <inheritdoc />
    public unsafe void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0) where T : unmanaged
    {
        Check.Buffer(destination, DTypeInfo.Of<T>(), offset + source.Length, "upload");
        if (source.IsEmpty) return;
        // ILGPU copies through a raw pointer: the managed memory must not move meanwhile.
        fixed (T* pinned = source) KernelHost.View<T>(destination).SubView(offset, source.Length).CopyFromCPU(ref *pinned, source.Length);
        host.Waited(check: false);
    }

    /// <inheritdoc />
    public unsafe void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0) where T : unmanaged
    {
        Check.Buffer(source, DTypeInfo.Of<T>(), offset + destination.Length, "download");
        if (destination.IsEmpty) return;
        fixed (T* pinned = destination) KernelHost.View<T>(source).SubView(offset, destination.Length).CopyToCPU(ref *pinned, destination.Length);
        host.Waited(check: true);
    }

    /// <inheritdoc />
    public void Synchronize() => host.Synchronize();

    /// <inheritdoc />
    public void Copy(in StridedView source, in StridedView destination)
    {
        Check.CopyArgs(source, destination);
        copy.Run(source, destination);
    }

    /// <inheritdoc />
    public void Fill(in StridedView destination, double value)
    {
        Check.InBounds(destination, "fill");
        copy.Fill(destination, value);
    }

    /// <inheritdoc />
    public void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        Check.Float(destination.DType, "random");
        random.Run(destination, distribution, seed, offset);
    }

    /// <inheritdoc />
    public void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        Check.UnaryArgs(op, x, y);
        elementwise.Unary(op, x, y);
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.BinaryArgs(op, a, b, y);
        elementwise.Binary(op, a, b, y);
    }

    /// <inheritdoc />
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.WhereArgs(condition, a, b, y);
        elementwise.Where(condition, a, b, y);
    }

    /// <inheritdoc />
    public void Reduce(ReduceOp op, in StridedView x, in StridedView y)
    {
        Check.ReduceArgs(op, x, y);
        reduce.Run(op, x, y);
    }

    /// <inheritdoc />
    public void ArgMax(in StridedView x, int axis, in StridedView indices)
    {
        Check.ArgMaxArgs(x, axis, indices);
        reduce.ArgMax(x, axis, indices);
    }

    /// <inheritdoc />
    public void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null)
    {
        Check.GemmArgs(args, a, b, c);
        Check.GemmBias(args, a, bias);
        gemm.Run(args, a, b, c, bias);
    }

    /// <inheritdoc />
    public void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null)
    {
        Check.ConvArgs(geometry, x, w, y, "conv2d forward");
        Check.ConvBias(geometry, x, bias, "conv2d forward");
        conv.Forward(geometry, x, w, y, bias);
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        Check.ConvArgs(geometry, dx, w, dy, "conv2d backward-input");
        conv.BackwardInput(geometry, dy, w, dx);
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        Check.ConvArgs(geometry, x, dw, dy, "conv2d backward-weight");
        conv.BackwardWeight(geometry, x, dy, dw);
    }

    /// <inheritdoc />
    public void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices)
    {
        Check.MaxPoolArgs(geometry, x, y, indices);
        pool.MaxForward(geometry, x, y, indices);
    }

    /// <inheritdoc />
    public void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y)
    {
        Check.PoolArgs(geometry, x, y, "avg_pool2d");
        pool.AvgForward(geometry, x, y);
    }

    /// <inheritdoc />
    public void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx)
    {
        Check.PoolArgs(geometry, dx, dy, "avg_pool2d backward");
        pool.AvgBackward(geometry, dy, dx);
    }

    /// <inheritdoc />
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        Check.IndexingArgs(source, axis, index, StridedView.Contiguous(destination, index.Shape), "gather");
        indexing.Gather(source, axis, index, destination, check: true);
    }

    /// <inheritdoc />
    void ITrustedIndices.GatherTrusted(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        Check.IndexingArgs(source, axis, index, StridedView.Contiguous(destination, index.Shape), "gather");
        indexing.Gather(source, axis, index, destination, check: false);
    }

    /// <inheritdoc />
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        Check.IndexingArgs(destination, axis, index, source, "scatter_add");
        indexing.ScatterAdd(destination, axis, index, source, check: true);
    }

    /// <inheritdoc />
    void ITrustedIndices.ScatterAddTrusted(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        Check.IndexingArgs(destination, axis, index, source, "scatter_add");
        indexing.ScatterAdd(destination, axis, index, source, check: false);
    }

    /// <inheritdoc />
    public void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        Check.StepArgs(param, "sgd step", grad, momentum);
        optim.SgdStep(args, param, grad, momentum);
    }

    /// <inheritdoc />
    public void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        Check.StepArgs(param, "adam step", grad, m, v);
        optim.AdamStep(args, param, grad, m, v);
    }

    /// <summary>Frees the cached device memory and the accelerator.</summary>
    public void Dispose()
    {
        host.Drain();
        memory.Close();
        host.Dispose();
        accelerator.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
