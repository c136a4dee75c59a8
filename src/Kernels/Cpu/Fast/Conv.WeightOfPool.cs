using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

internal static partial class Conv
{
    /// <summary>
    /// dw (and dbias when given) of a convolution whose output was max pooled, from the pooled
    /// gradient. The full-size gradient is zero but at each window's maximum, so where the pooling
    /// keeps at most half the outputs (2x2 / stride 2: a quarter) and x is finite, dw is summed window
    /// by window (<see cref="Windows{T, TVec, TTile}"/>): a quarter of the dense product's multiply-adds, and
    /// no unpooling. Otherwise each image's full-size gradient is unpooled
    /// (<see cref="Pool.MaxBackwardPlane{T}"/>) into a scratch that stays in L2 for that image's
    /// weight gradient, with the bits of the pooling's backward then the weight gradient.
    /// </summary>
    public static void BackwardWeightOfMaxPool<T>(in Conv2dGeometry geometry, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer? gate, DeviceBuffer dw, DeviceBuffer? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] xa = CpuBuffer.ArrayOf<T>(x), dwa = CpuBuffer.ArrayOf<T>(dw);
        T[]? dba = dbias is null ? null : CpuBuffer.ArrayOf<T>(dbias);
        var pooled = new PooledGradient<T>(pool, CpuBuffer.ArrayOf<T>(dy), CpuBuffer.ArrayOf<int>(indices), gate is null ? null : CpuBuffer.ArrayOf<T>(gate));
        // A non-finite pixel must reach dw through the zero terms as the dense product's 0 * x does.
        if (WindowByWindow(geometry, pool) && TensorPrimitives.IsFiniteAll<T>(xa.AsSpan(0, geometry.Sizes.X)))
            WindowSums(GemmKernels.Host, geometry, pool, xa, pooled.Dy, pooled.Indices, pooled.Gates, dwa, dba);
        else BackwardWeight(geometry, xa, null, dwa, dba, pooled);
        CpuBuffer.KeepAlive(x, dy, indices, gate);
        CpuBuffer.KeepAlive(dw, dbias);
    }

    /// <summary>
    /// Whether the weight gradient of a pooled convolution is summed window by window: when the
    /// pooling keeps at most half the convolution's outputs (else the dense product does no more work).
    /// </summary>
    internal static bool WindowByWindow(in Conv2dGeometry g, in Pool2dGeometry p) => 2L * p.OutH * p.OutW <= (long)g.OutH * g.OutW;

    /// <summary>
    /// The window-by-window sums (<see cref="Windows{T, TVec, TTile}"/>) with the vectors and panel
    /// width of <paramref name="kernel"/> (tests run every kernel: each gives the same bits).
    /// </summary>
    internal static void WindowSums<T>(GemmKernel kernel, in Conv2dGeometry g, in Pool2dGeometry pool, T[] x, T[] dy, int[] indices, T[]? gates, T[] dw, T[]? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var body = new WindowBody<T>(g, x, new PooledGradient<T>(pool, dy, indices, gates), dw, dbias);
        Gemm.With<T, WindowBody<T>>(kernel, ref body);
    }

    /// <summary>The gradient of a convolution's max pooled output, its pooling's indices and the ReLU gate of its pooled values.</summary>
    private readonly record struct PooledGradient<T>(Pool2dGeometry Geometry, T[] Dy, int[] Indices, T[]? Gates) where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Image <paramref name="n"/>'s full-size gradient (O planes) into <paramref name="image"/>.</summary>
        public void Unpool(int n, T[] image)
        {
            int channels = Geometry.C, plane = Geometry.H * Geometry.W;
            for (int c = 0; c < channels; c++) Pool.MaxBackwardPlane(Geometry, n * channels + c, Dy, Indices, Gates, image.AsSpan(c * plane, plane));
        }

        /// <summary>Image <paramref name="n"/>'s pooled gradient with ReLU's rule by the gate (+0 where it is zero), O planes into <paramref name="gated"/>.</summary>
        public void Gated(int n, Span<T> gated)
        {
            int length = gated.Length, at = n * length;
            var from = Dy.AsSpan(at, length);
            if (Gates is null)
            {
                from.CopyTo(gated);
                return;
            }
            var by = Gates.AsSpan(at, length);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
                for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
                    Vector.ConditionalSelect(Vector.Equals(new Vector<T>(by[i..]), Vector<T>.Zero), Vector<T>.Zero, new Vector<T>(from[i..])).CopyTo(gated[i..]);
            for (; i < length; i++) gated[i] = EpilogueMath.Gate(from[i], by[i]);
        }
    }

    private readonly struct WindowBody<T>(Conv2dGeometry g, T[] x, PooledGradient<T> pooled, T[] dw, T[]? dbias) : IKernelBody<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run<TVec, TTile>() where TVec : struct, ISimd<TVec, T> where TTile : struct, ITile => Windows<T, TVec, TTile>.Run(g, x, pooled, dw, dbias);
    }

    /// <summary>
    /// dw[o, k] = sum over images and pooling windows of g[o, window] * patch(at)[k], where at is the
    /// window's maximum and patch(p) the C x KH x KW inputs under output pixel p: the dense product
    /// dy * col^T without the zeros between the maxima. Per image the patches are laid out one per
    /// pixel, as the GEMM packs col^T (its B panels: NR values per pixel, zero past C x KH x KW),
    /// then a pooled row's windows at a time (their patches stay in L1), four channels at a time add
    /// their windows' patches to their own vector accumulators. Every lane of dw sums its terms in
    /// image then window order, on any core count (images in <see cref="WeightChunks"/> fixed chunks,
    /// added in order) and any vector width. dbias sums each gated plane (<see cref="Reduce.RowSum{T}"/>)
    /// and the planes in image order.
    /// </summary>
    private static class Windows<T, TVec, TTile>
        where T : unmanaged, IFloatingPointIeee754<T> where TVec : struct, ISimd<TVec, T> where TTile : struct, ITile
    {
        public static void Run(Conv2dGeometry g, T[] x, PooledGradient<T> pooled, T[] dw, T[]? dbias)
        {
            int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, nr = TTile.Vectors * TVec.Count;
            int panels = (ckk + nr - 1) / nr, width = panels * nr, size = g.O * width;
            int windows = pooled.Geometry.OutH * pooled.Geometry.OutW, chunks = Math.Min(WeightChunks, g.N);
            if (g.N == 0)
            {
                dw.AsSpan(0, g.O * ckk).Clear();
                dbias?.AsSpan(0, g.O).Clear();
                return;
            }
            T[] partial = ArrayPool<T>.Shared.Rent(chunks * size);
            T[]? planeSums = dbias is null ? null : ArrayPool<T>.Shared.Rent(g.N * g.O);
            try
            {
                partial.AsSpan(0, chunks * size).Clear();
                // col^T as the GEMM's B: K = the output pixels, N = C x KH x KW, read from col transposed.
                var asB = new GemmArgs(1, 1, ckk, ohw, false, true, 0, 1, 0, 0, ohw, 0, 0, ckk, 0);
                Partition.Parallel(chunks, (long)g.N * g.O * ckk * windows, (lo, hi) =>
                {
                    var unfold = new Unfolder<T>(g);
                    // The GEMM's B scratch (no GEMM runs on this thread meanwhile): each patch row then
                    // starts a cache line, so no vector load splits one (unaligned: 1.1-1.2x the time).
                    var (patches, start) = GemmBlocked<T, TVec, TTile>.ScratchB(panels * ohw * nr);
                    T[] gated = ArrayPool<T>.Shared.Rent(g.O * windows);
                    try
                    {
                        for (int chunk = lo; chunk < hi; chunk++)
                        {
                            int n0 = (int)((long)g.N * chunk / chunks), n1 = (int)((long)g.N * (chunk + 1) / chunks);
                            for (int n = n0; n < n1; n++)
                            {
                                GemmBlocked<T, TVec, TTile>.PackB(asB, unfold.Image(x, n), 0, 0, ohw, 0, panels, patches, nr, start);
                                var planes = gated.AsSpan(0, g.O * windows);
                                pooled.Gated(n, planes);
                                var at = pooled.Indices.AsSpan(n * g.O * windows, g.O * windows);
                                // The patches are read at these indices unchecked: an index outside the plane
                                // (not the forward's; a negative one is a large unsigned) fails here, as the
                                // pooling's backward would fail.
                                if (TensorPrimitives.Max(MemoryMarshal.Cast<int, uint>(at)) >= (uint)ohw)
                                    throw new IndexOutOfRangeException($"conv2d backward-weight of max_pool2d: image {n} has a pooling index outside its {ohw}-element plane");
                                int pw = pooled.Geometry.OutW;
                                for (int k0 = 0; k0 < windows; k0 += pw)
                                    Accumulate(g.O, windows, k0, Math.Min(pw, windows - k0), ohw, width, planes, at, ref patches[start], partial.AsSpan(chunk * size, size));
                                if (planeSums is null) continue;
                                for (int o = 0; o < g.O; o++) planeSums[n * g.O + o] = Reduce.RowSum<T>(planes.Slice(o * windows, windows));
                            }
                        }
                    }
                    finally
                    {
                        ArrayPool<T>.Shared.Return(gated);
                        unfold.Dispose();
                    }
                });
                for (int o = 0; o < g.O; o++)
                for (int k = 0; k < ckk; k++)
                {
                    T sum = partial[o * width + k];
                    for (int chunk = 1; chunk < chunks; chunk++) sum += partial[chunk * size + o * width + k];
                    dw[o * ckk + k] = sum;
                }
                if (planeSums is not null) BiasFromPlaneSums(planeSums, g.N, g.O, dbias!);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(partial);
                if (planeSums is not null) ArrayPool<T>.Shared.Return(planeSums);
            }
        }

        /// <summary>
        /// acc[o] (width values per channel) += sum over windows [k0, k0 + count0) of gated[o, window] *
        /// patch(at[o, window]), windows in order (patch p's lanes [v, v + NR) at panel v / NR, row p);
        /// four channels at a time and two vectors per channel in registers, so eight multiply-add
        /// chains are in flight.
        /// </summary>
        private static void Accumulate(int channels, int windows, int k0, int count0, int pixels, int width, ReadOnlySpan<T> gated, ReadOnlySpan<int> at, ref T table, Span<T> acc)
        {
            int w = TVec.Count, nr = TTile.Vectors * w;
            for (int o0 = 0; o0 < channels; o0 += 4)
            {
                int count = Math.Min(4, channels - o0);
                for (int v = 0; v < width;)
                {
                    // Two vectors when both lie in one panel.
                    bool two = v % nr + w < nr;
                    ref T a0 = ref acc[o0 * width + v];
                    TVec s00 = TVec.Load(ref a0, 0), s01 = two ? TVec.Load(ref a0, (nuint)w) : default;
                    TVec s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
                    if (count > 1) { s10 = TVec.Load(ref a0, (nuint)width); if (two) s11 = TVec.Load(ref a0, (nuint)(width + w)); }
                    if (count > 2) { s20 = TVec.Load(ref a0, (nuint)(2 * width)); if (two) s21 = TVec.Load(ref a0, (nuint)(2 * width + w)); }
                    if (count > 3) { s30 = TVec.Load(ref a0, (nuint)(3 * width)); if (two) s31 = TVec.Load(ref a0, (nuint)(3 * width + w)); }
                    ref T column = ref Unsafe.Add(ref table, v / nr * pixels * nr + v % nr);
                    // The four channels' windows (indices and gated values), each plane `windows` long.
                    ref int i0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(at), o0 * windows + k0);
                    ref T q0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(gated), o0 * windows + k0);
                    if (count == 4 && two)
                    {
                        // The usual case, without the tests: four channels, two vectors each.
                        ref int i1 = ref Unsafe.Add(ref i0, windows), i2 = ref Unsafe.Add(ref i0, 2 * windows), i3 = ref Unsafe.Add(ref i0, 3 * windows);
                        ref T q1 = ref Unsafe.Add(ref q0, windows), q2 = ref Unsafe.Add(ref q0, 2 * windows), q3 = ref Unsafe.Add(ref q0, 3 * windows);
                        for (int k = 0; k < count0; k++)
                        {
                            ref T p0 = ref Unsafe.Add(ref column, (nint)Unsafe.Add(ref i0, k) * nr);
                            ref T p1 = ref Unsafe.Add(ref column, (nint)Unsafe.Add(ref i1, k) * nr);
                            ref T p2 = ref Unsafe.Add(ref column, (nint)Unsafe.Add(ref i2, k) * nr);
                            ref T p3 = ref Unsafe.Add(ref column, (nint)Unsafe.Add(ref i3, k) * nr);
                            TVec g0 = TVec.Broadcast(Unsafe.Add(ref q0, k)), g1 = TVec.Broadcast(Unsafe.Add(ref q1, k));
                            TVec g2 = TVec.Broadcast(Unsafe.Add(ref q2, k)), g3 = TVec.Broadcast(Unsafe.Add(ref q3, k));
                            TVec.Fma(ref s00, g0, TVec.Load(ref p0, 0));
                            TVec.Fma(ref s01, g0, TVec.Load(ref p0, (nuint)w));
                            TVec.Fma(ref s10, g1, TVec.Load(ref p1, 0));
                            TVec.Fma(ref s11, g1, TVec.Load(ref p1, (nuint)w));
                            TVec.Fma(ref s20, g2, TVec.Load(ref p2, 0));
                            TVec.Fma(ref s21, g2, TVec.Load(ref p2, (nuint)w));
                            TVec.Fma(ref s30, g3, TVec.Load(ref p3, 0));
                            TVec.Fma(ref s31, g3, TVec.Load(ref p3, (nuint)w));
                        }
                    }
                    else for (int k = 0; k < count0; k++)
                    {
                        ref T p0 = ref Unsafe.Add(ref column, (nint)Unsafe.Add(ref i0, k) * nr);
                        var g0 = TVec.Broadcast(Unsafe.Add(ref q0, k));
                        TVec.Fma(ref s00, g0, TVec.Load(ref p0, 0));
                        if (two) TVec.Fma(ref s01, g0, TVec.Load(ref p0, (nuint)w));
                        if (count > 1)
                        {
                            ref T p1 = ref Unsafe.Add(ref column, (nint)Unsafe.Add(ref i0, windows + k) * nr);
                            var g1 = TVec.Broadcast(Unsafe.Add(ref q0, windows + k));
                            TVec.Fma(ref s10, g1, TVec.Load(ref p1, 0));
                            if (two) TVec.Fma(ref s11, g1, TVec.Load(ref p1, (nuint)w));
                        }
                        if (count > 2)
                        {
                            ref T p2 = ref Unsafe.Add(ref column, (nint)Unsafe.Add(ref i0, 2 * windows + k) * nr);
                            var g2 = TVec.Broadcast(Unsafe.Add(ref q0, 2 * windows + k));
                            TVec.Fma(ref s20, g2, TVec.Load(ref p2, 0));
                            if (two) TVec.Fma(ref s21, g2, TVec.Load(ref p2, (nuint)w));
                        }
                        if (count > 3)
                        {
                            ref T p3 = ref Unsafe.Add(ref column, (nint)Unsafe.Add(ref i0, 3 * windows + k) * nr);
                            var g3 = TVec.Broadcast(Unsafe.Add(ref q0, 3 * windows + k));
                            TVec.Fma(ref s30, g3, TVec.Load(ref p3, 0));
                            if (two) TVec.Fma(ref s31, g3, TVec.Load(ref p3, (nuint)w));
                        }
                    }
                    s00.Store(ref a0, 0);
                    if (two) s01.Store(ref a0, (nuint)w);
                    if (count > 1) { s10.Store(ref a0, (nuint)width); if (two) s11.Store(ref a0, (nuint)(width + w)); }
                    if (count > 2) { s20.Store(ref a0, (nuint)(2 * width)); if (two) s21.Store(ref a0, (nuint)(2 * width + w)); }
                    if (count > 3) { s30.Store(ref a0, (nuint)(3 * width)); if (two) s31.Store(ref a0, (nuint)(3 * width + w)); }
                    v += two ? 2 * w : w;
                }
            }
        }
    }
}
