namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// For a tensor that is a permutation of a dense block but not itself row-major (e.g. a
    /// transposed gradient): the dimension order, by decreasing stride, that makes it row-major;
    /// null otherwise. Elementwise ops use it to compute in memory order and hand back a result
    /// with the same layout, as PyTorch does, instead of transposing into a row-major output.
    /// </summary>
    private int[]? DenseOrder()
    {
        if (IsContiguous || Rank < 2) return null;
        var order = new int[Rank];
        for (int i = 0; i < Rank; i++) order[i] = i;
        // Insertion sort by decreasing stride (ranks are small); extent-1 dimensions go first.
        for (int i = 1; i < Rank; i++)
        {
            int d = order[i], j = i - 1;
            while (j >= 0 && Before(d, order[j])) { order[j + 1] = order[j]; j--; }
            order[j + 1] = d;
        }
        long expected = 1;
        for (int i = Rank - 1; i >= 0; i--)
        {
            int d = order[i];
            if (shape[d] == 1) continue;
            if (strides[d] != expected) return null;
            expected *= shape[d];
        }
        return order;

        bool Before(int x, int y) => shape[x] == 1 ? shape[y] != 1 : shape[y] != 1 && strides[x] > strides[y];
    }

    /// <summary>The dimensions reordered as <paramref name="order"/>, as a plain view (not recorded on the tape).</summary>
    private Tensor Reordered(int[] order)
    {
        var s = new int[Rank];
        var st = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            s[i] = shape[order[i]];
            st[i] = strides[order[i]];
        }
        return ViewAs(s, st, Offset);
    }

    /// <summary>Undoes <see cref="Reordered"/>: dimension order[i] of the result is dimension i of this tensor.</summary>
    private Tensor InOriginalOrder(int[] order)
    {
        var s = new int[Rank];
        var st = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            s[order[i]] = shape[i];
            st[order[i]] = strides[i];
        }
        return ViewAs(s, st, Offset);
    }
}
