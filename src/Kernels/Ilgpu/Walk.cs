namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The index space of a launch that walks views element by element: at most six dimensions,
/// innermost first (E0 varies fastest), after dropping extent-1 dimensions and merging the
/// neighbours that every operand walks contiguously. A dense tensor of any rank is one dimension.
/// </summary>
internal struct Extents
{
    /// <summary>Largest rank a walk keeps after merging.</summary>
    public const int MaxRank = 6;

    /// <summary>Number of dimensions (at least 1).</summary>
    public int Rank;

    /// <summary>Extent of dimension k, innermost first.</summary>
    public int E0, E1, E2, E3, E4, E5;

    /// <summary>The coordinates of row-major position <paramref name="linear"/> (the outermost one is not reduced modulo its extent).</summary>
    public readonly Coord Split(int linear)
    {
        var c = new Coord();
        if (Rank == 1) { c.C0 = linear; return c; }
        c.C0 = linear % E0; linear /= E0;
        if (Rank == 2) { c.C1 = linear; return c; }
        c.C1 = linear % E1; linear /= E1;
        if (Rank == 3) { c.C2 = linear; return c; }
        c.C2 = linear % E2; linear /= E2;
        if (Rank == 4) { c.C3 = linear; return c; }
        c.C3 = linear % E3; linear /= E3;
        if (Rank == 5) { c.C4 = linear; return c; }
        c.C4 = linear % E4;
        c.C5 = linear / E4;
        return c;
    }
}

/// <summary>A position in an <see cref="Extents"/> walk; dimensions past its rank stay 0.</summary>
internal struct Coord
{
    /// <summary>Coordinate along dimension k, innermost first.</summary>
    public int C0, C1, C2, C3, C4, C5;
}

/// <summary>One operand's layout in a walk: its first element and a stride per dimension.</summary>
internal struct Strides
{
    /// <summary>Buffer index of the element at coordinates 0.</summary>
    public int Offset;

    /// <summary>Stride of dimension k, innermost first.</summary>
    public int S0, S1, S2, S3, S4, S5;

    /// <summary>Buffer index of the element at <paramref name="c"/>.</summary>
    public readonly int At(Coord c) => Offset + c.C0 * S0 + c.C1 * S1 + c.C2 * S2 + c.C3 * S3 + c.C4 * S4 + c.C5 * S5;
}

/// <summary>Builds walks on the host from views that share one shape.</summary>
internal static class Walk
{
    /// <summary>
    /// The merged walk over <paramref name="shape"/> for one to three operands given as (strides, offset);
    /// a missing operand (empty strides) gets zero strides.
    /// </summary>
    public static Extents Of(ReadOnlySpan<int> shape, ReadOnlySpan<int> sa, int oa, out Strides a) =>
        Of(shape, sa, oa, [], 0, [], 0, out a, out _, out _);

    /// <inheritdoc cref="Of(ReadOnlySpan{int}, ReadOnlySpan{int}, int, out Strides)"/>
    public static Extents Of(ReadOnlySpan<int> shape, ReadOnlySpan<int> sa, int oa, ReadOnlySpan<int> sb, int ob, out Strides a, out Strides b) =>
        Of(shape, sa, oa, sb, ob, [], 0, out a, out b, out _);

    /// <inheritdoc cref="Of(ReadOnlySpan{int}, ReadOnlySpan{int}, int, out Strides)"/>
    public static Extents Of(ReadOnlySpan<int> shape, ReadOnlySpan<int> sa, int oa, ReadOnlySpan<int> sb, int ob,
        ReadOnlySpan<int> sc, int oc, out Strides a, out Strides b, out Strides c)
    {
        // At least MaxRank long and zero past the rank (stackalloc zeroes), so the structs read them whole.
        int length = Math.Max(shape.Length + 1, Extents.MaxRank);
        Span<int> extents = stackalloc int[length], ta = stackalloc int[length], tb = stackalloc int[length], tc = stackalloc int[length];
        int rank = 0;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1) continue;
            int da = Stride(sa, d), db = Stride(sb, d), dc = Stride(sc, d);
            if (rank > 0)
            {
                int inner = extents[rank - 1];
                if (da == ta[rank - 1] * inner && db == tb[rank - 1] * inner && dc == tc[rank - 1] * inner)
                {
                    extents[rank - 1] = inner * shape[d];
                    continue;
                }
            }
            (extents[rank], ta[rank], tb[rank], tc[rank]) = (shape[d], da, db, dc);
            rank++;
        }
        if (rank == 0) (extents[0], ta[0], tb[0], tc[0], rank) = (1, 0, 0, 0, 1);
        if (rank > Extents.MaxRank)
            throw new NotSupportedException($"ILGPU kernels walk at most {Extents.MaxRank} dimensions after merging; shape [{string.Join(", ", shape.ToArray())}] needs {rank}");
        a = StridesOf(ta, oa);
        b = StridesOf(tb, ob);
        c = StridesOf(tc, oc);
        return new Extents { Rank = rank, E0 = extents[0], E1 = extents[1], E2 = extents[2], E3 = extents[3], E4 = extents[4], E5 = extents[5] };
    }

    /// <summary>The walk of a row-major dense block of <paramref name="length"/> elements from 0.</summary>
    public static Extents Dense(int length, out Strides s)
    {
        s = new Strides { S0 = 1 };
        return new Extents { Rank = 1, E0 = length };
    }

    /// <summary>The strides that lay <paramref name="e"/> out row-major and dense, each element <paramref name="scale"/> apart.</summary>
    public static Strides DenseStrides(Extents e, int scale)
    {
        Span<int> s = stackalloc int[Extents.MaxRank];
        int step = scale;
        for (int k = 0; k < e.Rank; k++)
        {
            s[k] = step;
            step *= Extent(e, k);
        }
        return StridesOf(s, 0);
    }

    private static int Extent(Extents e, int k) => k switch { 0 => e.E0, 1 => e.E1, 2 => e.E2, 3 => e.E3, 4 => e.E4, _ => e.E5 };

    private static int Stride(ReadOnlySpan<int> strides, int d) => strides.IsEmpty ? 0 : strides[d];

    /// <summary>The strides <paramref name="t"/>[0..MaxRank) from <paramref name="offset"/>.</summary>
    private static Strides StridesOf(ReadOnlySpan<int> t, int offset) =>
        new() { Offset = offset, S0 = t[0], S1 = t[1], S2 = t[2], S3 = t[3], S4 = t[4], S5 = t[5] };
}
