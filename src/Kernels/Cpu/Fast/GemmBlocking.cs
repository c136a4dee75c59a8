namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// How the blocked GEMM cuts K, from the shape alone (never from the core count, so the bits never
/// depend on it): blocks summed one after another into C, and deep products with a small output
/// cut in two halves multiplied apart and then added (Gemm.Blocked.cs). Callers that run a product
/// in pieces (the implicit convolution, the linear layer's fused backward) cut it the same way to
/// get the same bits.
/// </summary>
internal static class GemmBlocking
{
    /// <summary>Target depth of one K block.</summary>
    internal const int Kc = 256;

    /// <summary>
    /// Target depth of one K block when A is read in place transposed: each k then touches a cache
    /// line of A per row panel, not Mr values of a packed panel, so a shallower block keeps A's and
    /// B's panels in L1 together (fit's weight gradient, 50 x 50 x 10000: 0.85 of the time with 128
    /// against 256; 20 x 700 x 700 0.93; 1024^3 and 256 x 256 x 1024 unchanged; one core, in pairs,
    /// Xeon family 6 model 106).
    /// </summary>
    internal const int KcTransposedA = 128;

    /// <summary>Depth from which a product with at most <see cref="DeepOutput"/> outputs is cut in two along K.</summary>
    internal const int DeepK = 2048;

    /// <summary>Largest output (M x N) of a product cut along K.</summary>
    internal const long DeepOutput = 1 << 16;

    /// <summary>
    /// The depth of each K block of a K-deep product (the last may be shorter): K cut evenly into
    /// blocks of at most <see cref="Kc"/>, or <see cref="KcTransposedA"/> when A is transposed. The
    /// blocks are summed one after another into C, so the depth depends on the shape only.
    /// </summary>
    internal static int KBlockDepth(int k, bool transA = false)
    {
        int target = transA ? KcTransposedA : Kc;
        int blocks = Math.Max(1, (k + target - 1) / target);
        return (k + blocks - 1) / blocks;
    }

    /// <summary>Whether a product of this shape is cut into two halves along K (<c>K / 2</c> and the rest), each multiplied into its own output, then added.</summary>
    internal static bool CutsK(int m, int n, int k) => k >= DeepK && (long)m * n <= DeepOutput;
}
