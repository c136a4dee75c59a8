using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>Rows of C per register tile.</summary>
    private const int TileM = 4;

    /// <summary>Columns of C per parallel task (a multiple of every vector width).</summary>
    private const int TileN = 128;

    /// <inheritdoc />
    public override void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c)
    {
        CheckGemm(args, a, b, c);
        if (args.Batch == 0 || args.M == 0 || args.N == 0) return;
        // C written while A or B is read from the same buffer: keep the reference's order.
        if (ReferenceEquals(c, a) || ReferenceEquals(c, b))
        {
            base.Gemm(args, a, b, c);
            return;
        }
        if (a.DType == DType.Float32) GemmCore(args, Arr<float>(a), Arr<float>(b), Arr<float>(c));
        else GemmCore(args, Arr<double>(a), Arr<double>(b), Arr<double>(c));
    }

    /// <summary>
    /// Batched GEMM on host arrays (already checked). C is split into 4-row x 128-column tiles; a
    /// fixed contiguous range of tiles goes to each worker, so every C element has one writer.
    /// </summary>
    internal static void GemmCore<T>(GemmArgs g, T[] a, T[] b, T[] c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        T[]? packed = null;
        int bOffset = g.OffsetB, ldb = g.Ldb, bStride = g.BatchStrideB;
        if (g.TransB)
        {
            // Store op(B) row-major (K x N) so the kernel reads contiguous vectors along N.
            int copies = g.BatchStrideB == 0 ? 1 : g.Batch, size = g.K * g.N;
            packed = ArrayPool<T>.Shared.Rent(Math.Max(1, copies * size));
            for (int t = 0; t < copies; t++)
                Transpose(b, g.OffsetB + t * g.BatchStrideB, g.Ldb, g.N, g.K, packed, t * size);
            bOffset = 0;
            ldb = g.N;
            bStride = copies == 1 ? 0 : size;
        }
        T[] bData = packed ?? b;
        int groups = (g.M + TileM - 1) / TileM, blocks = (g.N + TileN - 1) / TileN;
        int tasks = g.Batch * groups * blocks;
        long work = (long)g.Batch * g.M * g.N * Math.Max(1, g.K);
        var args = g;
        try
        {
            CpuLayout.Parallel(tasks, work, (lo, hi) =>
            {
                T[] panel = ArrayPool<T>.Shared.Rent(Math.Max(1, TileM * args.K));
                try
                {
                    for (int t = lo; t < hi; t++)
                    {
                        int batch = t / (groups * blocks), rest = t % (groups * blocks);
                        int m0 = rest / blocks * TileM, n0 = rest % blocks * TileN;
                        int rows = Math.Min(TileM, args.M - m0), n1 = Math.Min(args.N, n0 + TileN);
                        PackA(args, a, batch, m0, rows, panel);
                        Tile(args, panel, bData, bOffset + batch * bStride, ldb, c,
                            args.OffsetC + batch * args.BatchStrideC + m0 * args.Ldc, rows, n0, n1);
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
            if (packed is not null) ArrayPool<T>.Shared.Return(packed);
        }
    }

    /// <summary>dst[offset + k * rows + n] = src[at + n * ld + k]: a rows x cols block transposed.</summary>
    private static void Transpose<T>(T[] src, int at, int ld, int rows, int cols, T[] dst, int offset)
    {
        const int block = 32;
        for (int r0 = 0; r0 < rows; r0 += block)
        for (int k0 = 0; k0 < cols; k0 += block)
        {
            int r1 = Math.Min(rows, r0 + block), k1 = Math.Min(cols, k0 + block);
            for (int r = r0; r < r1; r++)
            for (int k = k0; k < k1; k++)
                dst[offset + k * rows + r] = src[at + r * ld + k];
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

    /// <summary>C rows [m0, m0 + rows) x columns [n0, n1) from the packed A panel and row-major op(B).</summary>
    private static void Tile<T>(in GemmArgs g, T[] panel, T[] b, int ob, int ldb, T[] c, int oc, int rows, int n0, int n1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, k = g.K, ldc = g.Ldc;
        T alpha = T.CreateTruncating(g.Alpha), beta = T.CreateTruncating(g.Beta);
        bool readC = g.Beta != 0;
        ref T ap = ref MemoryMarshal.GetArrayDataReference(panel);
        ref T cr = ref MemoryMarshal.GetArrayDataReference(c);
        int n = n0;
        for (; n <= n1 - 2 * w; n += 2 * w)
        {
            ref T bp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(b), ob + n);
            Vector<T> c00 = Vector<T>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            for (int kk = 0; kk < k; kk++)
            {
                Vector<T> b0 = Vector.LoadUnsafe(ref bp, (nuint)((long)kk * ldb));
                Vector<T> b1 = Vector.LoadUnsafe(ref bp, (nuint)((long)kk * ldb + w));
                ref T a4 = ref Unsafe.Add(ref ap, kk * TileM);
                Vector<T> a0 = new(a4), a1 = new(Unsafe.Add(ref a4, 1)), a2 = new(Unsafe.Add(ref a4, 2)), a3 = new(Unsafe.Add(ref a4, 3));
                c00 += a0 * b0; c01 += a0 * b1;
                c10 += a1 * b0; c11 += a1 * b1;
                c20 += a2 * b0; c21 += a2 * b1;
                c30 += a3 * b0; c31 += a3 * b1;
            }
            ref T row = ref Unsafe.Add(ref cr, oc + n);
            Store(ref row, c00, alpha, beta, readC); Store(ref Unsafe.Add(ref row, w), c01, alpha, beta, readC);
            if (rows > 1) { row = ref Unsafe.Add(ref row, ldc); Store(ref row, c10, alpha, beta, readC); Store(ref Unsafe.Add(ref row, w), c11, alpha, beta, readC); }
            if (rows > 2) { row = ref Unsafe.Add(ref row, ldc); Store(ref row, c20, alpha, beta, readC); Store(ref Unsafe.Add(ref row, w), c21, alpha, beta, readC); }
            if (rows > 3) { row = ref Unsafe.Add(ref row, ldc); Store(ref row, c30, alpha, beta, readC); Store(ref Unsafe.Add(ref row, w), c31, alpha, beta, readC); }
        }
        for (; n <= n1 - w; n += w)
        {
            ref T bp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(b), ob + n);
            Vector<T> c0 = Vector<T>.Zero, c1 = c0, c2 = c0, c3 = c0;
            for (int kk = 0; kk < k; kk++)
            {
                Vector<T> b0 = Vector.LoadUnsafe(ref bp, (nuint)((long)kk * ldb));
                ref T a4 = ref Unsafe.Add(ref ap, kk * TileM);
                c0 += new Vector<T>(a4) * b0;
                c1 += new Vector<T>(Unsafe.Add(ref a4, 1)) * b0;
                c2 += new Vector<T>(Unsafe.Add(ref a4, 2)) * b0;
                c3 += new Vector<T>(Unsafe.Add(ref a4, 3)) * b0;
            }
            ref T row = ref Unsafe.Add(ref cr, oc + n);
            Store(ref row, c0, alpha, beta, readC);
            if (rows > 1) { row = ref Unsafe.Add(ref row, ldc); Store(ref row, c1, alpha, beta, readC); }
            if (rows > 2) { row = ref Unsafe.Add(ref row, ldc); Store(ref row, c2, alpha, beta, readC); }
            if (rows > 3) { row = ref Unsafe.Add(ref row, ldc); Store(ref row, c3, alpha, beta, readC); }
        }
        for (; n < n1; n++)
        {
            for (int r = 0; r < rows; r++)
            {
                T acc = T.Zero;
                for (int kk = 0; kk < k; kk++) acc += panel[kk * TileM + r] * b[ob + kk * ldb + n];
                ref T cv = ref c[oc + r * ldc + n];
                cv = readC ? alpha * acc + beta * cv : alpha * acc;
            }
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
