using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>The reduced tensor with extent 1 on every reduced axis.</summary>
    private Tensor ReduceKeep(ReduceOp op, bool[] mask, string name)
    {
        RequireFloat(name);
        var keep = KeptShape(mask);
        var y = Empty(keep, DType, Device);
        Backend.Reduce(op, View, y.View);
        return y;
    }

    private int[] KeptShape(bool[] mask)
    {
        var keep = (int[])shape.Clone();
        for (int d = 0; d < Rank; d++) if (mask[d]) keep[d] = 1;
        return keep;
    }

    private int[] DroppedShape(bool[] mask)
    {
        var kept = new List<int>();
        for (int d = 0; d < Rank; d++) if (!mask[d]) kept.Add(shape[d]);
        return [.. kept];
    }

    /// <summary>Sum over <paramref name="axes"/> (all when empty), keeping them as extent 1 if <paramref name="keepDim"/>.</summary>
    public Tensor Sum(int[]? axes = null, bool keepDim = false)
    {
        var mask = Shapes.AxisMask(axes ?? [], Rank, "sum");
        var keep = ReduceKeep(ReduceOp.Sum, mask, "sum");
        var y = keepDim ? keep : keep.ViewAs(DroppedShape(mask), StridedView.RowMajorStrides(DroppedShape(mask)), 0);
        return RecordSum(y, keep.shape);
    }

    /// <summary>Records <paramref name="result"/> as this tensor summed to <paramref name="keptShape"/> (the reduced axes kept as 1): its backward broadcasts the gradient back.</summary>
    private Tensor RecordSum(Tensor result, int[] keptShape) => result.Record("sum", [this], g => [g.Reshape(keptShape).Expand(shape)]);

    /// <summary>Sum over one axis.</summary>
    public Tensor Sum(int axis, bool keepDim = false) => Sum([axis], keepDim);

    /// <summary>Mean over <paramref name="axes"/> (all when empty).</summary>
    public Tensor Mean(int[]? axes = null, bool keepDim = false)
    {
        var mask = Shapes.AxisMask(axes ?? [], Rank, "mean");
        long count = 1;
        for (int d = 0; d < Rank; d++) if (mask[d]) count *= shape[d];
        return Sum(axes, keepDim) * (1.0 / count);
    }

    /// <summary>Mean over one axis.</summary>
    public Tensor Mean(int axis, bool keepDim = false) => Mean([axis], keepDim);

    /// <summary>
    /// Maximum over <paramref name="axes"/> (all when empty). The gradient goes to the maximal
    /// elements, split evenly between ties, like <c>torch.amax</c> (PyTorch's <c>max(dim)</c> instead
    /// routes it all to the one index it returns).
    /// </summary>
    public Tensor Max(int[]? axes = null, bool keepDim = false)
    {
        var mask = Shapes.AxisMask(axes ?? [], Rank, "max");
        if (Numel == 0) throw new ArgumentException($"max: cannot reduce an empty tensor of shape {Shapes.Format(shape)}");
        var keep = ReduceKeep(ReduceOp.Max, mask, "max");
        var y = keepDim ? keep : keep.ViewAs(DroppedShape(mask), StridedView.RowMajorStrides(DroppedShape(mask)), 0);
        var keptShape = keep.shape;
        var reduced = new List<int>();
        for (int d = 0; d < Rank; d++) if (mask[d]) reduced.Add(d);
        return y.Record("max", [this], g =>
        {
            var winners = Eq(keep.Detach().Expand(shape));
            var share = g.Reshape(keptShape) / winners.Sum([.. reduced], keepDim: true);
            return [winners * share.Expand(shape)];
        });
    }

    /// <summary>Maximum over one axis.</summary>
    public Tensor Max(int axis, bool keepDim = false) => Max([axis], keepDim);

    /// <summary>Minimum over <paramref name="axes"/> (all when empty); ties split the gradient evenly, like <c>torch.amin</c>.</summary>
    public Tensor Min(int[]? axes = null, bool keepDim = false) => -(-this).Max(axes, keepDim);

    /// <summary>Minimum over one axis.</summary>
    public Tensor Min(int axis, bool keepDim = false) => Min([axis], keepDim);

    /// <summary>Int32 index of the first maximum along <paramref name="axis"/>.</summary>
    public Tensor ArgMax(int axis, bool keepDim = false)
    {
        RequireFloat("argmax");
        int a = Shapes.Axis(axis, Rank, "argmax");
        if (shape[a] == 0) throw new ArgumentException($"argmax: dimension {axis} of {Shapes.Format(shape)} is empty");
        var mask = new bool[Rank];
        mask[a] = true;
        var y = Empty(KeptShape(mask), DType.Int32, Device);
        Backend.ArgMax(View, a, y.View);
        return keepDim ? y : y.ViewAs(DroppedShape(mask), StridedView.RowMajorStrides(DroppedShape(mask)), 0);
    }

    /// <summary>
    /// Variance over <paramref name="axes"/> with Bessel's correction when <paramref name="unbiased"/>.
    /// With no degrees of freedom left (one element, unbiased) it is NaN with a NaN gradient, as in PyTorch.
    /// </summary>
    public Tensor Var(int[]? axes = null, bool keepDim = false, bool unbiased = true)
    {
        var mask = Shapes.AxisMask(axes ?? [], Rank, "var");
        long count = 1;
        for (int d = 0; d < Rank; d++) if (mask[d]) count *= shape[d];
        long dof = unbiased ? count - 1 : count;
        var centered = this - Mean(axes, keepDim: true);
        // 0 * inf = NaN where nothing is left to divide by.
        return (centered * centered).Sum(axes, keepDim) * (dof > 0 ? 1.0 / dof : double.PositiveInfinity);
    }
}
