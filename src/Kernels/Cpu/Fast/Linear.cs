using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// A linear layer's backward (<see cref="Backend.LinearBackward"/>) in one pass over the output's
/// gradient g: g's rows are taken in chunks of the weight gradient's K blocks, and while a chunk of
/// g and of x is in cache it gives its rows of dx (the input gradient's GEMM, gated by x), its term
/// of dw and its rows' share of the bias gradient. Unfused, the three passes read g three times
/// and x twice from memory (fit's 10000 x 50 activations are 2 MB each, more than L2).
/// </summary>
internal static class Linear
{
    /// <summary>
    /// Whether the fused pass applies: the weight gradient cut in two halves along the rows (a deep
    /// product with a small output, <see cref="GemmBlocking.CutsK"/>), each half on its own core, and
    /// more than one input and output feature (a one-wide layer takes the GEMM's matrix-vector paths).
    /// </summary>
    public static bool Fuses(int rows, int inFeatures, int outFeatures) =>
        inFeatures > 1 && outFeatures > 1 && GemmBlocking.CutsK(outFeatures, inFeatures, rows);

    /// <summary>
    /// dw and dx with the bits of their GEMMs: the weight gradient's halves and K blocks are the
    /// GEMM's own (first half into dw, second into a scratch, then added), and every row of dx is the
    /// same product whichever block makes it. dbias sums each half's rows in order (first row, then
    /// each next added) and adds the second half's sum to the first's.
    /// </summary>
    public static void Backward<T>(int rows, int inFeatures, int outFeatures, DeviceBuffer g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer dw, DeviceBuffer? dx, bool gateByInput, DeviceBuffer? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] ga = CpuBuffer.ArrayOf<T>(g), xa = CpuBuffer.ArrayOf<T>(x), wa = CpuBuffer.ArrayOf<T>(w), dwa = CpuBuffer.ArrayOf<T>(dw);
        T[]? dxa = dx is null ? null : CpuBuffer.ArrayOf<T>(dx), dba = dbias is null ? null : CpuBuffer.ArrayOf<T>(dbias);
        int size = outFeatures * inFeatures, half = rows / 2;
        T[] second = ArrayPool<T>.Shared.Rent(size + outFeatures);
        try
        {
            var post = new GemmPost<T>(null, gateByInput ? Epilogue.ReluGradient : Epilogue.None, gateByInput ? xa : null);
            Action<int> part = p =>
            {
                if (p == 0) Half(0, half, inFeatures, outFeatures, ga, xa, wa, dwa, dxa, post, dba, 0);
                else Half(half, rows, inFeatures, outFeatures, ga, xa, wa, second, dxa, post, dba is null ? null : second, size);
            };
            if (Environment.ProcessorCount > 1) ForkJoin.Run(2, part);
            else
            {
                part(0);
                part(1);
            }
            for (int i = 0; i < size; i++) dwa[i] += second[i];
            if (dba is not null)
                for (int j = 0; j < outFeatures; j++) dba[j] += second[size + j];
        }
        finally
        {
            ArrayPool<T>.Shared.Return(second);
        }
        CpuBuffer.KeepAlive(g, x, w, dw);
        CpuBuffer.KeepAlive(dx, dbias);
    }

    /// <summary>Bytes of g, x and dx rows a chunk may span, so that they stay in L2 together (1-1.25 MB on the machines measured).</summary>
    private const int ChunkBytes = 512 * 1024;

    /// <summary>
    /// Rows [r0, r1) of g, in chunks of whole K blocks of the weight gradient (at most 8): each chunk's
    /// rows of dx (one GEMM), its term of dw's half (into <paramref name="dwPart"/>; one GEMM whose own
    /// K blocks are the unfused product's, else one per block) and its rows added to the half's bias sum
    /// (into <paramref name="bias"/> from <paramref name="biasAt"/>). Per chunk rather than per block:
    /// each GEMM call packs its B again (w for dx), and a block of 125 rows took 1.08 of the time of the
    /// three unfused passes, 8 blocks 0.98 (one core; two cores 0.92; 10000 x 50 x 50, in pairs).
    /// </summary>
    private static void Half<T>(int r0, int r1, int inFeatures, int outFeatures, T[] g, T[] x, T[] w, T[] dwPart, T[]? dx, in GemmPost<T> post, T[]? bias, int biasAt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int depth = GemmBlocking.KBlockDepth(r1 - r0, transA: true);
        int rowBytes = (2 * inFeatures + outFeatures) * Unsafe.SizeOf<T>();
        int chunk = depth * Math.Clamp(ChunkBytes / rowBytes / depth, 1, 8);
        for (int c0 = r0; c0 < r1; c0 += chunk)
        {
            int rows = Math.Min(chunk, r1 - c0);
            if (dx is not null)
                Gemm.Serial(LinearShapes.InputGradient(rows, inFeatures, outFeatures) with { OffsetA = c0 * outFeatures, OffsetC = c0 * inFeatures }, g, w, dx, post);
            // The chunk starts a K block, so a product whose own blocks are `depth` deep sums the same blocks.
            int step = GemmBlocking.KBlockDepth(rows, transA: true) == depth ? rows : depth;
            for (int k0 = c0; k0 < c0 + rows; k0 += step)
            {
                int kb = Math.Min(step, c0 + rows - k0);
                Gemm.Serial(LinearShapes.WeightGradient(kb, inFeatures, outFeatures) with { OffsetA = k0 * outFeatures, OffsetB = k0 * inFeatures, Beta = k0 == r0 ? 0 : 1 }, g, x, dwPart);
            }
            if (bias is null) continue;
            var sum = bias.AsSpan(biasAt, outFeatures);
            for (int r = c0; r < c0 + rows; r++)
            {
                var row = g.AsSpan(r * outFeatures, outFeatures);
                if (r == r0) row.CopyTo(sum);
                else Reduce.AddInto(sum, row);
            }
        }
    }
}
