using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// Max pooling's common window, 2x2 / stride 2 / no padding: one row of outputs at a time, a
/// vector of outputs per chunk (AVX-512 or AVX2 for float), the four candidates compared in the
/// reference's order with strict greater-than so the first maximum wins. A chunk holding a NaN goes
/// through the scalar rule. Branch-free: the scalar loop's compares depend on the data, and on a
/// Zen 3 it took five times as long.
/// </summary>
internal static partial class Pool
{
    /// <summary>One chunk of a row of 2x2 windows at one vector width.</summary>
    private interface IMax2x2Chunk
    {
        /// <summary>Outputs per chunk.</summary>
        static abstract int Lanes { get; }

        /// <summary>
        /// The windows whose top-left inputs are plane[a0 + 2 j] and bottom-left plane[c0 + 2 j], j below
        /// <paramref name="count"/> (at most <see cref="Lanes"/>; only their inputs are read): their maxima and
        /// flat positions to y and at. False, with nothing written, when an input is NaN.
        /// </summary>
        static abstract unsafe bool Chunk(float* plane, int a0, int c0, int count, float* y, int* at);
    }

    private static unsafe void MaxPool2x2Single<TChunk>(Pool2dGeometry g, float[] x, float[] y, int[] idx) where TChunk : IMax2x2Chunk
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW;
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * 4, (lo, hi) =>
        {
            fixed (float* xp = x, yp = y)
            fixed (int* ip = idx)
                Max2x2Planes<TChunk>(g, xp + (long)lo * planeIn, yp + (long)lo * planeOut, ip + (long)lo * planeOut, hi - lo);
        });
    }

    /// <summary>Whether <see cref="Max2x2Planes(in Pool2dGeometry, float*, float*, int*, int)"/> runs here: float 2x2 / stride 2 windows, AVX-512 or AVX2.</summary>
    internal static bool HasMax2x2Planes(in Pool2dGeometry g) =>
        g is { KH: 2, KW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 } && (Avx512F.IsSupported || Avx2.IsSupported);

    /// <summary>
    /// 2x2 max pooling of <paramref name="planes"/> consecutive input planes of <paramref name="g"/>'s
    /// size at <paramref name="x"/> into the outputs and indices at <paramref name="y"/> and
    /// <paramref name="at"/>, on the calling thread (for a caller that pools each image as it makes it).
    /// </summary>
    internal static unsafe void Max2x2Planes(in Pool2dGeometry g, float* x, float* y, int* at, int planes)
    {
        if (Avx512F.IsSupported) Max2x2Planes<Max2x2Avx512>(g, x, y, at, planes);
        else Max2x2Planes<Max2x2Avx2>(g, x, y, at, planes);
    }

    private static unsafe void Max2x2Planes<TChunk>(in Pool2dGeometry g, float* x, float* y, int* at, int planes) where TChunk : IMax2x2Chunk
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW, width = g.W, oh = g.OutH, ow = g.OutW;
        for (int nc = 0; nc < planes; nc++)
        {
            float* plane = x + (long)nc * planeIn;
            for (int p = 0; p < oh; p++)
            {
                int r0 = 2 * p * width, r1 = r0 + width, o = nc * planeOut + p * ow;
                for (int q = 0; q < ow; q += TChunk.Lanes)
                {
                    int count = Math.Min(TChunk.Lanes, ow - q);
                    if (TChunk.Chunk(plane, r0 + 2 * q, r1 + 2 * q, count, y + o + q, at + o + q)) continue;
                    for (int j = q; j < q + count; j++) MaxPool2x2Scalar(plane, r0 + 2 * j, r1 + 2 * j, out y[o + j], out at[o + j]);
                }
            }
        }
    }

    /// <summary>16 windows: the even and odd columns of two rows split by a two-register permute; short chunks use masked loads (-inf) and stores.</summary>
    private readonly struct Max2x2Avx512 : IMax2x2Chunk
    {
        public static int Lanes => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe bool Chunk(float* plane, int a0, int c0, int count, float* y, int* at)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odds = evens + Vector512<int>.One;
            Vector512<float> t0, t1, b0, b1;
            if (count == 16)
            {
                (t0, t1) = (Vector512.Load(plane + a0), Vector512.Load(plane + a0 + 16));
                (b0, b1) = (Vector512.Load(plane + c0), Vector512.Load(plane + c0 + 16));
            }
            else
            {
                var fill = Vector512.Create(float.NegativeInfinity);
                var m0 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(2 * count)).AsSingle();
                var m1 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(2 * count - 16)).AsSingle();
                (t0, t1) = (Avx512F.MaskLoad(plane + a0, m0, fill), Avx512F.MaskLoad(plane + a0 + 16, m1, fill));
                (b0, b1) = (Avx512F.MaskLoad(plane + c0, m0, fill), Avx512F.MaskLoad(plane + c0 + 16, m1, fill));
            }
            var a = Avx512F.PermuteVar16x32x2(t0, evens, t1);
            var b = Avx512F.PermuteVar16x32x2(t0, odds, t1);
            var c = Avx512F.PermuteVar16x32x2(b0, evens, b1);
            var d = Avx512F.PermuteVar16x32x2(b0, odds, b1);
            var nan = ~Vector512.Equals(a, a) | ~Vector512.Equals(b, b) | ~Vector512.Equals(c, c) | ~Vector512.Equals(d, d);
            if (nan != Vector512<float>.Zero) return false;
            var atA = Vector512.Create(a0) + evens;
            var atC = Vector512.Create(c0) + evens;
            var best = a;
            var take = Vector512.GreaterThan(b, best);
            best = Vector512.ConditionalSelect(take, b, best);
            var pos = Vector512.ConditionalSelect(take.AsInt32(), atA + Vector512<int>.One, atA);
            take = Vector512.GreaterThan(c, best);
            best = Vector512.ConditionalSelect(take, c, best);
            pos = Vector512.ConditionalSelect(take.AsInt32(), atC, pos);
            take = Vector512.GreaterThan(d, best);
            best = Vector512.ConditionalSelect(take, d, best);
            pos = Vector512.ConditionalSelect(take.AsInt32(), atC + Vector512<int>.One, pos);
            if (count == 16)
            {
                best.Store(y);
                pos.Store(at);
            }
            else
            {
                var mo = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count));
                Avx512F.MaskStore(y, mo.AsSingle(), best);
                Avx512F.MaskStore(at, mo, pos);
            }
            return true;
        }
    }

    /// <summary>
    /// 8 windows: the even and odd columns of two rows gathered by an in-lane shuffle of the two
    /// registers and a cross-lane 64-bit permute that puts the windows back in order; short chunks
    /// use masked loads (the lanes left out read as 0 and are never stored) and masked stores.
    /// </summary>
    private readonly struct Max2x2Avx2 : IMax2x2Chunk
    {
        public static int Lanes => 8;

        /// <summary>Shuffle control picking elements 0 and 2 of each register's 128-bit half (1 and 3 for the odd columns).</summary>
        private const byte EvenPairs = 0b10_00_10_00, OddPairs = 0b11_01_11_01;

        /// <summary>64-bit chunks in the order 0, 2, 1, 3: windows 0-1, 4-5, 2-3, 6-7 back to 0-7.</summary>
        private const byte InOrder = 0b11_01_10_00;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe bool Chunk(float* plane, int a0, int c0, int count, float* y, int* at)
        {
            Vector256<float> t0, t1, b0, b1;
            if (count == 8)
            {
                (t0, t1) = (Vector256.Load(plane + a0), Vector256.Load(plane + a0 + 8));
                (b0, b1) = (Vector256.Load(plane + c0), Vector256.Load(plane + c0 + 8));
            }
            else
            {
                var m0 = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(2 * count)).AsSingle();
                var m1 = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(2 * count - 8)).AsSingle();
                (t0, t1) = (Avx.MaskLoad(plane + a0, m0), Avx.MaskLoad(plane + a0 + 8, m1));
                (b0, b1) = (Avx.MaskLoad(plane + c0, m0), Avx.MaskLoad(plane + c0 + 8, m1));
            }
            var a = Columns(t0, t1, EvenPairs);
            var b = Columns(t0, t1, OddPairs);
            var c = Columns(b0, b1, EvenPairs);
            var d = Columns(b0, b1, OddPairs);
            var nan = ~Vector256.Equals(a, a) | ~Vector256.Equals(b, b) | ~Vector256.Equals(c, c) | ~Vector256.Equals(d, d);
            if (nan != Vector256<float>.Zero) return false;
            var evens = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
            var atA = Vector256.Create(a0) + evens;
            var atC = Vector256.Create(c0) + evens;
            var best = a;
            var take = Vector256.GreaterThan(b, best);
            best = Vector256.ConditionalSelect(take, b, best);
            var pos = Vector256.ConditionalSelect(take.AsInt32(), atA + Vector256<int>.One, atA);
            take = Vector256.GreaterThan(c, best);
            best = Vector256.ConditionalSelect(take, c, best);
            pos = Vector256.ConditionalSelect(take.AsInt32(), atC, pos);
            take = Vector256.GreaterThan(d, best);
            best = Vector256.ConditionalSelect(take, d, best);
            pos = Vector256.ConditionalSelect(take.AsInt32(), atC + Vector256<int>.One, pos);
            if (count == 8)
            {
                best.Store(y);
                pos.Store(at);
            }
            else
            {
                var mo = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count));
                Avx.MaskStore(y, mo.AsSingle(), best);
                Avx2.MaskStore(at, mo, pos);
            }
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Columns(Vector256<float> lo, Vector256<float> hi, [ConstantExpected] byte pairs) =>
            Avx2.Permute4x64(Avx.Shuffle(lo, hi, pairs).AsDouble(), InOrder).AsSingle();
    }

    /// <summary>One 2x2 window by the reference's rule (candidates in order, first maximum wins, NaN over numbers).</summary>
    private static unsafe void MaxPool2x2Scalar(float* plane, int a0, int c0, out float value, out int at)
    {
        float best = plane[a0];
        int bestAt = a0;
        TakeFirstMax(plane[a0 + 1], a0 + 1, ref best, ref bestAt);
        TakeFirstMax(plane[c0], c0, ref best, ref bestAt);
        TakeFirstMax(plane[c0 + 1], c0 + 1, ref best, ref bestAt);
        value = best;
        at = bestAt;
    }

    /// <summary>The 2x2 window in the element type, scalar: four candidates in the reference's order, no bounds tests.</summary>
    private static void MaxPool2x2<T>(Pool2dGeometry g, T[] x, T[] y, int[] idx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.H * g.W, planeOut = g.OutH * g.OutW, width = g.W, oh = g.OutH, ow = g.OutW;
        Partition.Parallel(g.N * g.C, (long)g.N * g.C * planeOut * 4, (lo, hi) =>
        {
            for (int nc = lo; nc < hi; nc++)
            {
                ReadOnlySpan<T> plane = x.AsSpan(nc * planeIn, planeIn);
                Span<T> yo = y.AsSpan(nc * planeOut, planeOut);
                Span<int> io = idx.AsSpan(nc * planeOut, planeOut);
                for (int p = 0; p < oh; p++)
                {
                    int r0 = 2 * p * width, r1 = r0 + width, o = p * ow;
                    for (int q = 0; q < ow; q++)
                    {
                        int a0 = r0 + 2 * q, c0 = r1 + 2 * q;
                        T best = plane[a0];
                        int bestAt = a0;
                        TakeFirstMax(plane[a0 + 1], a0 + 1, ref best, ref bestAt);
                        TakeFirstMax(plane[c0], c0, ref best, ref bestAt);
                        TakeFirstMax(plane[c0 + 1], c0 + 1, ref best, ref bestAt);
                        yo[o + q] = best;
                        io[o + q] = bestAt;
                    }
                }
            }
        });
    }

    /// <summary>
    /// Max pooling backward of one plane for 2x2 / stride 2 / no padding windows (float): each cell of
    /// dx written once (a few twice, with the same value), its window's dy where the window's index
    /// points at it and +0 elsewhere, four windows (eight cells of a row pair) per 256-bit step; the same bits as the scatter-add into
    /// zeros (0 + dy turns -0 into +0). When <paramref name="gated"/>, dy is +0 where the gate is zero.
    /// False, leaving the plane to the scatter, when an index lies outside its own window (not the
    /// forward's indices, which the contract asks for).
    /// </summary>
    private static bool MaxBackward2x2(in Pool2dGeometry g, Span<float> plane, ReadOnlySpan<float> from, ReadOnlySpan<int> at, ReadOnlySpan<float> gate, bool gated)
    {
        int w = g.W, oh = g.OutH, ow = g.OutW;
        var column = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var below = Vector256.Create(w);
        for (int p = 0; p < oh; p++)
        {
            int r0 = 2 * p * w, r1 = r0 + w, o0 = p * ow, q = 0;
            // Four windows a step; a row's last step moves back to end at the row's end, rewriting a
            // few windows with the same values, so no scalar tail (whose data-dependent selects
            // mispredicted: 1.3-5x the scatter's time at widths 28 and 14).
            while (ow >= 4 && q < ow)
            {
                q = Math.Min(q, ow - 4);
                var v128 = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(from), (nuint)(o0 + q));
                // ReLU's rule by the gate: +0 where it is zero (NaN is not).
                if (gated) v128 = Vector128.ConditionalSelect(Vector128.Equals(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(gate), (nuint)(o0 + q)), Vector128<float>.Zero), Vector128<float>.Zero, v128);
                var i128 = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(at), (nuint)(o0 + q));
                // Constant shuffle indices, written in place: the JIT makes a vpermps/vpermd only of a constant.
                var value = Vector256.Shuffle(Vector256.Create(v128, v128), Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
                var offset = Vector256.Shuffle(Vector256.Create(i128, i128), Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3)) - Vector256.Create(r0 + 2 * q) - column;
                var top = Vector256.Equals(offset, Vector256<int>.Zero);
                var bottom = Vector256.Equals(offset, below);
                var hit = top | bottom;
                if (!Vector256.EqualsAll(hit | Vector256.Shuffle(hit, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)), Vector256<int>.AllBitsSet)) return false;
                value = Vector256<float>.Zero + value;
                Vector256.ConditionalSelect(top.AsSingle(), value, Vector256<float>.Zero).StoreUnsafe(ref MemoryMarshal.GetReference(plane), (nuint)(r0 + 2 * q));
                Vector256.ConditionalSelect(bottom.AsSingle(), value, Vector256<float>.Zero).StoreUnsafe(ref MemoryMarshal.GetReference(plane), (nuint)(r1 + 2 * q));
                q += 4;
            }
            // Rows of fewer than four windows: four zeros, then dy at the maximum.
            for (; q < ow; q++)
            {
                int d = at[o0 + q] - (r0 + 2 * q);
                if (d != 0 && d != 1 && d != w && d != w + 1) return false;
                plane[r0 + 2 * q] = plane[r0 + 2 * q + 1] = plane[r1 + 2 * q] = plane[r1 + 2 * q + 1] = 0f;
                plane[r0 + 2 * q + d] = 0f + (gated ? EpilogueMath.Gate(from[o0 + q], gate[o0 + q]) : from[o0 + q]);
            }
            // An odd width leaves the last column outside every window.
            for (int c = 2 * ow; c < w; c++) plane[r0 + c] = plane[r1 + c] = 0f;
        }
        // An odd height leaves the last row outside every window.
        plane[(2 * oh * w)..].Clear();
        return true;
    }
}
