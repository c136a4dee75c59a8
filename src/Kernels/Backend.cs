using System.Numerics;

namespace TinyGrad.Kernels;

/// <summary>
/// A device: memory, data movement and the primitive kernels. Everything else (autograd, composite
/// ops, broadcasting rules) lives above it in the Tensor layer. Each primitive checks its arguments
/// here, once for every backend, picks the element type, and hands a checked, typed call to the
/// backend's kernel (the protected <c>Run*</c> members, all a backend supplies). Unless stated,
/// outputs are contiguous buffers written from index 0 and overwritten, not accumulated into; inputs
/// are never modified. Calls may be asynchronous; <see cref="Download{T}"/> and
/// <see cref="Synchronize"/> wait for completion.
/// <para>
/// Errors in arguments (shapes, views, dtypes) are thrown by the call on every backend. An index out
/// of range in <see cref="Gather"/> or <see cref="ScatterAdd"/> is data only the kernel sees: the CPU
/// backends throw it from the call; a GPU backend (ILGPU) skips that index, records the op, dimension
/// and size of the first such error on the device and throws it from the next
/// <see cref="Download{T}"/> or <see cref="Synchronize"/> (the way CUDA reports a device-side assert),
/// so that no call waits for the device; the record is then cleared and the device works on.
/// </para>
/// </summary>
public abstract partial class Backend
{
    /// <summary>Short device name as written on the command line, e.g. "cpu" or "opencl:0".</summary>
    public abstract string Name { get; }

    /// <summary>Human-readable description of the hardware.</summary>
    public abstract string Description { get; }

    /// <summary>Whether <see cref="DType.Float64"/> buffers can be computed on.</summary>
    public virtual bool SupportsFloat64 => true;

    /// <summary>Watches every primitive this backend runs (tests count calls, the bench times them); null: none.</summary>
    public IBackendObserver? Observer { get; set; }

    /// <summary>Allocates an uninitialised buffer of <paramref name="length"/> elements.</summary>
    public DeviceBuffer Allocate(DType dtype, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (dtype == DType.Float64 && !SupportsFloat64) throw new NotSupportedException($"{Name} has no Float64 support");
        return RunAllocate(dtype, length);
    }

    /// <summary>Copies host data into <paramref name="destination"/> starting at element <paramref name="offset"/>.</summary>
    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0) where T : unmanaged
    {
        Check.Buffer(destination, DTypeInfo.Of<T>(), offset + source.Length, "upload");
        if (!source.IsEmpty) RunUpload(source, destination, offset);
    }

    /// <summary>Copies <paramref name="destination"/>.Length elements from <paramref name="source"/> starting at <paramref name="offset"/>.</summary>
    public void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0) where T : unmanaged
    {
        Check.Buffer(source, DTypeInfo.Of<T>(), offset + destination.Length, "download");
        if (!destination.IsEmpty) RunDownload(source, destination, offset);
    }

    /// <summary>Waits until every queued kernel has finished.</summary>
    public abstract void Synchronize();

    /// <summary>Strided copy between views of equal shape; converts the element type when the dtypes differ.</summary>
    public void Copy(in StridedView source, in StridedView destination)
    {
        Check.CopyArgs(source, destination);
        if (source.Length == 0) return;
        using var _ = Observe(nameof(Copy), source.IsContiguous && destination.IsContiguous ? "" : "strided");
        RunCopy(source, destination);
    }

    /// <summary>Sets every element of the view to <paramref name="value"/> (Int32: a checked conversion).</summary>
    public void Fill(in StridedView destination, double value)
    {
        Check.InBounds(destination, "fill");
        if (destination.Length == 0) return;
        using var _ = Observe(nameof(Fill));
        switch (destination.Buffer.DType)
        {
            case DType.Float32: RunFill(destination, (float)value); break;
            case DType.Float64: RunFill(destination, value); break;
            default: RunFill(destination, checked((int)value)); break;
        }
    }

    /// <summary>
    /// Fills a float buffer from the counter-based Philox stream: element i uses counter
    /// <c>offset + i</c> under key <paramref name="seed"/>, so every device draws the same numbers.
    /// </summary>
    public void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        Check.Float(destination.DType, "random");
        using var _ = Observe(nameof(Random));
        if (destination.DType == DType.Float32) RunRandom<float>(destination, distribution, seed, offset);
        else RunRandom<double>(destination, distribution, seed, offset);
    }

    /// <summary><c>y[i] = TOp(x[i])</c> over the view in row-major order.</summary>
    public void Unary<TOp>(in StridedView x, DeviceBuffer y) where TOp : struct, IUnaryOp<TOp>
    {
        Check.UnaryArgs(TOp.Name, x, y);
        if (x.Length == 0) return;
        using var _ = Observe(nameof(Unary), TOp.Name);
        if (x.Buffer.DType == DType.Float32) RunUnary<float, TOp>(x, y); else RunUnary<double, TOp>(x, y);
    }

    /// <summary><c>y[i] = TOp(a[i], b[i])</c>; both views already have the output shape (stride 0 broadcasts).</summary>
    public void Binary<TOp>(in StridedView a, in StridedView b, DeviceBuffer y) where TOp : struct, IBinaryOp<TOp>
    {
        Check.BinaryArgs(TOp.Name, a, b, y, floatOnly: true);
        if (a.Length == 0) return;
        using var _ = Observe(nameof(Binary), Observer is null ? "" : Detail(TOp.Name, a, b));
        if (a.Buffer.DType == DType.Float32) RunBinary<float, TOp>(a, b, y); else RunBinary<double, TOp>(a, b, y);
    }

    /// <summary>
    /// <c>y[i] = TOp(a[i], b[i]) ? 1 : 0</c> in the inputs' dtype (Float32, Float64 or Int32); both views
    /// already have the output shape (stride 0 broadcasts).
    /// </summary>
    public void Compare<TOp>(in StridedView a, in StridedView b, DeviceBuffer y) where TOp : struct, IComparison<TOp>
    {
        Check.BinaryArgs(TOp.Name, a, b, y, floatOnly: false);
        if (a.Length == 0) return;
        using var _ = Observe(nameof(Compare), Observer is null ? "" : Detail(TOp.Name, a, b));
        switch (a.Buffer.DType)
        {
            case DType.Float32: RunCompare<float, TOp>(a, b, y); break;
            case DType.Float64: RunCompare<double, TOp>(a, b, y); break;
            default: RunCompare<int, TOp>(a, b, y); break;
        }
    }

    /// <summary><c>y[i] = condition[i] != 0 ? a[i] : b[i]</c>; the condition may have any dtype (NaN is not 0).</summary>
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.WhereArgs(condition, a, b, y);
        if (a.Length == 0) return;
        using var _ = Observe(nameof(Where));
        switch (condition.Buffer.DType)
        {
            case DType.Float32: Where<float>(condition, a, b, y); break;
            case DType.Float64: Where<double>(condition, a, b, y); break;
            default: Where<int>(condition, a, b, y); break;
        }
    }

    private void Where<TC>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) where TC : unmanaged, INumber<TC>
    {
        switch (a.Buffer.DType)
        {
            case DType.Float32: RunWhere<TC, float>(condition, a, b, y); break;
            case DType.Float64: RunWhere<TC, double>(condition, a, b, y); break;
            default: RunWhere<TC, int>(condition, a, b, y); break;
        }
    }

    /// <summary>
    /// Reduces <paramref name="x"/> into <paramref name="y"/>, whose shape has the same rank with
    /// extent 1 on every reduced axis.
    /// </summary>
    public void Reduce(ReduceOp op, in StridedView x, in StridedView y)
    {
        Check.ReduceArgs(op, x, y);
        using var _ = Observe(nameof(Reduce), op == ReduceOp.Sum ? "sum" : "max");
        if (x.Buffer.DType == DType.Float32) RunReduce<float>(op, x, y); else RunReduce<double>(op, x, y);
    }

    /// <summary>Index (Int32) of the first largest element along <paramref name="axis"/>; <paramref name="indices"/> has extent 1 there.</summary>
    public void ArgMax(in StridedView x, int axis, in StridedView indices)
    {
        Check.ArgMaxArgs(x, axis, indices);
        using var _ = Observe(nameof(ArgMax));
        if (x.Buffer.DType == DType.Float32) RunArgMax<float>(x, axis, indices); else RunArgMax<double>(x, axis, indices);
    }

    /// <summary>
    /// Batched matrix product, see <see cref="GemmArgs"/>; C is read only when Beta != 0. When
    /// <paramref name="bias"/> (N elements) is given, bias[j] is then added to column j of every row
    /// of every batch entry, rounded as a separate add would be (PyTorch's addmm / linear); then
    /// <paramref name="epilogue"/> on every element written. <see cref="Epilogue.ReluGradient"/> reads
    /// <paramref name="aux"/>, laid out as C (which must then be dense, at offset 0).
    /// </summary>
    public void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null, Epilogue epilogue = Epilogue.None, DeviceBuffer? aux = null)
    {
        Check.GemmArgs(args, a, b, c);
        Check.GemmBias(args, a, bias);
        Check.GemmEpilogue(args, c, epilogue, aux);
        using var _ = Observe(nameof(Gemm), Observer is null ? "" : $"{args.M}x{args.N}x{args.K}{(args.TransA ? " tA" : "")}{(args.TransB ? " tB" : "")}{(args.Batch > 1 ? $" b{args.Batch}" : "")}{EpilogueMath.Label(epilogue)}");
        bool single = a.DType == DType.Float32;
        if (epilogue == Epilogue.ReluGradient)
        {
            if (args.Batch == 0 || args.M == 0 || args.N == 0) return;
            if (single) RunGemmReluGradient<float>(args, a, b, c, bias, aux!); else RunGemmReluGradient<double>(args, a, b, c, bias, aux!);
        }
        else if (single) RunGemm<float>(args, a, b, c, bias, epilogue);
        else RunGemm<double>(args, a, b, c, bias, epilogue);
    }

    /// <summary>
    /// <c>destination[..i..] = source[..index[..i..]..]</c> along <paramref name="axis"/> (PyTorch gather);
    /// the destination is contiguous with the shape of <paramref name="index"/>. An index out of range
    /// throws <see cref="ArgumentOutOfRangeException"/> here or, on a GPU, at the next download or
    /// synchronize (see the class's remarks); its element of the destination is then zero.
    /// </summary>
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        Check.IndexingArgs(source, axis, index, StridedView.Contiguous(destination, index.Shape), "gather");
        if (index.Length == 0) return;
        using var _ = Observe(nameof(Gather));
        switch (source.Buffer.DType)
        {
            case DType.Float32: RunGather<float>(source, axis, index, destination); break;
            case DType.Float64: RunGather<double>(source, axis, index, destination); break;
            default: RunGather<int>(source, axis, index, destination); break;
        }
    }

    /// <summary>
    /// <c>destination[..index[..i..]..] += source[..i..]</c> along <paramref name="axis"/> (PyTorch
    /// scatter_add_); accumulates in a fixed order so results are deterministic. An index out of range
    /// throws <see cref="ArgumentOutOfRangeException"/> here or, on a GPU, at the next download or
    /// synchronize. What was added stays: the CPU backends stop at the bad index, a GPU adds every element
    /// whose index is valid.
    /// </summary>
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        Check.IndexingArgs(destination, axis, index, source, "scatter_add");
        if (index.Length == 0) return;
        using var _ = Observe(nameof(ScatterAdd));
        switch (destination.Buffer.DType)
        {
            case DType.Float32: RunScatterAdd<float>(destination, axis, index, source); break;
            case DType.Float64: RunScatterAdd<double>(destination, axis, index, source); break;
            default: RunScatterAdd<int>(destination, axis, index, source); break;
        }
    }

    /// <summary>Fused SGD update of contiguous <paramref name="param"/> in place; <paramref name="momentum"/> is null without momentum.</summary>
    public void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        Check.StepArgs(param, "sgd step", grad, momentum);
        using var _ = Observe(nameof(SgdStep));
        if (param.DType == DType.Float32) RunSgdStep<float>(args, param, grad, momentum); else RunSgdStep<double>(args, param, grad, momentum);
    }

    /// <summary>Fused Adam/AdamW update of contiguous <paramref name="param"/>, <paramref name="m"/> and <paramref name="v"/> in place.</summary>
    public void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        Check.StepArgs(param, "adam step", grad, m, v);
        using var _ = Observe(nameof(AdamStep));
        if (param.DType == DType.Float32) RunAdamStep<float>(args, param, grad, m, v); else RunAdamStep<double>(args, param, grad, m, v);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>A new buffer of this backend (length and dtype checked).</summary>
    protected abstract DeviceBuffer RunAllocate(DType dtype, int length);

    /// <summary>Host to device, non-empty, inside the buffer.</summary>
    protected abstract void RunUpload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset) where T : unmanaged;

    /// <summary>Device to host, non-empty, inside the buffer.</summary>
    protected abstract void RunDownload<T>(DeviceBuffer source, Span<T> destination, int offset) where T : unmanaged;

    /// <summary>A checked, non-empty copy (dtypes may differ: the backend converts).</summary>
    protected abstract void RunCopy(in StridedView source, in StridedView destination);

    /// <summary>A checked, non-empty fill with the value in the buffer's element type.</summary>
    protected abstract void RunFill<T>(in StridedView destination, T value) where T : unmanaged, INumber<T>;

    /// <summary>Random numbers into a float buffer.</summary>
    protected abstract void RunRandom<T>(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked, non-empty unary map.</summary>
    protected abstract void RunUnary<T, TOp>(in StridedView x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<TOp>;

    /// <summary>A checked, non-empty binary map.</summary>
    protected abstract void RunBinary<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<TOp>;

    /// <summary>A checked, non-empty comparison.</summary>
    protected abstract void RunCompare<T, TOp>(in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, INumber<T> where TOp : struct, IComparison<TOp>;

    /// <summary>A checked, non-empty select; <typeparamref name="TC"/> is the condition's element type.</summary>
    protected abstract void RunWhere<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) where TC : unmanaged, INumber<TC> where T : unmanaged, INumber<T>;

    /// <summary>A checked reduction.</summary>
    protected abstract void RunReduce<T>(ReduceOp op, in StridedView x, in StridedView y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked argmax.</summary>
    protected abstract void RunArgMax<T>(in StridedView x, int axis, in StridedView indices) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked matrix product.</summary>
    protected abstract void RunGemm<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, Epilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked, non-empty gather (index values are checked by the kernel).</summary>
    protected abstract void RunGather<T>(in StridedView source, int axis, in StridedView index, DeviceBuffer destination) where T : unmanaged, INumber<T>;

    /// <summary>A checked, non-empty scatter-add (index values are checked by the kernel).</summary>
    protected abstract void RunScatterAdd<T>(in StridedView destination, int axis, in StridedView index, in StridedView source) where T : unmanaged, INumber<T>;

    /// <summary>A checked SGD step.</summary>
    protected abstract void RunSgdStep<T>(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A checked Adam step.</summary>
    protected abstract void RunAdamStep<T>(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) where T : unmanaged, IFloatingPointIeee754<T>;

    private static string Detail(string op, in StridedView a, in StridedView b) => a.IsContiguous && b.IsContiguous ? op : $"{op} strided";

    /// <summary>Tells the observer a primitive starts; disposing the result tells it the primitive returned.</summary>
    private Observation Observe(string primitive, string detail = "")
    {
        var observer = Observer;
        observer?.Enter(primitive, detail);
        return new Observation(observer, primitive);
    }

    private readonly struct Observation(IBackendObserver? observer, string primitive) : IDisposable
    {
        public void Dispose() => observer?.Exit(primitive);
    }
}
