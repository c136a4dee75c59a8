using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    private Tensor ViewAs(int[] newShape, int[] newStrides, int newOffset) => new(Buffer, Device, newShape, newStrides, newOffset);

    /// <summary>
    /// The same elements in row-major order with a new shape (one extent may be -1). A view when the
    /// memory layout allows it, otherwise a copy.
    /// </summary>
    public Tensor Reshape(params int[] newShape)
    {
        ArgumentNullException.ThrowIfNull(newShape);
        var target = ResolveShape(newShape);
        if (target.AsSpan().SequenceEqual(shape)) return this;
        var viewStrides = Shapes.ViewStrides(shape, strides, target);
        var source = viewStrides is null ? Contiguous() : this;
        var y = source.ViewAs(target, viewStrides ?? StridedView.RowMajorStrides(target), source.Offset);
        return y.Record("reshape", [source], g => [g.Reshape(source.shape)]);
    }

    private int[] ResolveShape(int[] newShape)
    {
        var target = (int[])newShape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"reshape: more than one -1 in {Shapes.Format(newShape)}");
                infer = i;
            }
            else if (target[i] < 0) throw new ArgumentException($"reshape: negative extent in {Shapes.Format(newShape)}");
            else known *= target[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Numel % known != 0)
                throw new ArgumentException($"reshape: cannot reshape {Shapes.Format(shape)} into {Shapes.Format(newShape)}");
            target[infer] = (int)(Numel / known);
        }
        if (Shapes.Numel(target) != Numel)
            throw new ArgumentException($"reshape: cannot reshape {Shapes.Format(shape)} ({Numel} elements) into {Shapes.Format(newShape)}");
        return target;
    }

    /// <summary>Flattens dimensions <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shapes.Axis(startDim, Rank, "flatten"), e = Shapes.Axis(endDim, Rank, "flatten");
        if (s > e) throw new ArgumentException($"flatten: start dim {startDim} comes after end dim {endDim}");
        var target = new List<int>();
        for (int d = 0; d < s; d++) target.Add(shape[d]);
        int merged = 1;
        for (int d = s; d <= e; d++) merged *= shape[d];
        target.Add(merged);
        for (int d = e + 1; d < Rank; d++) target.Add(shape[d]);
        return Reshape([.. target]);
    }

    /// <summary>Inserts a dimension of extent 1 at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = Shapes.Axis(dim, Rank + 1, "unsqueeze");
        var s = shape.ToList();
        var st = strides.ToList();
        s.Insert(d, 1);
        st.Insert(d, d < Rank ? shape[d] * strides[d] : 1);
        return ViewAs([.. s], [.. st], Offset).Record("unsqueeze", [this], g => [g.Reshape(shape)]);
    }

    /// <summary>Removes dimension <paramref name="dim"/>, which must have extent 1.</summary>
    public Tensor Squeeze(int dim)
    {
        int d = Shapes.Axis(dim, Rank, "squeeze");
        if (shape[d] != 1) throw new ArgumentException($"squeeze: dimension {dim} of {Shapes.Format(shape)} has extent {shape[d]}, not 1");
        var s = shape.ToList();
        var st = strides.ToList();
        s.RemoveAt(d);
        st.RemoveAt(d);
        return ViewAs([.. s], [.. st], Offset).Record("squeeze", [this], g => [g.Reshape(shape)]);
    }

    /// <summary>Reorders the dimensions: output dimension i is input dimension <paramref name="dims"/>[i].</summary>
    public Tensor Permute(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length != Rank) throw new ArgumentException($"permute: {dims.Length} dims given for a tensor of shape {Shapes.Format(shape)}");
        var seen = new bool[Rank];
        var inverse = new int[Rank];
        var s = new int[Rank];
        var st = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Shapes.Axis(dims[i], Rank, "permute");
            if (seen[d]) throw new ArgumentException($"permute: dimension {d} repeated in [{string.Join(", ", dims)}]");
            seen[d] = true;
            inverse[d] = i;
            s[i] = shape[d];
            st[i] = strides[d];
        }
        return ViewAs(s, st, Offset).Record("permute", [this], g => [g.Permute(inverse)]);
    }

    /// <summary>Swaps two dimensions.</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        var dims = new int[Rank];
        for (int i = 0; i < Rank; i++) dims[i] = i;
        int a = Shapes.Axis(dim0, Rank, "transpose"), b = Shapes.Axis(dim1, Rank, "transpose");
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return Permute(dims);
    }

    /// <summary>The dimensions in reverse order (the matrix transpose for rank 2).</summary>
    public Tensor T
    {
        get
        {
            var dims = new int[Rank];
            for (int i = 0; i < Rank; i++) dims[i] = Rank - 1 - i;
            return Permute(dims);
        }
    }

    /// <summary>
    /// Broadcasts to <paramref name="newShape"/> without copying: extent-1 dimensions repeat (stride 0)
    /// and new leading dimensions are added. Its backward sums the gradient back to this shape.
    /// </summary>
    public Tensor Expand(params int[] newShape)
    {
        ArgumentNullException.ThrowIfNull(newShape);
        if (newShape.AsSpan().SequenceEqual(shape)) return this;
        int lead = newShape.Length - Rank;
        if (lead < 0) throw new ArgumentException($"expand: cannot expand {Shapes.Format(shape)} to fewer dimensions {Shapes.Format(newShape)}");
        var st = new int[newShape.Length];
        for (int i = 0; i < newShape.Length; i++)
        {
            if (i < lead) continue;
            int from = shape[i - lead];
            if (from == newShape[i]) st[i] = strides[i - lead];
            else if (from != 1) throw new ArgumentException($"expand: cannot expand {Shapes.Format(shape)} to {Shapes.Format(newShape)} (dimension {i}: {from} vs {newShape[i]})");
        }
        var original = shape;
        return ViewAs((int[])newShape.Clone(), st, Offset).Record("expand", [this], g => [g.SumTo(original)]);
    }

    /// <summary>Sums a broadcast gradient back to <paramref name="target"/> (the inverse of <see cref="Expand"/>).</summary>
    internal Tensor SumTo(int[] target)
    {
        if (shape.AsSpan().SequenceEqual(target)) return this;
        int lead = Rank - target.Length;
        var axes = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) axes.Add(i);
        var summed = axes.Count == 0 ? this : Sum([.. axes], keepDim: true);
        return summed.Reshape(target);
    }

    /// <summary>
    /// Elements <paramref name="start"/>, start + step, ... before <paramref name="end"/> along
    /// <paramref name="dim"/> (negative start/end count from the end; both are clipped like Python slices).
    /// </summary>
    public Tensor Slice(int dim, int start, int end, int step = 1)
    {
        int d = Shapes.Axis(dim, Rank, "slice");
        if (step <= 0) throw new ArgumentException($"slice: step must be positive, got {step}");
        int n = shape[d];
        int s = Math.Clamp(start < 0 ? start + n : start, 0, n), e = Math.Clamp(end < 0 ? end + n : end, 0, n);
        int count = e > s ? (e - s + step - 1) / step : 0;
        var newShape = (int[])shape.Clone();
        var newStrides = (int[])strides.Clone();
        newShape[d] = count;
        newStrides[d] = strides[d] * step;
        var y = ViewAs(newShape, newStrides, Offset + s * strides[d]);
        var original = shape;
        return y.Record("slice", [this], g => [g.Unslice(original, d, s, step)]);
    }

    /// <summary>Index <paramref name="index"/> of dimension <paramref name="dim"/>, which is removed.</summary>
    public Tensor Select(int dim, int index)
    {
        int d = Shapes.Axis(dim, Rank, "select");
        if (index < -shape[d] || index >= shape[d])
            throw new ArgumentOutOfRangeException(nameof(index), index, $"select: index {index} out of range for dimension {dim} of size {shape[d]}");
        int i = index < 0 ? index + shape[d] : index;
        return Slice(d, i, i + 1).Squeeze(d);
    }

    /// <summary>The adjoint of <see cref="Slice"/>: zeros of <paramref name="fullShape"/> with this tensor written into the slice.</summary>
    private Tensor Unslice(int[] fullShape, int dim, int start, int step)
    {
        var y = Zeros(fullShape, DType, Device);
        int end = start + (shape[dim] - 1) * step + 1;
        Backend.Copy(View, y.Slice(dim, start, end, step).View);
        return y.Record("slice_backward", [this], g => [g.Slice(dim, start, end, step)]);
    }

    /// <summary>A row-major copy, or this tensor when it already is one.</summary>
    public Tensor Contiguous() => IsContiguous ? this : Copy();

    /// <summary>Contiguous and starting at buffer index 0: what the conv and pool kernels read.</summary>
    internal Tensor Dense() => IsContiguous && Offset == 0 ? this : Copy();

    /// <summary>A fresh row-major copy; its gradient passes straight through.</summary>
    private Tensor Copy()
    {
        var y = Empty(shape, DType, Device);
        Backend.Copy(View, y.View);
        return y.Record("contiguous", [this], g => [g]);
    }

    /// <summary>Joins tensors of equal shape except along <paramref name="dim"/>.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("concat: no tensors given");
        var first = tensors[0];
        int d = Shapes.Axis(dim, first.Rank, "concat");
        var outShape = (int[])first.shape.Clone();
        outShape[d] = 0;
        foreach (var t in tensors)
        {
            CheckCompatible(first, t, "concat");
            bool fits = t.Rank == first.Rank;
            for (int i = 0; fits && i < t.Rank; i++) fits = i == d || t.shape[i] == first.shape[i];
            if (!fits) throw new ArgumentException($"concat: shapes {Shapes.Format(first.shape)} and {Shapes.Format(t.shape)} differ outside dimension {d}");
            outShape[d] += t.shape[d];
        }
        var y = Empty(outShape, first.DType, first.Device);
        var starts = new int[tensors.Count];
        int at = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            starts[i] = at;
            var t = tensors[i];
            if (t.Numel > 0) first.Backend.Copy(t.View, y.Slice(d, at, at + t.shape[d]).View);
            at += t.shape[d];
        }
        var inputs = tensors.ToArray();
        return y.Record("concat", inputs, g =>
        {
            var grads = new Tensor?[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].RequiresGrad) grads[i] = g.Slice(d, starts[i], starts[i] + inputs[i].shape[d]);
            return grads;
        });
    }

    /// <summary>Joins tensors of equal shape along a new dimension <paramref name="dim"/>.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("stack: no tensors given");
        foreach (var t in tensors)
            if (!t.Shape.SequenceEqual(tensors[0].Shape))
                throw new ArgumentException($"stack: shapes {Shapes.Format(tensors[0].Shape)} and {Shapes.Format(t.Shape)} differ");
        int d = Shapes.Axis(dim, tensors[0].Rank + 1, "stack");
        return Concat(tensors.Select(t => t.Unsqueeze(d)).ToArray(), d);
    }

    /// <summary>This tensor converted to <paramref name="dtype"/> (differentiable between float types).</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var y = Empty(shape, dtype, Device);
        Backend.Copy(View, y.View);
        var from = DType;
        if (!dtype.IsFloat()) return y;
        return y.Record("cast", [this], g => [g.To(from)]);
    }

    /// <summary>This tensor on <paramref name="device"/> (differentiable: the gradient moves back).</summary>
    public Tensor To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device == Device) return this;
        var dense = Densified();
        var y = Empty(shape, DType, device);
        switch (DType)
        {
            case DType.Float32: Transfer<float>(dense, y); break;
            case DType.Float64: Transfer<double>(dense, y); break;
            default: Transfer<int>(dense, y); break;
        }
        var from = Device;
        return y.Record("to_device", [this], g => [g.To(from)]);
    }

    private static void Transfer<T>(Tensor source, Tensor destination) where T : unmanaged
    {
        var host = new T[source.Numel];
        source.Backend.Download<T>(source.Buffer, host, source.Offset);
        destination.Backend.Upload<T>(host, destination.Buffer);
    }

    /// <summary>
    /// Overwrites this tensor's elements with <paramref name="source"/>'s (broadcast, converted).
    /// Not recorded: use it on leaves inside <see cref="Autograd.NoGrad"/>, e.g. to load weights.
    /// </summary>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (RequiresGrad && Autograd.IsEnabled)
            throw new InvalidOperationException("CopyFrom into a tensor that requires grad would bypass the tape; do it inside Autograd.NoGrad()");
        if (source.Device != Device) source = source.To(Device);
        var src = source.Detach().Expand(shape);
        Backend.Copy(src.View, View);
    }
}
