using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The gemm family: the AVX-512 kernels (<see cref="Gemm512"/>) where Vector512 runs, else the
/// portable Vector&lt;T&gt; GEMM below. C in A's or B's buffer goes to the reference (see
/// <see cref="CpuBackend.Fallbacks"/>).
/// </summary>
internal static class Gemm
{
    /// <summary>Rows of C per register tile.</summary>
    private const int TileM = 4;

    /// <summary>Columns of C per parallel task (a multiple of every vector width).</summary>
    private const int TileN = 128;

    /// <summary>The batched product of checked, non-empty arguments whose C does not share a buffer with A or B.</summary>
    public static void Run<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias) where T : unmanaged, IFloatingPointIeee754<T> =>
        Core(args, CpuBuffer.ArrayOf<T>(a), CpuBuffer.ArrayOf<T>(b), CpuBuffer.ArrayOf<T>(c), bias is null ? null : CpuBuffer.ArrayOf<T>(bias));

    /// <summary>Batched GEMM on host arrays (already checked), then the bias on every row when given.</summary>
    public static void Core<T>(GemmArgs g, T[] a, T[] b, T[] c, T[]? bias = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        if (Gemm512.IsSupported)
        {
            Gemm512.Run(g, a, b, c, bias);
            return;
        }
        Portable(g, a, b, c);
        if (bias is null) return;
        for (int batch = 0; batch < g.Batch; batch++)
            Gemm512.AddBias(c, g.OffsetC + batch * g.BatchStrideC, g.Ldc, g.M, g.N, bias);
    }

    /// <summary>
    /// The Vector&lt;T&gt; GEMM for hosts without Vector512. op(B) is packed into zero-padded panels of
    /// two vectors' width (K x 2w, contiguous) so the kernel streams it without cache-set conflicts;
    /// C is split into 4-row x 128-column tiles and a fixed contiguous range of tiles goes to each
    /// worker, so every C element has exactly one writer.
    /// </summary>
    private static void Portable<T>(GemmArgs g, T[] a, T[] b, T[] c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w2 = 2 * Vector<T>.Count, panels = (g.N + w2 - 1) / w2, panelSize = g.K * w2;
        int copies = g.BatchStrideB == 0 ? 1 : g.Batch, packedSize = panels * panelSize;
        long work = (long)g.Batch * g.M * g.N * Math.Max(1, g.K);
        T[] packed = ArrayPool<T>.Shared.Rent(Math.Max(1, copies * packedSize));
        try
        {
            var args = g;
            Partition.Parallel(copies * panels, work, (lo, hi) =>
            {
                for (int t = lo; t < hi; t++)
                    PackB(args, b, t / panels, t % panels, w2, packed, t * panelSize);
            });
            int groups = (g.M + TileM - 1) / TileM, blocks = (g.N + TileN - 1) / TileN;
            int tasks = g.Batch * groups * blocks;
            Partition.Parallel(tasks, work, (lo, hi) =>
            {
                T[] panel = ArrayPool<T>.Shared.Rent(Math.Max(1, TileM * args.K));
                try
                {
                    for (int t = lo; t < hi; t++)
                    {
                        // Consecutive tasks share a column block, so its B panels stay in cache.
                        int batch = t / (groups * blocks), rest = t % (groups * blocks);
                        int n0 = rest / groups * TileN, m0 = rest % groups * TileM;
                        int rows = Math.Min(TileM, args.M - m0), n1 = Math.Min(args.N, n0 + TileN);
                        PackA(args, a, batch, m0, rows, panel);
                        int bAt = (copies == 1 ? 0 : batch * packedSize) + n0 / w2 * panelSize;
                        Tile(args, panel, packed, bAt, c, args.OffsetC + batch * args.BatchStrideC + m0 * args.Ldc, rows, n0, n1);
                    }
                }
                finally
                {
                    ArrayPool<T>.Shared.Return(panel);
                }
            });
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
        }
    }

    /// <summary>GEMM on the calling thread where the fast path exists (the caller splits work over the cores).</summary>
    public static void Serial<T>(GemmArgs g, T[] a, T[] b, T[] c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Gemm512.IsSupported) Gemm512.Serial(g, a, b, c);
        else Core(g, a, b, c);
    }

    /// <summary>Panel <paramref name="p"/> of op(B) of one batch entry: dst[at + k * w2 + j] = B(k, p * w2 + j), zero past N.</summary>
    private static void PackB<T>(in GemmArgs g, T[] b, int batch, int p, int w2, T[] dst, int at) where T : unmanaged, INumberBase<T>
    {
        int ob = g.OffsetB + batch * g.BatchStrideB, n0 = p * w2, width = Math.Min(w2, g.N - n0);
        if (width < w2) dst.AsSpan(at, g.K * w2).Clear();
        if (g.TransB)
        {
            // B stored N x K: read each column of op(B) contiguously.
            for (int j = 0; j < width; j++)
            {
                int src = ob + (n0 + j) * g.Ldb;
                for (int k = 0; k < g.K; k++) dst[at + k * w2 + j] = b[src + k];
            }
        }
        else
        {
            for (int k = 0; k < g.K; k++)
                b.AsSpan(ob + k * g.Ldb + n0, width).CopyTo(dst.AsSpan(at + k * w2, width));
        }
    }

    /// <summary>panel[k * 4 + r] = A(m0 + r, k), zero for the rows past M.</summary>
    private static void PackA<T>(in GemmArgs g, T[] a, int batch, int m0, int rows, T[] panel) where T : unmanaged, INumberBase<T>
    {
        int oa = g.OffsetA + batch * g.BatchStrideA;
        (int rowStep, int colStep) = g.TransA ? (1, g.Lda) : (g.Lda, 1);
        for (int r = 0; r < TileM; r++)
        {
            if (r >= rows)
            {
                for (int k = 0; k < g.K; k++) panel[k * TileM + r] = T.Zero;
                continue;
            }
            int at = oa + (m0 + r) * rowStep;
            for (int k = 0; k < g.K; k++) panel[k * TileM + r] = a[at + k * colStep];
        }
    }

    /// <summary>C rows [m0, m0 + rows) x columns [n0, n1) from the packed A panel and the packed B panels starting at <paramref name="bAt"/>.</summary>
    private static void Tile<T>(in GemmArgs g, T[] panel, T[] packedB, int bAt, T[] c, int oc, int rows, int n0, int n1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, w2 = 2 * w, k = g.K, ldc = g.Ldc;
        T alpha = T.CreateTruncating(g.Alpha), beta = T.CreateTruncating(g.Beta);
        bool readC = g.Beta != 0;
        ref T ap = ref MemoryMarshal.GetArrayDataReference(panel);
        ref T cr = ref MemoryMarshal.GetArrayDataReference(c);
        for (int n = n0; n < n1; n += w2, bAt += k * w2)
        {
            ref T bp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(packedB), bAt);
            Vector<T> c00 = Vector<T>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            for (int kk = 0; kk < k; kk++)
            {
                Vector<T> b0 = Vector.LoadUnsafe(ref bp, (nuint)(kk * w2));
                Vector<T> b1 = Vector.LoadUnsafe(ref bp, (nuint)(kk * w2 + w));
                ref T a4 = ref Unsafe.Add(ref ap, kk * TileM);
                Vector<T> a0 = new(a4), a1 = new(Unsafe.Add(ref a4, 1)), a2 = new(Unsafe.Add(ref a4, 2)), a3 = new(Unsafe.Add(ref a4, 3));
                c00 += a0 * b0; c01 += a0 * b1;
                c10 += a1 * b0; c11 += a1 * b1;
                c20 += a2 * b0; c21 += a2 * b1;
                c30 += a3 * b0; c31 += a3 * b1;
            }
            int width = Math.Min(w2, n1 - n);
            ref T row = ref Unsafe.Add(ref cr, oc + n);
            StoreRow(ref row, c00, c01, width, alpha, beta, readC);
            if (rows > 1) StoreRow(ref Unsafe.Add(ref row, ldc), c10, c11, width, alpha, beta, readC);
            if (rows > 2) StoreRow(ref Unsafe.Add(ref row, 2 * ldc), c20, c21, width, alpha, beta, readC);
            if (rows > 3) StoreRow(ref Unsafe.Add(ref row, 3 * ldc), c30, c31, width, alpha, beta, readC);
        }
    }

    /// <summary>Writes the first <paramref name="width"/> of the 2w accumulated columns: C = alpha acc (+ beta C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(ref T dst, Vector<T> lo, Vector<T> hi, int width, T alpha, T beta, bool readC) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count;
        if (width == 2 * w)
        {
            Store(ref dst, lo, alpha, beta, readC);
            Store(ref Unsafe.Add(ref dst, w), hi, alpha, beta, readC);
            return;
        }
        for (int j = 0; j < width; j++)
        {
            T acc = j < w ? lo[j] : hi[j - w];
            ref T cv = ref Unsafe.Add(ref dst, j);
            cv = readC ? alpha * acc + beta * cv : alpha * acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(ref T dst, Vector<T> acc, T alpha, T beta, bool readC) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> v = acc * alpha;
        if (readC) v += Vector.LoadUnsafe(ref dst) * beta;
        Vector.StoreUnsafe(v, ref dst);
    }
}
