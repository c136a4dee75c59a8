using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TinyGrad.Kernels.Cpu.Fast;

internal static partial class Gemm512
{
    /// <summary>Packs rows [k0, k0 + kb) of op(B), column panels [p0, p1): dst[(p - p0) * kb * nr + k * nr + j] = op(B)(k0 + k, p * nr + j), zero past N.</summary>
    private static void PackB<T>(in GemmArgs g, T[] b, int ob, int k0, int kb, int p0, int p1, T[] dst, int nr) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int p = p0; p < p1; p++)
        {
            int n0 = p * nr, width = Math.Min(nr, g.N - n0), at = (p - p0) * kb * nr;
            if (!g.TransB)
            {
                if (width == nr)
                {
                    ref T src = ref b[ob + k0 * g.Ldb + n0];
                    ref T d = ref dst[at];
                    for (int k = 0; k < kb; k++)
                    {
                        Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref src, (nuint)(k * g.Ldb)), ref d, (nuint)(k * nr));
                        Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref src, (nuint)(k * g.Ldb + nr / 2)), ref d, (nuint)(k * nr + nr / 2));
                    }
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
                if (width < nr) dst.AsSpan(at, kb * nr).Clear();
                int fullJ = 0, fullK = 0;
                if (typeof(T) == typeof(float) && FloatTranspose.IsSupported)
                {
                    fullJ = width / 8 * 8;
                    fullK = kb / 8 * 8;
                    ref float bs = ref Unsafe.As<T, float>(ref b[0]);
                    ref float ds = ref Unsafe.As<T, float>(ref dst[0]);
                    for (int j = 0; j < fullJ; j += 8)
                    for (int k = 0; k < fullK; k += 8)
                        FloatTranspose.Tile8x8(ref Unsafe.Add(ref bs, ob + (n0 + j) * g.Ldb + k0 + k), g.Ldb, ref Unsafe.Add(ref ds, at + k * nr + j), nr);
                }
                for (int j = 0; j < width; j++)
                {
                    var src = b.AsSpan(ob + (n0 + j) * g.Ldb + k0, kb);
                    for (int k = j < fullJ ? fullK : 0; k < src.Length; k++) dst[at + k * nr + j] = src[k];
                }
            }
        }
    }

    /// <summary>Packs row panels [m0, m1) of op(A) for K block [k0, k0 + kb): dst[(panel - m0) * kb * Mr + k * Mr + r], zero past M.</summary>
    private static void PackA<T>(in GemmArgs g, T[] a, int oa, int k0, int kb, int m0, int m1, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
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
                for (int r = 0; r < rows; r++)
                {
                    var src = a.AsSpan(oa + (r0 + r) * g.Lda + k0, kb);
                    for (int k = 0; k < src.Length; k++) dst[at + k * Mr + r] = src[k];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), acc.As<T, float>()).As<float, T>();
        return Vector512.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), acc.As<T, double>()).As<double, T>();
    }

    /// <summary>The 8 x 2-vector register tile: acc = A panel (kb x 8) times B panel (kb x nr, rows <paramref name="bStep"/> apart), then stored into C.</summary>
    private static void Kernel<T>(ref T ap, int rowStep, int kStep, ref T bp, int bStep, int kb, ref T t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        nint o1 = rowStep, o2 = 2 * o1, o3 = 3 * o1, o4 = 4 * o1, o5 = 5 * o1, o6 = 6 * o1, o7 = 7 * o1, ks = kStep, bs = bStep;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int k = 0; k < kb; k++)
        {
            Vector512<T> b0 = Vector512.LoadUnsafe(ref bp), b1 = Vector512.LoadUnsafe(ref bp, (nuint)w);
            Vector512<T> x = Vector512.Create(ap);
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref ap, o1));
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref ap, o2));
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref ap, o3));
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref ap, o4));
            c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref ap, o5));
            c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            x = Vector512.Create(Unsafe.Add(ref ap, o6));
            c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61);
            x = Vector512.Create(Unsafe.Add(ref ap, o7));
            c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71);
            ap = ref Unsafe.Add(ref ap, ks);
            bp = ref Unsafe.Add(ref bp, bs);
        }
        // The accumulators go to the caller's tile buffer and this method makes no calls: on the
        // SysV ABI no vector register survives a call, and any call here makes the JIT spill all 16
        // accumulators on every iteration.
        int s2 = 2 * w;
        c00.StoreUnsafe(ref t, 0); c01.StoreUnsafe(ref t, (nuint)w);
        c10.StoreUnsafe(ref t, (nuint)s2); c11.StoreUnsafe(ref t, (nuint)(s2 + w));
        c20.StoreUnsafe(ref t, (nuint)(2 * s2)); c21.StoreUnsafe(ref t, (nuint)(2 * s2 + w));
        c30.StoreUnsafe(ref t, (nuint)(3 * s2)); c31.StoreUnsafe(ref t, (nuint)(3 * s2 + w));
        c40.StoreUnsafe(ref t, (nuint)(4 * s2)); c41.StoreUnsafe(ref t, (nuint)(4 * s2 + w));
        c50.StoreUnsafe(ref t, (nuint)(5 * s2)); c51.StoreUnsafe(ref t, (nuint)(5 * s2 + w));
        c60.StoreUnsafe(ref t, (nuint)(6 * s2)); c61.StoreUnsafe(ref t, (nuint)(6 * s2 + w));
        c70.StoreUnsafe(ref t, (nuint)(7 * s2)); c71.StoreUnsafe(ref t, (nuint)(7 * s2 + w));
    }

    /// <summary>Writes the valid rows x columns of a finished tile into C.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTile<T>(Span<T> tile, T[] c, int at, int ldc, int rows, int width, bool first, bool readC, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, s2 = 2 * w;
        ref T t = ref MemoryMarshal.GetReference(tile);
        ref T cr = ref c[at];
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref t, r * s2);
            StoreRow(ref Unsafe.Add(ref cr, r * ldc), Vector512.LoadUnsafe(ref row), Vector512.LoadUnsafe(ref row, (nuint)w), w, width, first, readC, alpha, beta);
        }
    }

    /// <summary>Stores the first <paramref name="width"/> columns of one tile row (whole vectors where possible).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(ref T dst, Vector512<T> lo, Vector512<T> hi, int w, int width, bool first, bool readC, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (width == 2 * w)
        {
            Store(ref dst, lo, first, readC, alpha, beta);
            Store(ref Unsafe.Add(ref dst, w), hi, first, readC, alpha, beta);
            return;
        }
        StoreTail(ref dst, lo, hi, w, width, first, readC, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTail<T>(ref T dst, Vector512<T> lo, Vector512<T> hi, int w, int width, bool first, bool readC, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (width >= w)
        {
            Store(ref dst, lo, first, readC, alpha, beta);
            lo = hi;
            j = w;
        }
        for (int i = 0; j < width; i++, j++)
        {
            ref T cv = ref Unsafe.Add(ref dst, j);
            T v = alpha * lo.GetElement(i);
            cv = !first ? cv + v : readC ? v + beta * cv : v;
        }
    }

    /// <summary>Stores one vector: C = alpha acc (+ beta C) on the first K block, C += alpha acc after.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(ref T dst, Vector512<T> acc, bool first, bool readC, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        acc *= Vector512.Create(alpha);
        if (!first) acc += Vector512.LoadUnsafe(ref dst);
        else if (readC) acc += Vector512.Create(beta) * Vector512.LoadUnsafe(ref dst);
        Vector512.StoreUnsafe(acc, ref dst);
    }
}
