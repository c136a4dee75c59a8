using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TinyGrad.Kernels.Cpu.Fast;

internal static partial class Conv
{
    /// <summary>
    /// Unfolds image <paramref name="n"/> into a CKK x OHW matrix: element (c*KH*KW + i*KW + j, p*OW + q)
    /// is x[n, c, p*sh + i*dh - ph, q*sw + j*dw - pw], or 0 outside.
    /// </summary>
    private static void Im2Col<T>(in Conv2dGeometry g, T[] x, int n, T[] col) where T : unmanaged, INumberBase<T> =>
        ForEachRun(g, n, new Unfold<T>(g, x, col));

    /// <summary>Folds a CKK x OHW column matrix back into image <paramref name="n"/> of dx, summing overlaps in a fixed order.</summary>
    private static void Col2Im<T>(in Conv2dGeometry g, T[] col, int n, T[] dx) where T : unmanaged, INumberBase<T>
    {
        dx.AsSpan(n * g.C * g.H * g.W, g.C * g.H * g.W).Clear();
        ForEachRun(g, n, new Fold<T>(g, col, dx));
    }

    /// <summary>What im2col and col2im do with one output row of one unfolded row (c, i, j).</summary>
    private interface IRunOp
    {
        /// <summary>
        /// Output row at <paramref name="colAt"/> (OW elements) of the unfolded matrix, against the
        /// input row starting at <paramref name="xAt"/> (its column 0 shifted by the kernel column) when
        /// <paramref name="inside"/>; output columns [qlo, qhi) see the input, the rest padding.
        /// </summary>
        void Run(int colAt, int xAt, bool inside, int qlo, int qhi);
    }

    /// <summary>Every unfolded row (c, i, j) of image <paramref name="n"/> and output row p, in order.</summary>
    private static void ForEachRun<TOp>(in Conv2dGeometry g, int n, TOp op) where TOp : struct, IRunOp
    {
        int oh = g.OutH, ow = g.OutW, ohw = oh * ow;
        for (int c = 0; c < g.C; c++)
        {
            int plane = (n * g.C + c) * g.H * g.W;
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                int at = ((c * g.KH + i) * g.KW + j) * ohw;
                int h0 = i * g.DilationH - g.PadH, v0 = j * g.DilationW - g.PadW;
                var (qlo, qhi) = InsideColumns(g, v0);
                for (int p = 0; p < oh; p++)
                {
                    int h = p * g.StrideH + h0;
                    op.Run(at + p * ow, plane + h * g.W + v0, (uint)h < (uint)g.H, qlo, qhi);
                }
            }
        }
    }

    /// <summary>im2col: the run copied (every StrideW-th input), padding zeroed.</summary>
    private readonly struct Unfold<T>(Conv2dGeometry g, T[] x, T[] col) : IRunOp where T : unmanaged, INumberBase<T>
    {
        public void Run(int colAt, int xAt, bool inside, int qlo, int qhi)
        {
            var dst = col.AsSpan(colAt, g.OutW);
            if (!inside)
            {
                dst.Clear();
                return;
            }
            dst[..qlo].Clear();
            dst[qhi..].Clear();
            // An empty range (a kernel column that sees only padding) may start outside the row.
            if (qlo == qhi) return;
            if (g.StrideW == 1) x.AsSpan(xAt + qlo, qhi - qlo).CopyTo(dst[qlo..qhi]);
            else for (int q = qlo; q < qhi; q++) dst[q] = x[xAt + q * g.StrideW];
        }
    }

    /// <summary>col2im: the run added back into the input row (padding dropped).</summary>
    private readonly struct Fold<T>(Conv2dGeometry g, T[] col, T[] dx) : IRunOp where T : unmanaged, INumberBase<T>
    {
        public void Run(int colAt, int xAt, bool inside, int qlo, int qhi)
        {
            // An empty column range (only padding) may start outside the row: nothing to fold.
            if (!inside || qlo == qhi) return;
            if (g.StrideW == 1)
            {
                var d = dx.AsSpan(xAt + qlo, qhi - qlo);
                TensorPrimitives.Add(d, col.AsSpan(colAt + qlo, qhi - qlo), d);
            }
            else for (int q = qlo; q < qhi; q++) dx[xAt + q * g.StrideW] += col[colAt + q];
        }
    }

    /// <summary>The output columns [qlo, qhi) whose input column q * StrideW + <paramref name="v0"/> lies inside [0, W).</summary>
    private static (int Lo, int Hi) InsideColumns(in Conv2dGeometry g, int v0)
    {
        int lo = v0 >= 0 ? 0 : Math.Min(g.OutW, (-v0 + g.StrideW - 1) / g.StrideW);
        int hi = Math.Clamp(g.W - v0 <= 0 ? 0 : (g.W - v0 - 1) / g.StrideW + 1, lo, g.OutW);
        return (lo, hi);
    }

    /// <summary>
    /// One worker's im2col scratch: unfolds images into CKK x OHW matrices. For stride 1 and
    /// dilation 1 (every homework convolution) the image is first copied into a zero-bordered
    /// plane, so each row of the unfolded matrix is a plain run of that plane: one or two vector
    /// copies per output row, with no bounds logic. Other geometries use <see cref="Im2Col{T}"/>.
    /// </summary>
    private sealed class Unfolder<T> : IDisposable where T : unmanaged, INumberBase<T>
    {
        /// <summary>Elements past the end of each scratch that whole-vector copies may touch.</summary>
        public const int Slack = 32;

        private readonly Conv2dGeometry g;
        private readonly T[]? padded;
        private readonly int hp, wp;
        private T[]? col;

        public Unfolder(in Conv2dGeometry geometry)
        {
            g = geometry;
            if (g is not { StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1 }) return;
            hp = g.H + 2 * g.PadH;
            wp = g.W + 2 * g.PadW;
            padded = ArrayPool<T>.Shared.Rent(g.C * hp * wp + Slack);
            // The border (and the slack) stays zero for every image; only the interior is rewritten.
            padded.AsSpan().Clear();
        }

        /// <summary>
        /// Image <paramref name="n"/> copied into C zero-bordered planes of (H + 2 PadH) x (W + 2 PadW),
        /// followed by <see cref="Slack"/> zeros (stride 1 and dilation 1 only; valid until the next call).
        /// </summary>
        public T[] Pad(T[] x, int n)
        {
            int plane = g.H * g.W, planeP = hp * wp;
            for (int c = 0; c < g.C; c++)
            for (int h = 0; h < g.H; h++)
                x.AsSpan((n * g.C + c) * plane + h * g.W, g.W).CopyTo(padded.AsSpan(c * planeP + (h + g.PadH) * wp + g.PadW, g.W));
            return padded!;
        }

        /// <summary>The unfolded matrix of image <paramref name="n"/> (valid until the next call).</summary>
        public T[] Image(T[] x, int n)
        {
            col ??= ArrayPool<T>.Shared.Rent(g.C * g.KH * g.KW * g.OutH * g.OutW + Slack);
            if (padded is null)
            {
                Im2Col(g, x, n, col);
                return col;
            }
            Pad(x, n);
            int planeP = hp * wp, oh = g.OutH, ow = g.OutW, ohw = oh * ow, at = 0;
            ref T src = ref padded[0];
            ref T dst = ref col[0];
            for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++, at += ohw)
            {
                ref T from = ref Unsafe.Add(ref src, c * planeP + i * wp + j);
                // Rows in ascending order: each whole-vector copy may spill past its row into
                // the next one, which is written right after (the last spill lands in the slack).
                for (int p = 0; p < oh; p++)
                    CopyRun(ref Unsafe.Add(ref from, p * wp), ref Unsafe.Add(ref dst, at + p * ow), ow);
            }
            return col;
        }

        /// <summary>Copies n elements in whole vectors: may read and write up to one vector past the run.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyRun(ref T from, ref T to, int n)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                for (int q = 0; q < n; q += Vector512<T>.Count)
                    Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref from, (nuint)q), ref to, (nuint)q);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (int q = 0; q < n; q += Vector256<T>.Count)
                    Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref from, (nuint)q), ref to, (nuint)q);
            }
            else
            {
                for (int q = 0; q < n; q++) Unsafe.Add(ref to, q) = Unsafe.Add(ref from, q);
            }
        }

        public void Dispose()
        {
            if (col is not null) ArrayPool<T>.Shared.Return(col);
            if (padded is not null) ArrayPool<T>.Shared.Return(padded);
        }
    }
}
