using System.Globalization;
using System.Text;
using TinyGrad.Kernels;

namespace TinyGrad;

/// <summary>
/// An n-dimensional array on a <see cref="TinyGrad.Device"/> with reverse-mode autodiff. A tensor is
/// a strided view (shape, strides, offset) of a device buffer: reshape, permute, expand and slice
/// share memory. Ops are named like PyTorch's and are recorded on the autograd tape when an input
/// requires a gradient; their backward rules are themselves tensor ops, so gradients can be
/// differentiated again (<see cref="Autograd.Grad"/> with <c>createGraph: true</c>).
/// </summary>
public sealed partial class Tensor
{
    private readonly int[] shape;
    private int[] strides;
    private bool requiresGrad;

    internal Tensor(DeviceBuffer buffer, Device device, int[] shape, int[] strides, int offset)
    {
        Buffer = buffer;
        Device = device;
        this.shape = shape;
        this.strides = strides;
        Offset = offset;
    }

    /// <summary>Extent of each dimension.</summary>
    public ReadOnlySpan<int> Shape => shape;

    /// <summary>Element step of each dimension in the underlying buffer (0 for broadcast dimensions).</summary>
    public ReadOnlySpan<int> Strides => strides;

    /// <summary>Number of dimensions.</summary>
    public int Rank => shape.Length;

    /// <summary>Number of elements.</summary>
    public int Numel => Shapes.Numel(shape);

    /// <summary>Element type.</summary>
    public DType DType => Buffer.DType;

    /// <summary>Where the data lives.</summary>
    public Device Device { get; private set; }

    /// <summary>Whether gradients flow back to this tensor. Settable on leaves only.</summary>
    public bool RequiresGrad
    {
        get => requiresGrad;
        set
        {
            if (GradFn is not null)
                throw new InvalidOperationException($"requires_grad can only be changed on leaf tensors; this one is the output of '{GradFn.Op}' (use Detach())");
            if (value && !DType.IsFloat())
                throw new InvalidOperationException($"only floating-point tensors can require gradients, not {DType}");
            requiresGrad = value;
        }
    }

    /// <summary>The gradient accumulated here by <see cref="Backward"/> (leaves only), or null.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>True when no recorded op produced this tensor.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Name of the op that produced this tensor on the tape, or null for a leaf.</summary>
    public string? GradFnName => GradFn?.Op;

    internal Node? GradFn { get; private set; }

    internal DeviceBuffer Buffer { get; private set; }

    internal int Offset { get; private set; }

    internal int[] ShapeArray => shape;

    internal int[] StridesArray => strides;

    internal Backend Backend => Device.Backend;

    internal StridedView View => new(Buffer, shape, strides, Offset);

    /// <summary>Extent of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => shape[Shapes.Axis(dim, Rank, "size")];

    /// <summary>True when the elements are one row-major run in the buffer.</summary>
    public bool IsContiguous => View.IsContiguous;

    internal void SetGradFn(Node node)
    {
        GradFn = node;
        requiresGrad = true;
    }

    /// <summary>
    /// Points this leaf at <paramref name="data"/>'s memory, device and dtype, keeping its identity (torch's
    /// <c>param.data = ...</c>): how Module.To moves parameters in place, so optimizers holding them follow.
    /// </summary>
    internal void ReplaceData(Tensor data)
    {
        if (!IsLeaf) throw new InvalidOperationException($"only a leaf's data can be replaced; this tensor is the output of '{GradFn!.Op}'");
        if (!data.Shape.SequenceEqual(shape)) throw new ArgumentException($"replacement data of shape {Shapes.Format(data.Shape)} for a tensor of shape {Shapes.Format(shape)}");
        if (requiresGrad && !data.DType.IsFloat()) throw new ArgumentException($"a tensor that requires grad cannot hold {data.DType} data");
        Buffer = data.Buffer;
        Device = data.Device;
        strides = data.strides;
        Offset = data.Offset;
    }

    /// <summary>A tensor sharing this one's memory but cut from the tape: no gradient flows through it.</summary>
    public Tensor Detach() => new(Buffer, Device, shape, strides, Offset);

    /// <summary>Copies the elements to a new row-major host array; <typeparamref name="T"/> must match the dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (DTypeInfo.Of<T>() != DType)
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}> on a {DType} tensor; convert with To(DType) first");
        var dense = Densified();
        var result = new T[Numel];
        dense.Backend.Download(dense.Buffer, result.AsSpan(), dense.Offset);
        return result;
    }

    /// <summary>The elements as doubles, whatever the dtype.</summary>
    public double[] ToDoubleArray() => (DType == DType.Float64 ? this : To(DType.Float64)).ToArray<double>();

    /// <summary>The elements as floats, whatever the dtype.</summary>
    public float[] ToFloatArray() => (DType == DType.Float32 ? this : To(DType.Float32)).ToArray<float>();

    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs exactly one element; shape is {Shapes.Format(shape)}");
        return ToDoubleArray()[0];
    }

    /// <summary>Row-major contiguous copy (or this tensor) without recording on the tape.</summary>
    private Tensor Densified()
    {
        if (IsContiguous) return this;
        using var _ = Autograd.NoGrad();
        return Contiguous();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Tensor({Shapes.Format(shape)}, {DType}, {Device}");
        if (GradFn is not null) sb.Append(CultureInfo.InvariantCulture, $", grad_fn={GradFn.Op}");
        else if (RequiresGrad) sb.Append(", requires_grad");
        sb.Append(')');
        if (Numel <= 64)
        {
            sb.Append(' ');
            var values = ToDoubleArray();
            sb.Append('[').AppendJoin(", ", values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture))).Append(']');
        }
        return sb.ToString();
    }
}
