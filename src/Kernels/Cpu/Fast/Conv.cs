using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The conv family: per image, an implicit GEMM for stride 1 forward (Conv.Implicit.cs), else
/// im2col (Conv.Unfold.cs) plus one GEMM. Images are split over the cores in fixed contiguous
/// ranges; each worker unfolds one image at a time into its own scratch (a CKK x OHW matrix small
/// enough to stay in L2, or the implicit GEMM's L1 panel) and runs that image's GEMM on its own
/// thread, so the unfolded data never travels through memory. The entry points keep their buffers
/// alive until the arrays they hand out are no longer read (see <see cref="CpuBuffer.KeepAlive"/>).
/// </summary>
internal static partial class Conv
{
    /// <summary>Fixed number of partial weight gradients (independent of the core count, so sums never depend on threads).</summary>
    private const int WeightChunks = 2;

    /// <summary>y = conv(x, w), plus bias[o] on every output of channel o when given, then the epilogue.</summary>
    public static void Forward<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, Epilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Forward(geometry, CpuBuffer.ArrayOf<T>(x), CpuBuffer.ArrayOf<T>(w), CpuBuffer.ArrayOf<T>(y), bias is null ? null : CpuBuffer.ArrayOf<T>(bias), epilogue);
        CpuBuffer.KeepAlive(x, w, y, bias);
    }

    /// <summary>dx: for stride 1 a forward convolution with the flipped kernel, else a GEMM and col2im per image.</summary>
    public static void BackwardInput<T>(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        BackwardInput(geometry, CpuBuffer.ArrayOf<T>(dy), CpuBuffer.ArrayOf<T>(w), CpuBuffer.ArrayOf<T>(dx));
        CpuBuffer.KeepAlive(dy, w, dx);
    }

    /// <summary>dw: <see cref="WeightChunks"/> partial sums over fixed image ranges, added in chunk order.</summary>
    public static void BackwardWeight<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        BackwardWeight(geometry, CpuBuffer.ArrayOf<T>(x), CpuBuffer.ArrayOf<T>(dy), CpuBuffer.ArrayOf<T>(dw), null);
        CpuBuffer.KeepAlive(x, dy, dw);
    }

    /// <summary>
    /// Whether <see cref="BackwardWeightAndBias{T}"/> sums the bias gradient in its pass: when the
    /// reduce family would take Reduce's split path (N, O and the output plane all above 1), whose
    /// order it repeats.
    /// </summary>
    public static bool SumsBiasInPass(in Conv2dGeometry g) => g.N > 1 && g.O > 1 && g.OutH * g.OutW > 1;

    /// <summary>
    /// dw as the weight gradient alone, and dbias[o], the sum of dy over N, H, W: each plane of
    /// dy[n] summed (<see cref="Reduce.RowSum{T}"/>) while the weight gradient has it in cache, the
    /// planes' sums then added from zero in image order, as Reduce's split path does (the same bits
    /// as a separate sum, without its pass over dy: the first layer's is 10 MB a step).
    /// </summary>
    public static void BackwardWeightAndBias<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer dbias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        BackwardWeight(geometry, CpuBuffer.ArrayOf<T>(x), CpuBuffer.ArrayOf<T>(dy), CpuBuffer.ArrayOf<T>(dw), CpuBuffer.ArrayOf<T>(dbias));
        CpuBuffer.KeepAlive(x, dy, dw, dbias);
    }

    private static void Forward<T>(Conv2dGeometry g, T[] x, T[] w, T[] y, T[]? bias = null, Epilogue epilogue = Epilogue.None) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (RunsImplicit(g))
        {
            ImplicitForward(GemmKernels.For(g.OutH * g.OutW), g, x, w, y, bias, epilogue);
            return;
        }
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW;
        Partition.Parallel(g.N, (long)g.N * g.O * ckk * ohw, (lo, hi) =>
        {
            var unfold = new Unfolder<T>(g);
            try
            {
                for (int n = lo; n < hi; n++)
                {
                    T[] col = unfold.Image(x, n);
                    // y[n] (O x OHW) = w (O x CKK) * col (CKK x OHW), then the bias and the epilogue while y[n] is in cache.
                    Gemm.Serial(new GemmArgs(1, g.O, ohw, ckk, false, false, 0, ckk, 0, 0, ohw, 0, n * g.O * ohw, ohw, 0), w, col, y);
                    for (int o = 0; o < g.O; o++)
                    {
                        var plane = y.AsSpan((n * g.O + o) * ohw, ohw);
                        if (bias is not null) TensorPrimitives.Add(plane, bias[o], plane);
                        EpilogueMath.Apply(epilogue, plane);
                    }
                }
            }
            finally
            {
                unfold.Dispose();
            }
        });
    }

    private static void BackwardInput<T>(Conv2dGeometry g, T[] dy, T[] w, T[] dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (AsForward(g) is { } full)
        {
            // Stride 1: dx is the full convolution of dy with the flipped, channel-swapped kernel,
            // which the forward path computes without a col2im pass.
            int kk = g.KH * g.KW;
            T[] flipped = ArrayPool<T>.Shared.Rent(g.O * g.C * kk);
            try
            {
                for (int o = 0; o < g.O; o++)
                for (int c = 0; c < g.C; c++)
                for (int k = 0; k < kk; k++)
                    flipped[(c * g.O + o) * kk + kk - 1 - k] = w[(o * g.C + c) * kk + k];
                Forward(full, dy, flipped, dx);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(flipped);
            }
            return;
        }
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW;
        Partition.Parallel(g.N, (long)g.N * g.O * ckk * ohw, (lo, hi) =>
        {
            T[] col = ArrayPool<T>.Shared.Rent(Math.Max(1, ckk * ohw));
            try
            {
                for (int n = lo; n < hi; n++)
                {
                    // dcol (CKK x OHW) = w^T (CKK x O) * dy[n] (O x OHW), then folded into dx[n].
                    Gemm.Serial(new GemmArgs(1, ckk, ohw, g.O, true, false, 0, ckk, 0, n * g.O * ohw, ohw, 0, 0, ohw, 0), w, dy, col);
                    Col2Im(g, col, n, dx);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(col);
            }
        });
    }

    /// <summary>
    /// Whether the forward runs as an implicit GEMM (Conv.Implicit.cs): stride 1 and dilation 1 (a
    /// shifted bordered image is then a row of the unfolded matrix), with at least two output
    /// channels and pixels (one would leave the register tile mostly idle; the GEMM's matrix-vector
    /// path takes those).
    /// </summary>
    private static bool RunsImplicit(in Conv2dGeometry g) =>
        g is { StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1 } && g.O > 1 && g.OutH * g.OutW > 1;

    /// <summary>
    /// For a stride-1, dilation-1 convolution whose padding is below the kernel size, the geometry of
    /// the forward convolution that computes its input gradient: dy in, dx out, padding K - 1 - P.
    /// Null for fewer than 8 input channels too: that forward convolution would have under 8 output
    /// rows per GEMM and unfold all O channels, and col2im is faster there.
    /// </summary>
    private static Conv2dGeometry? AsForward(in Conv2dGeometry g)
    {
        if (g is not { StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1 } || g.PadH > g.KH - 1 || g.PadW > g.KW - 1 || g.C < 8) return null;
        return new Conv2dGeometry(g.N, g.O, g.OutH, g.OutW, g.C, g.KH, g.KW, 1, 1, g.KH - 1 - g.PadH, g.KW - 1 - g.PadW, 1, 1);
    }

    /// <summary>dw (and dbias), dy read from <paramref name="dy"/>, or unpooled image by image from <paramref name="pooled"/>.</summary>
    private static void BackwardWeight<T>(Conv2dGeometry g, T[] x, T[]? dy, T[] dw, T[]? dbias, PooledGradient<T>? pooled = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.C * g.KH * g.KW, ohw = g.OutH * g.OutW, size = g.O * ckk;
        if (g.N == 0 || ohw == 0)
        {
            dw.AsSpan(0, size).Clear();
            dbias?.AsSpan(0, g.O).Clear();
            return;
        }
        int chunks = Math.Min(WeightChunks, g.N);
        // Each chunk of images accumulates dw^T (CKK x O) in its own scratch, so the unfolded
        // image is the row-major left operand; the chunks are then added, in chunk order, while
        // transposing into dw. An unfolded image of at most 32 rows (a first layer's C x K x K of
        // 25 or 27) is cheap to transpose into B's panels: then dw itself (O x CKK) accumulates,
        // dy the left operand (0.93-0.96 of the time, one core, in pairs; with 288 rows it took
        // 1.10-1.15). Every element sums the same products in the same order either way.
        bool byOutput = ckk <= 32;
        T[] partial = ArrayPool<T>.Shared.Rent(chunks * size);
        T[]? planeSums = dbias is null ? null : ArrayPool<T>.Shared.Rent(g.N * g.O);
        try
        {
            Partition.Parallel(chunks, (long)g.N * g.O * ckk * ohw, (lo, hi) =>
            {
                var unfold = new Unfolder<T>(g);
                T[]? image = pooled is null ? null : ArrayPool<T>.Shared.Rent(g.O * ohw);
                try
                {
                    for (int chunk = lo; chunk < hi; chunk++)
                    {
                        int n0 = (int)((long)g.N * chunk / chunks), n1 = (int)((long)g.N * (chunk + 1) / chunks);
                        for (int n = n0; n < n1; n++)
                        {
                            T[] col = unfold.Image(x, n);
                            T[] gy = dy!;
                            int at = n * g.O * ohw;
                            if (pooled is { } p)
                            {
                                p.Unpool(n, image!);
                                (gy, at) = (image!, 0);
                            }
                            // dw^T (CKK x O) (+)= col (CKK x OHW) * dy[n]^T (OHW x O), or dw (O x CKK) (+)= dy[n] * col^T, images in order.
                            if (byOutput) Gemm.Serial(new GemmArgs(1, g.O, ckk, ohw, false, true, at, ohw, 0, 0, ohw, 0, chunk * size, ckk, 0, 1, n == n0 ? 0 : 1), gy, col, partial);
                            else Gemm.Serial(new GemmArgs(1, ckk, g.O, ohw, false, true, 0, ohw, 0, at, ohw, 0, chunk * size, g.O, 0, 1, n == n0 ? 0 : 1), col, gy, partial);
                            if (planeSums is null) continue;
                            for (int o = 0; o < g.O; o++) planeSums[n * g.O + o] = Reduce.RowSum<T>(gy.AsSpan(at + o * ohw, ohw));
                        }
                    }
                }
                finally
                {
                    unfold.Dispose();
                    if (image is not null) ArrayPool<T>.Shared.Return(image);
                }
            });
            for (int o = 0; o < g.O; o++)
            {
                var row = dw.AsSpan(o * ckk, ckk);
                for (int k = 0; k < ckk; k++)
                {
                    int idx = byOutput ? o * ckk + k : k * g.O + o;
                    T sum = partial[idx];
                    for (int chunk = 1; chunk < chunks; chunk++) sum += partial[chunk * size + idx];
                    row[k] = sum;
                }
            }
            if (planeSums is not null) BiasFromPlaneSums(planeSums, g.N, g.O, dbias!);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(partial);
            if (planeSums is not null) ArrayPool<T>.Shared.Return(planeSums);
        }
    }

    /// <summary>dbias[o] = the sum over images of planeSums[n * O + o], from zero in image order (Reduce's split path's order).</summary>
    private static void BiasFromPlaneSums<T>(T[] planeSums, int images, int channels, T[] dbias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < channels; o++)
        {
            T sum = T.Zero;
            for (int n = 0; n < images; n++) sum += planeSums[n * channels + o];
            dbias[o] = sum;
        }
    }
}
