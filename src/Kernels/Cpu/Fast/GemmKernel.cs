using System.Runtime.Intrinsics;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>A vector width and register tile of the blocked GEMM.</summary>
internal enum GemmKernel
{
    /// <summary>512-bit vectors, 8 x 2 tile (16 accumulators of the 32 AVX-512 registers): Zen 4, Zen 5.</summary>
    Avx512Tile8x2,

    /// <summary>512-bit vectors, 8 x 3 tile (24 accumulators, fewer loads per FMA): products of 128 columns or more on AVX-512 (<see cref="GemmKernels.For"/>).</summary>
    Avx512Tile8x3,

    /// <summary>256-bit vectors, 6 x 2 tile (12 accumulators of the 16 AVX2 registers): Zen 3 and other AVX2 hosts.</summary>
    Avx2Tile6x2,

    /// <summary>256-bit vectors, 8 x 2 tile: spills on AVX2 (16 registers); there to compare and to test the 8 x 2 code here.</summary>
    Avx2Tile8x2,

    /// <summary>128-bit vectors, 6 x 2 tile (SSE's 16 registers).</summary>
    Sse128Tile6x2,

    /// <summary>128-bit vectors, 8 x 2 tile (NEON's 32 registers).</summary>
    Neon128Tile8x2,
}

/// <summary>Which <see cref="GemmKernel"/> runs here.</summary>
internal static class GemmKernels
{
    /// <summary>The names TINYGRAD_GEMM_KERNEL takes, by kernel.</summary>
    public static readonly IReadOnlyDictionary<string, GemmKernel> ByName = new Dictionary<string, GemmKernel>
    {
        ["avx512-8x2"] = GemmKernel.Avx512Tile8x2,
        ["avx512-8x3"] = GemmKernel.Avx512Tile8x3,
        ["avx2-6x2"] = GemmKernel.Avx2Tile6x2,
        ["avx2-8x2"] = GemmKernel.Avx2Tile8x2,
        ["sse-6x2"] = GemmKernel.Sse128Tile6x2,
        ["neon-8x2"] = GemmKernel.Neon128Tile8x2,
    };

    /// <summary>TINYGRAD_GEMM_KERNEL, read once (static initializers run in textual order: before <see cref="Host"/>).</summary>
    private static readonly string? Requested = Environment.GetEnvironmentVariable("TINYGRAD_GEMM_KERNEL");

    /// <summary>
    /// The kernel for this host: the widest vectors that run in hardware, unless TINYGRAD_GEMM_KERNEL
    /// names another (for A/B timing on one machine; a kernel whose width does not run here is refused).
    /// </summary>
    public static GemmKernel Host { get; } = Select(Requested);

    /// <summary>Whether TINYGRAD_GEMM_KERNEL fixed the kernel (then every product uses it).</summary>
    private static readonly bool Fixed = !string.IsNullOrEmpty(Requested);

    /// <summary>
    /// The kernel for a product of <paramref name="n"/> output columns: on AVX-512, the 8 x 3 tile once
    /// there are 128 columns or more (enough whole 48-wide panels), else the host's. Every kernel gives
    /// the same bits, so the choice changes only the time. Pairs, one core, Xeon family 6 model 106,
    /// 8x3 / 8x2: 1024^3 0.87-0.91, 512^3 0.89-0.93, the mlp's products 0.78-0.98 (its weight gradients,
    /// K = 100, 0.78-0.84), convolutions with 196-1024 output pixels 0.84-0.96; but 64 pixels 1.16 and
    /// fit's 50 columns 1.05 (a last panel of 16 columns runs the one-vector tile, load-bound), hence
    /// the threshold. Zen 4 (one 512-bit FMA a cycle) is unmeasured: the 8 x 3 tile issues fewer loads
    /// per FMA there too.
    /// </summary>
    public static GemmKernel For(int n) => !Fixed && Host == GemmKernel.Avx512Tile8x2 && n >= 128 ? GemmKernel.Avx512Tile8x3 : Host;

    internal static GemmKernel Select(string? requested)
    {
        if (string.IsNullOrEmpty(requested))
            return Vector512.IsHardwareAccelerated ? GemmKernel.Avx512Tile8x2
                : Vector256.IsHardwareAccelerated ? GemmKernel.Avx2Tile6x2
                : System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? GemmKernel.Neon128Tile8x2
                : GemmKernel.Sse128Tile6x2;
        if (!ByName.TryGetValue(requested, out var kernel))
            throw new ArgumentException($"TINYGRAD_GEMM_KERNEL: unknown kernel '{requested}' (known: {string.Join(", ", ByName.Keys)})");
        bool runs = kernel switch
        {
            GemmKernel.Avx512Tile8x2 or GemmKernel.Avx512Tile8x3 => Vector512.IsHardwareAccelerated,
            GemmKernel.Avx2Tile6x2 or GemmKernel.Avx2Tile8x2 => Vector256.IsHardwareAccelerated,
            _ => Vector128.IsHardwareAccelerated,
        };
        if (!runs) throw new ArgumentException($"TINYGRAD_GEMM_KERNEL: kernel '{requested}' needs vectors this CPU does not run in hardware ({CpuKind.Host})");
        return kernel;
    }

    /// <summary>The name of <paramref name="kernel"/> as TINYGRAD_GEMM_KERNEL writes it.</summary>
    public static string Name(GemmKernel kernel)
    {
        foreach (var (name, k) in ByName)
            if (k == kernel) return name;
        return kernel.ToString();
    }
}
