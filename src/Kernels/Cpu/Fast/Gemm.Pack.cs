using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

internal static partial class GemmBlocked<T, TVec, TTile>
{
    /// <summary>Packs rows [k0, k0 + kb) of op(B), column panels [p0, p1): dst[offset + (p - p0) * kb * nr + k * nr + j] = op(B)(k0 + k, p * nr + j), zero past N.</summary>
    internal static void PackB(in GemmArgs g, T[] b, int ob, int k0, int kb, int p0, int p1, T[] dst, int nr, int offset = 0)
    {
        for (int p = p0; p < p1; p++)
        {
            int n0 = p * nr, width = Math.Min(nr, g.N - n0), at = offset + (p - p0) * kb * nr;
            if (!g.TransB)
            {
                if (width == nr)
                {
                    ref T src = ref b[ob + k0 * g.Ldb + n0];
                    ref T d = ref dst[at];
                    for (int k = 0; k < kb; k++)
                        for (int v = 0; v < nr; v += TVec.Count)
                            TVec.Load(ref src, (nuint)(k * g.Ldb + v)).Store(ref d, (nuint)(k * nr + v));
                }
                else
                {
                    for (int k = 0; k < kb; k++)
                    {
                        var row = dst.AsSpan(at + k * nr, nr);
                        b.AsSpan(ob + (k0 + k) * g.Ldb + n0, width).CopyTo(row);
                        row[width..].Clear();
                    }
                }
            }
            else
            {
                // B stored N x K: column j of op(B) is a contiguous run of B's row n0 + j. Float
                // panels go through 8 x 8 register transposes; the edges element by element.
                int fullJ = 0, fullK = 0;
                bool transposes = typeof(T) == typeof(float) && FloatTranspose.IsSupported;
                if (width < nr) ZeroPastWidth(dst, at, kb, nr, width, transposes);
                if (transposes)
                {
                    fullJ = width / 8 * 8;
                    fullK = kb / 8 * 8;
                    ref float bs = ref Unsafe.As<T, float>(ref b[0]);
                    ref float ds = ref Unsafe.As<T, float>(ref dst[0]);
                    for (int j = 0; j < fullJ; j += 8)
                    for (int k = 0; k < fullK; k += 8)
                        FloatTranspose.Tile8x8(ref Unsafe.Add(ref bs, ob + (n0 + j) * g.Ldb + k0 + k), g.Ldb, ref Unsafe.Add(ref ds, at + k * nr + j), nr);
                    // A last group of fewer than 8 columns (a conv weight gradient's 20 or 28 output
                    // channels, or a first layer's 25 or 27 unfolded rows) transposes with zero rows
                    // for the missing ones, which the panel holds past N anyway, instead of element
                    // by element (0.96-0.98 of the time for those weight gradients, in pairs).
                    if (fullJ < width)
                    {
                        for (int k = 0; k < fullK; k += 8)
                            FloatTranspose.Tile8x8(ref Unsafe.Add(ref bs, ob + (n0 + fullJ) * g.Ldb + k0 + k), g.Ldb, width - fullJ, ref Unsafe.Add(ref ds, at + k * nr + fullJ), nr);
                        fullJ = width;
                    }
                }
                for (int j = 0; j < width; j++)
                {
                    var src = b.AsSpan(ob + (n0 + j) * g.Ldb + k0, kb);
                    for (int k = j < fullJ ? fullK : 0; k < src.Length; k++) dst[at + k * nr + j] = src[k];
                }
            }
        }
    }

    /// <summary>
    /// Zeroes the lanes of a transposed partial panel (<paramref name="width"/> of <paramref name="nr"/>
    /// columns) that <see cref="PackB"/>'s copies will not write: with the 8 x 8 transposes, which write
    /// whole groups of 8 (zeros past the width) in the rows of whole blocks of 8, the lanes past the last
    /// group there and past the width in the last rows; without, the lanes past the width. (Clearing the
    /// whole panel first cost 4.6% of a first layer's weight gradient summed window by window.)
    /// </summary>
    private static void ZeroPastWidth(T[] dst, int at, int kb, int nr, int width, bool transposes)
    {
        int blockRows = transposes ? kb / 8 * 8 : 0, grouped = transposes ? Math.Min(nr, (width + 7) / 8 * 8) : width;
        for (int k = 0; k < kb; k++)
        {
            int from = k < blockRows ? grouped : width;
            for (int j = from; j < nr; j++) dst[at + k * nr + j] = T.Zero;
        }
    }

    /// <summary>
    /// Packs column panels [p0, p1) of op(B) for K block [k0, k0 + kb) in <see cref="PackB"/>'s
    /// layout from dst[offset], a row-major B row by row across all panels, so the reads run along each row (one
    /// stream the hardware prefetches) instead of one cache line per row and panel.
    /// </summary>
    private static void PackBRegion(in GemmArgs g, T[] b, int ob, int k0, int kb, int p0, int p1, T[] dst, int offset, int nr)
    {
        int full = Math.Min(p1, g.N / nr);
        if (g.TransB || full <= p0)
        {
            PackB(g, b, ob, k0, kb, p0, p1, dst, nr, offset);
            return;
        }
        int panel = kb * nr;
        ref T d = ref dst[offset];
        for (int k = 0; k < kb; k++)
        {
            ref T src = ref b[ob + (k0 + k) * g.Ldb + p0 * nr];
            for (int p = 0; p < full - p0; p++)
                for (int v = 0; v < nr; v += TVec.Count)
                    TVec.Load(ref src, (nuint)(p * nr + v)).Store(ref d, (nuint)(p * panel + k * nr + v));
        }
        if (full < p1) PackB(g, b, ob, k0, kb, full, p1, dst, nr, offset + (full - p0) * panel);
    }

    /// <summary>Packs row panels [m0, m1) of op(A) for K block [k0, k0 + kb): dst[(panel - m0) * kb * Mr + k * Mr + r], zero past M.</summary>
    private static void PackA(in GemmArgs g, T[] a, int oa, int k0, int kb, int m0, int m1, T[] dst)
    {
        for (int p = m0; p < m1; p++)
        {
            int r0 = p * Mr, rows = Math.Min(Mr, g.M - r0), at = (p - m0) * kb * Mr;
            if (rows < Mr) dst.AsSpan(at, kb * Mr).Clear();
            if (g.TransA)
            {
                // A stored K x M: the Mr values of one k are contiguous.
                for (int k = 0; k < kb; k++)
                    a.AsSpan(oa + (k0 + k) * g.Lda + r0, rows).CopyTo(dst.AsSpan(at + k * Mr, rows));
            }
            else
            {
                // Full float panels with 8 rows readable (this panel's and the next's): 8 x 8 register
                // transposes whose rows land Mr apart, each overwriting the two extra values of the
                // one before (the last two spill into what comes next, written later, or the slack).
                int fullK = 0;
                if (TransposedPackA && rows == Mr && (long)oa + (r0 + 7L) * g.Lda + k0 + kb <= a.Length)
                {
                    fullK = kb / 8 * 8;
                    ref float src = ref Unsafe.As<T, float>(ref a[oa + r0 * g.Lda + k0]);
                    ref float d = ref Unsafe.As<T, float>(ref dst[at]);
                    for (int k = 0; k < fullK; k += 8) FloatTranspose.Tile8x8(ref Unsafe.Add(ref src, k), g.Lda, ref Unsafe.Add(ref d, k * Mr), Mr);
                }
                for (int r = 0; r < rows; r++)
                {
                    var src = a.AsSpan(oa + (r0 + r) * g.Lda + k0, kb);
                    for (int k = fullK; k < src.Length; k++) dst[at + k * Mr + r] = src[k];
                }
            }
        }
    }

    /// <summary>Writes the valid rows x columns of a finished tile (rows of <see cref="Nr"/>) into C (also the implicit convolution's edges).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void StoreTile(Span<T> tile, T[] c, int at, int ldc, int rows, int width, bool first, bool readC, T alpha, T beta)
    {
        int w = TVec.Count, nr = Nr, whole = width / w * w;
        // A tail of a vector or more is one more vector ending at the row's end, computed from C
        // before the whole vectors overwrite the part they share, stored after them (as Finish).
        bool backTail = whole < width && width >= w;
        ref T t = ref MemoryMarshal.GetReference(tile);
        ref T cr = ref c[at];
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref t, r * nr);
            ref T dst = ref Unsafe.Add(ref cr, r * ldc);
            var tail = backTail ? Combine(ref Unsafe.Add(ref dst, width - w), TVec.Load(ref row, (nuint)(width - w)), first, readC, alpha, beta) : default;
            for (int j = 0; j < whole; j += w) Combine(ref Unsafe.Add(ref dst, j), TVec.Load(ref row, (nuint)j), first, readC, alpha, beta).Store(ref dst, (nuint)j);
            if (backTail) tail.Store(ref dst, (nuint)(width - w));
            else
            {
                for (int j = whole; j < width; j++)
                {
                    ref T cv = ref Unsafe.Add(ref dst, j);
                    T v = alpha * Unsafe.Add(ref row, j);
                    cv = !first ? cv + v : readC ? v + beta * cv : v;
                }
            }
        }
    }

    /// <summary>One vector of C's new value: alpha acc (+ beta C) on the first K block, C + alpha acc after (not stored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Combine(ref T dst, TVec acc, bool first, bool readC, T alpha, T beta)
    {
        acc = TVec.Multiply(acc, TVec.Broadcast(alpha));
        if (!first) acc = TVec.Add(acc, TVec.Load(ref dst, 0));
        else if (readC) acc = TVec.Add(acc, TVec.Multiply(TVec.Broadcast(beta), TVec.Load(ref dst, 0)));
        return acc;
    }
}
