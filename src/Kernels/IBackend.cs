namespace TinyGrad.Kernels;

/// <summary>
/// The narrow interface every device implements: memory, data movement and the primitive
/// kernels. Everything else (autograd, composite ops, broadcasting rules) lives above it in the
/// Tensor layer. Unless stated, outputs are contiguous buffers written from index 0 and
/// overwritten, not accumulated into; inputs are never modified. Calls may be asynchronous;
/// <see cref="Download{T}"/> and <see cref="Synchronize"/> wait for completion.
/// <para>
/// Errors in arguments (shapes, views, dtypes) are thrown by the call on every backend. An index out
/// of range in <see cref="Gather"/> or <see cref="ScatterAdd"/> is data only the kernel sees: the CPU
/// backends throw it from the call; a GPU backend (ILGPU) skips that index, records the op, dimension
/// and size of the first such error on the device and throws it from the next
/// <see cref="Download{T}"/> or <see cref="Synchronize"/> (the way CUDA reports a device-side assert),
/// so that no call waits for the device; the record is then cleared and the device works on.
/// </para>
/// </summary>
public interface IBackend
{
    /// <summary>Short device name as written on the command line, e.g. "cpu" or "opencl:0".</summary>
    string Name { get; }

    /// <summary>Human-readable description of the hardware.</summary>
    string Description { get; }

    /// <summary>Whether <see cref="DType.Float64"/> buffers can be computed on.</summary>
    bool SupportsFloat64 { get; }

    /// <summary>Allocates an uninitialised buffer of <paramref name="length"/> elements.</summary>
    DeviceBuffer Allocate(DType dtype, int length);

    /// <summary>Copies host data into <paramref name="destination"/> starting at element <paramref name="offset"/>.</summary>
    void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0) where T : unmanaged;

    /// <summary>Copies <paramref name="destination"/>.Length elements from <paramref name="source"/> starting at <paramref name="offset"/>.</summary>
    void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0) where T : unmanaged;

    /// <summary>Waits until every queued kernel has finished.</summary>
    void Synchronize();

    /// <summary>Strided copy between views of equal shape; converts the element type when the dtypes differ.</summary>
    void Copy(in StridedView source, in StridedView destination);

    /// <summary>Sets every element of the view to <paramref name="value"/>.</summary>
    void Fill(in StridedView destination, double value);

    /// <summary>
    /// Fills a float buffer from the counter-based Philox stream: element i uses counter
    /// <c>offset + i</c> under key <paramref name="seed"/>, so every device draws the same numbers.
    /// </summary>
    void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset);

    /// <summary><c>y[i] = op(x[i])</c> over the view in row-major order.</summary>
    void Unary(UnaryOp op, in StridedView x, DeviceBuffer y);

    /// <summary><c>y[i] = a[i] op b[i]</c>; both views already have the output shape (stride 0 broadcasts).</summary>
    void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y);

    /// <summary><c>y[i] = condition[i] != 0 ? a[i] : b[i]</c>; the condition may have any dtype.</summary>
    void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y);

    /// <summary>
    /// Reduces <paramref name="x"/> into <paramref name="y"/>, whose shape has the same rank with
    /// extent 1 on every reduced axis.
    /// </summary>
    void Reduce(ReduceOp op, in StridedView x, in StridedView y);

    /// <summary>Index (Int32) of the first largest element along <paramref name="axis"/>; <paramref name="indices"/> has extent 1 there.</summary>
    void ArgMax(in StridedView x, int axis, in StridedView indices);

    /// <summary>
    /// Batched matrix product, see <see cref="GemmArgs"/>; C is read only when Beta != 0. When
    /// <paramref name="bias"/> (N elements) is given, bias[j] is then added to column j of every row
    /// of every batch entry, rounded as a separate add would be (PyTorch's addmm / linear).
    /// </summary>
    void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null);

    /// <summary>
    /// Convolution forward: y = conv(x, w), plus <paramref name="bias"/>[o] on every output of
    /// channel o when given (added to the rounded convolution, exactly as a separate add would).
    /// </summary>
    void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null);

    /// <summary>Gradient of the convolution with respect to its input (a transposed convolution of dy by w).</summary>
    void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx);

    /// <summary>Gradient of the convolution with respect to its weights (a correlation of x with dy).</summary>
    void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw);

    /// <summary>
    /// Max pooling: values into <paramref name="y"/> and, into <paramref name="indices"/> (Int32), the
    /// flat position <c>h * W + w</c> of each maximum within its input plane (first maximum wins).
    /// Its gradient is a scatter-add of dy at those indices (<see cref="ScatterAdd"/>).
    /// </summary>
    void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices);

    /// <summary>Average pooling forward.</summary>
    void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y);

    /// <summary>Average pooling backward (the adjoint of the forward map).</summary>
    void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>
    /// <c>destination[..i..] = source[..index[..i..]..]</c> along <paramref name="axis"/> (PyTorch gather);
    /// the destination is contiguous with the shape of <paramref name="index"/>. An index out of range
    /// throws <see cref="ArgumentOutOfRangeException"/> here or, on a GPU, at the next download or
    /// synchronize (see the interface's remarks); its element of the destination is then zero.
    /// </summary>
    void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination);

    /// <summary>
    /// <c>destination[..index[..i..]..] += source[..i..]</c> along <paramref name="axis"/> (PyTorch
    /// scatter_add_); accumulates in a fixed order so results are deterministic. An index out of range
    /// throws <see cref="ArgumentOutOfRangeException"/> here or, on a GPU, at the next download or
    /// synchronize. What was added stays: the CPU backends stop at the bad index, a GPU adds every element
    /// whose index is valid.
    /// </summary>
    void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source);

    /// <summary>Fused SGD update of contiguous <paramref name="param"/> in place; <paramref name="momentum"/> is null without momentum.</summary>
    void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum);

    /// <summary>Fused Adam/AdamW update of contiguous <paramref name="param"/>, <paramref name="m"/> and <paramref name="v"/> in place.</summary>
    void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v);
}
