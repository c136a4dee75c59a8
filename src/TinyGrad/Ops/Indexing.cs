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

    /// <summary>
    /// <c>Zeros(shape).ScatterAdd(dim, index, source)</c> without copying the zeros: the scatter
    /// goes straight into the fresh tensor (max pooling's backward). The indices are the engine's own,
    /// in range by construction, so a backend that can skips their check. Backward: a gather for the source.
    /// </summary>
    private static Tensor ScatterAddIntoZeros(int[] shape, int dim, Tensor index, Tensor source)
    {
        var y = Zeros(shape, source.DType, source.Device);
        y.CheckIndex(index, "scatter_add");
        if (y.Backend is ITrustedIndices trusted) trusted.ScatterAddTrusted(y.View, dim, index.View, source.View);
        else y.Backend.ScatterAdd(y.View, dim, index.View, source.View);
        return y.Record("scatter_add", [source], g => [g.GatherTrusted(dim, index)]);
    }

    /// <summary><see cref="Gather"/> at the engine's own indices (the scatter above's backward), unchecked where a backend can.</summary>
    private Tensor GatherTrusted(int dim, Tensor index)
    {
        CheckIndex(index, "gather");
        var y = Empty(index.shape, DType, Device);
        if (Backend is ITrustedIndices trusted) trusted.GatherTrusted(View, dim, index.View, y.Buffer);
        else Backend.Gather(View, dim, index.View, y.Buffer);
        var original = shape;
        return y.Record("gather", [this], g => [ScatterAddIntoZeros(original, dim, index, g)]);
    }

    private void CheckIndex(Tensor index, string op)
    {
        if (index.DType != DType.Int32) throw new ArgumentException($"{op}: index must be Int32, got {index.DType}");
        if (index.Device != Device) throw new ArgumentException($"{op}: index is on {index.Device}, data on {Device}");
        if (index.Rank != Rank)
            throw new ArgumentException($"{op}: index shape {Shapes.Format(index.shape)} must have the rank of data shape {Shapes.Format(shape)}");
    }

    /// <summary>Rows of a matrix (or slices along dimension 0) picked by an Int32 index vector.</summary>
    public Tensor IndexSelect(Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Rank != 1) throw new ArgumentException($"index_select: index must be 1-D, got shape {Shapes.Format(index.shape)}");
        if (Rank == 0) throw new ArgumentException("index_select: cannot index a scalar");
        var rest = shape[1..];
        int[] expandedShape = [index.shape[0], .. rest];
        var idx = index.Reshape([index.shape[0], .. rest.Select(_ => 1)]).Expand(expandedShape).Contiguous();
        return Gather(0, idx);
    }
}
