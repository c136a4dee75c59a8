using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// PyTorch's gather: <c>out[..i..] = this[..index[..i..]..]</c> along <paramref name="dim"/>;
    /// <paramref name="index"/> is Int32 with this tensor's rank. Backward: a scatter-add.
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int d = Shapes.Axis(dim, Rank, "gather");
        CheckIndex(index, "gather");
        var y = Empty(index.shape, DType, Device);
        Backend.Gather(View, d, index.View, y.Buffer);
        var original = shape;
        return y.Record("gather", [this], g => [Zeros(original, g.DType, g.Device).ScatterAdd(d, index, g)]);
    }

    /// <summary>
    /// Out-of-place scatter_add: a copy of this tensor with <c>result[..index[..i..]..] += source[..i..]</c>
    /// along <paramref name="dim"/>. Backward: identity for this tensor, a gather for the source.
    /// </summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        int d = Shapes.Axis(dim, Rank, "scatter_add");
        CheckIndex(index, "scatter_add");
        CheckCompatible(this, source, "scatter_add");
        if (!index.Shape.SequenceEqual(source.Shape))
            throw new ArgumentException($"scatter_add: index shape {Shapes.Format(index.shape)} and source shape {Shapes.Format(source.shape)} differ");
        var y = Empty(shape, DType, Device);
        Backend.Copy(View, y.View);
        Backend.ScatterAdd(y.View, d, index.View, source.View);
        return y.Record("scatter_add", [this, source], g => [g, source.RequiresGrad ? g.Gather(d, index) : null]);
    }

    private void CheckIndex(Tensor index, string op)
    {
        if (index.DType != DType.Int32) throw new ArgumentException($"{op}: index must be Int32, got {index.DType}");
        if (index.Device != Device) throw new ArgumentException($"{op}: index is on {index.Device}, data on {Device}");
        if (index.Rank != Rank)
            throw new ArgumentException($"{op}: index shape {Shapes.Format(index.shape)} must have the rank of data shape {Shapes.Format(shape)}");
    }

    /// <summary>
    /// PyTorch's index_select: the slices of this tensor along <paramref name="dim"/> at the positions
    /// <paramref name="index"/> (Int32, 0-D or 1-D; repeats allowed) gives, in its order. The result has
    /// this tensor's shape with <paramref name="dim"/>'s extent replaced by the number of indices. It is a
    /// gather with the index broadcast over the other dimensions (a view, not a copy); its gradient is
    /// PyTorch's index_add (a scatter-add, whose own gradient is this select again).
    /// </summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (Rank == 0) throw new ArgumentException("index_select: cannot select from a 0-D tensor");
        int d = Shapes.Axis(dim, Rank, "index_select");
        if (index.DType != DType.Int32) throw new ArgumentException($"index_select: index must be Int32, got {index.DType}");
        if (index.Rank > 1) throw new ArgumentException($"index_select: index must be 0-D or 1-D, got shape {Shapes.Format(index.shape)}");
        if (index.Device != Device) throw new ArgumentException($"index_select: index is on {index.Device}, data on {Device}");
        int[] picked = (int[])shape.Clone(), along = [.. shape.Select(_ => 1)];
        picked[d] = along[d] = index.Numel;
        try
        {
            return Gather(d, index.Reshape(along).Expand(picked));
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "index")
        {
            throw new ArgumentOutOfRangeException(nameof(index), e.ActualValue,
                $"index_select: {(e.ActualValue is null ? "an index" : $"index {e.ActualValue}")} is out of range for dimension {d} of size {shape[d]}");
        }
    }
}
