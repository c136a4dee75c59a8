using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

internal static partial class Conv
{
    /// <summary>
    /// The forward convolution (stride 1, dilation 1) as an implicit GEMM with the tile of
    /// <paramref name="kernel"/>; with <paramref name="pool"/> (float, <see cref="Pool.HasMax2x2Planes"/>),
    /// each image's output is 2x2 max pooled into y and <paramref name="indices"/> while in cache, and
    /// not kept.
    /// </summary>
    internal static void ImplicitForward<T>(GemmKernel kernel, in Conv2dGeometry g, T[] x, T[] w, T[] y, T[]? bias, Epilogue epilogue, Pool2dGeometry? pool = null, int[]? indices = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var body = new ImplicitBody<T>(g, x, w, y, bias, epilogue, pool, indices);
        Gemm.With<T, ImplicitBody<T>>(kernel, ref body);
    }

    /// <summary>Whether <see cref="ForwardMaxPool{T}"/> pools in place for these geometries (float only).</summary>
    public static bool PoolsInPlace(in Conv2dGeometry conv, in Pool2dGeometry pool) => RunsImplicit(conv) && Pool.HasMax2x2Planes(pool);

    /// <summary>Convolution and 2x2 max pooling per image (<see cref="PoolsInPlace"/> geometries, float): y and indices are the pooling's.</summary>
    public static void ForwardMaxPool<T>(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, Epilogue epilogue, DeviceBuffer y, DeviceBuffer indices)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ImplicitForward(GemmKernels.For(conv.OutH * conv.OutW), conv, CpuBuffer.ArrayOf<T>(x), CpuBuffer.ArrayOf<T>(w), CpuBuffer.ArrayOf<T>(y), bias is null ? null : CpuBuffer.ArrayOf<T>(bias),
            epilogue, pool, CpuBuffer.ArrayOf<int>(indices));
        CpuBuffer.KeepAlive(x, w, bias, y);
        GC.KeepAlive(indices);
    }

    private readonly struct ImplicitBody<T>(Conv2dGeometry g, T[] x, T[] w, T[] y, T[]? bias, Epilogue epilogue, Pool2dGeometry? pool, int[]? indices) : IKernelBody<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run<TVec, TTile>() where TVec : struct, ISimd<TVec, T> where TTile : struct, ITile =>
            Implicit<T, TVec, TTile>.Forward(g, x, w, y, bias, epilogue, pool, indices);
    }

    /// <summary>
    /// y[n] (O x OHW) = w (O x CKK) times image n unfolded, for stride 1 and dilation 1, without
    /// forming the unfolded matrix: its row k = (c, i, j) is the zero-bordered image shifted by
    /// c * planeP + i * Wp + j, so each NR-column panel of it is packed, per K block, straight from
    /// the bordered image (a few runs of its rows per k) into a scratch that stays in L1 while every
    /// row panel of w sweeps it; w is packed once per call. The K blocks, tiles and stores are the
    /// blocked GEMM's, so y has the bits of that GEMM on the unfolded matrix; the bias and the
    /// epilogue follow in one pass over the image's output while it is in cache (and, fused with a
    /// max pool, the pooling: the full output then never leaves L2). (im2col wrote and re-read the
    /// whole CKK x OHW matrix through L2 per image: 12% of an mnist_cnn step's CPU time.)
    /// </summary>
    private static class Implicit<T, TVec, TTile>
        where T : unmanaged, IFloatingPointIeee754<T> where TVec : struct, ISimd<TVec, T> where TTile : struct, ITile
    {
        public static void Forward(Conv2dGeometry g, T[] x, T[] w, T[] y, T[]? bias, Epilogue epilogue, Pool2dGeometry? pool, int[]? indices)
        {
            if (pool is not null && typeof(T) != typeof(float)) throw new ArgumentException("conv2d: pooling in place is float only");
            int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, mr = TTile.Mr, panels = (g.O + mr - 1) / mr;
            int wp = g.W + 2 * g.PadW, planeP = (g.H + 2 * g.PadH) * wp;
            T[] packedW = ArrayPool<T>.Shared.Rent(panels * mr * ckk);
            int[] offsets = ArrayPool<int>.Shared.Rent(ckk);
            try
            {
                // w as row panels: packedW[(p * CKK + k) * Mr + r] = w[p * Mr + r, k], zero past O.
                for (int p = 0; p < panels; p++)
                for (int k = 0; k < ckk; k++)
                for (int r = 0; r < mr; r++)
                {
                    int o = p * mr + r;
                    packedW[(p * ckk + k) * mr + r] = o < g.O ? w[o * ckk + k] : T.Zero;
                }
                for (int c = 0, k = 0; c < g.C; c++)
                for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                    offsets[k++] = c * planeP + i * wp + j;
                var geometry = g;
                Partition.Parallel(g.N, (long)g.N * g.O * ckk * ohw, (lo, hi) =>
                {
                    var unfold = new Unfolder<T>(geometry);
                    int nr = TTile.Vectors * TVec.Count;
                    T[] panel = ArrayPool<T>.Shared.Rent(GemmBlocking.KBlockDepth(ckk) * nr + Unfolder<T>.Slack);
                    // Columns past a last panel's width are packed from whatever the bordered image
                    // holds there; cleared once so no stale denormal ever enters the tile.
                    panel.AsSpan().Clear();
                    // Pooled: each image's output goes to this scratch (it stays in L2), then its pooling to y.
                    T[]? full = pool is null ? null : ArrayPool<T>.Shared.Rent(geometry.O * ohw);
                    try
                    {
                        for (int n = lo; n < hi; n++)
                        {
                            if (full is null)
                            {
                                Image(geometry, unfold.Pad(x, n), packedW, offsets, y, n * geometry.O * ohw, panel, bias, epilogue);
                                continue;
                            }
                            Image(geometry, unfold.Pad(x, n), packedW, offsets, full, 0, panel, bias, epilogue);
                            PoolImage(pool!.Value, (float[])(object)full, (float[])(object)y, indices!, n);
                        }
                    }
                    finally
                    {
                        ArrayPool<T>.Shared.Return(panel);
                        if (full is not null) ArrayPool<T>.Shared.Return(full);
                        unfold.Dispose();
                    }
                });
            }
            finally
            {
                ArrayPool<T>.Shared.Return(packedW);
                ArrayPool<int>.Shared.Return(offsets);
            }
        }

        /// <summary>Image <paramref name="n"/>'s output planes (at the start of <paramref name="full"/>) 2x2 max pooled into its outputs and indices.</summary>
        private static unsafe void PoolImage(in Pool2dGeometry pool, float[] full, float[] y, int[] indices, int n)
        {
            long at = (long)n * pool.C * pool.OutH * pool.OutW;
            fixed (float* from = full, to = y)
            fixed (int* where = indices)
                Pool.Max2x2Planes(pool, from, to + at, where + at, pool.C);
        }

        /// <summary>One image: y[at..] (O x OHW) from its bordered planes, panel by panel, K block by K block.</summary>
        private static void Image(in Conv2dGeometry g, T[] padded, T[] packedW, int[] offsets, T[] y, int at, T[] panel, T[]? bias, Epilogue epilogue)
        {
            int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, ow = g.OutW, wp = g.W + 2 * g.PadW;
            int mr = TTile.Mr, nr = TTile.Vectors * TVec.Count, kc = GemmBlocking.KBlockDepth(ckk);
            bool finish = bias is not null || epilogue != Epilogue.None;
            Span<T> tile = stackalloc T[mr * nr];
            ref T tileRef = ref MemoryMarshal.GetReference(tile);
            // A panel row as whole-vector copies of output-row runs: (where in the panel row, where in
            // the bordered plane), ascending, each run cut into vectors.
            Span<int> copies = stackalloc int[2 * (nr + 2 * nr / TVec.Count + 2)];
            for (int col = 0; col < ohw; col += nr)
            {
                int width = Math.Min(nr, ohw - col), count = 0;
                for (int t = col; t < col + width;)
                {
                    int p = t / ow, q = t - p * ow, length = Math.Min(ow - q, col + width - t);
                    for (int v = 0; v < length; v += TVec.Count, count += 2)
                    {
                        copies[count] = t - col + v;
                        copies[count + 1] = p * wp + q + v;
                    }
                    t += length;
                }
                for (int k0 = 0; k0 < ckk; k0 += kc)
                {
                    int kb = Math.Min(kc, ckk - k0);
                    bool first = k0 == 0;
                    Pack(padded, offsets, k0, kb, copies[..count], panel, nr);
                    for (int row = 0; row < g.O; row += mr)
                    {
                        int rows = Math.Min(mr, g.O - row);
                        ref T aRef = ref packedW[(row * ckk) + k0 * mr];
                        // As the blocked GEMM: whole tiles (and on AVX-512 full-row edges) straight into y, other edges through the scratch tile.
                        bool direct = rows == mr && (width == nr || width == TVec.Count || GemmBlocked<T, TVec, TTile>.MaskedEdges);
                        var output = direct ? new TileOutput<T, TVec>(ref y[at + row * ohw + col], (nuint)ohw, width, !first) : new TileOutput<T, TVec>(ref tileRef, (nuint)nr, nr, false);
                        if (width <= TVec.Count) TTile.RunNarrow<T, TVec, TileOutput<T, TVec>>(ref aRef, 1, mr, ref panel[0], nr, kb, ref output);
                        else TTile.Run<T, TVec, TileOutput<T, TVec>>(ref aRef, 1, mr, ref panel[0], nr, kb, ref output);
                        if (!direct) GemmBlocked<T, TVec, TTile>.StoreTile(tile, y, at + row * ohw + col, ohw, rows, width, first, false, T.One, T.Zero);
                    }
                }
            }
            if (finish) Finish(y, at, g.O, ohw, bias, epilogue);
        }

        /// <summary>
        /// Packs rows [k0, k0 + kb) of the panel: row k is the bordered image at offsets[k], copied
        /// vector by vector (<paramref name="copies"/>: panel column, plane offset). A vector may run
        /// past its run: into the next run or row, written after it, or the slack past the last row.
        /// </summary>
        private static void Pack(T[] padded, int[] offsets, int k0, int kb, ReadOnlySpan<int> copies, T[] panel, int nr)
        {
            ref T src = ref padded[0];
            ref T dst = ref panel[0];
            ref int copy = ref MemoryMarshal.GetReference(copies);
            for (int k = 0; k < kb; k++)
            {
                ref T from = ref Unsafe.Add(ref src, offsets[k0 + k]);
                ref T to = ref Unsafe.Add(ref dst, k * nr);
                for (int c = 0; c < copies.Length; c += 2)
                    TVec.Load(ref from, (nuint)Unsafe.Add(ref copy, c + 1)).Store(ref to, (nuint)Unsafe.Add(ref copy, c));
            }
        }

        /// <summary>
        /// y = epilogue(y + bias[o]) on the image's planes, in one pass while they are in cache (per
        /// tile it cost more than the tiles of a K = 25 convolution could hide); vectors, then a
        /// scalar tail.
        /// </summary>
        private static void Finish(T[] y, int at, int planes, int size, T[]? bias, Epilogue epilogue)
        {
            bool relu = epilogue == Epilogue.Relu, add = bias is not null;
            int w = TVec.Count, whole = size / w * w;
            // A plane's tail of a vector or more (14 x 14 = 12 vectors + 4) is one more vector ending at
            // the plane's end, computed before the whole vectors overwrite what it shares with them
            // and stored after (as the GEMM's Finish): no scalar tail with its mispredicted selects.
            bool backTail = whole < size && size >= w;
            for (int o = 0; o < planes; o++)
            {
                ref T dst = ref y[at + o * size];
                T b = add ? bias![o] : T.Zero;
                var bv = TVec.Broadcast(b);
                var tail = backTail ? Apply(TVec.Load(ref dst, (nuint)(size - w)), bv, add, relu) : default;
                for (int j = 0; j < whole; j += w) Apply(TVec.Load(ref dst, (nuint)j), bv, add, relu).Store(ref dst, (nuint)j);
                if (backTail) tail.Store(ref dst, (nuint)(size - w));
                else
                {
                    for (int j = whole; j < size; j++)
                    {
                        ref T v = ref Unsafe.Add(ref dst, j);
                        if (add) v += b;
                        v = EpilogueMath.Apply(epilogue, v);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TVec Apply(TVec v, TVec bias, bool add, bool relu)
        {
            if (add) v = TVec.Add(v, bias);
            return relu ? TVec.Relu(v) : v;
        }
    }
}
