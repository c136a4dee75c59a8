using System.Numerics;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The gemm family: the blocked GEMM (Gemm.Blocked.cs) compiled for the widest vectors this host
/// runs, with the register tile that fits its register file and the product's width
/// (<see cref="GemmKernels.For"/>). C in A's or B's buffer goes to the reference (see
/// <see cref="CpuBackend.Fallbacks"/>).
/// </summary>
internal static class Gemm
{
    /// <summary>The product split over the cores, then the bias on every row when given, then the epilogue.</summary>
    public static void Run<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, Epilogue epilogue, DeviceBuffer? aux = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        Dispatch(GemmKernels.For(args.N), args, CpuBuffer.ArrayOf<T>(a), CpuBuffer.ArrayOf<T>(b), CpuBuffer.ArrayOf<T>(c),
            new GemmPost<T>(bias is null ? null : CpuBuffer.ArrayOf<T>(bias), epilogue, aux is null ? null : CpuBuffer.ArrayOf<T>(aux)), serial: false);

    /// <summary>GEMM on the calling thread (for callers that already split their work over the cores), then the bias and epilogue when given.</summary>
    public static void Serial<T>(GemmArgs g, T[] a, T[] b, T[] c, in GemmPost<T> post = default) where T : unmanaged, IFloatingPointIeee754<T> =>
        Dispatch(GemmKernels.For(g.N), g, a, b, c, post, serial: true);

    /// <summary>The product with a chosen kernel (tests run every kernel's code at widths this host has).</summary>
    internal static void Dispatch<T>(GemmKernel kernel, in GemmArgs g, T[] a, T[] b, T[] c, in GemmPost<T> post, bool serial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var body = new Blocked<T>(g, a, b, c, post, serial);
        With<T, Blocked<T>>(kernel, ref body);
    }

    /// <summary>Runs <paramref name="body"/> with the vector width and register tile of <paramref name="kernel"/>.</summary>
    internal static void With<T, TBody>(GemmKernel kernel, ref TBody body)
        where T : unmanaged, IFloatingPointIeee754<T> where TBody : struct, IKernelBody<T>
    {
        switch (kernel)
        {
            case GemmKernel.Avx512Tile8x2: body.Run<V512<T>, Tile8x2>(); break;
            case GemmKernel.Avx512Tile8x3: body.Run<V512<T>, Tile8x3>(); break;
            case GemmKernel.Avx2Tile6x2: body.Run<V256<T>, Tile6x2>(); break;
            case GemmKernel.Avx2Tile8x2: body.Run<V256<T>, Tile8x2>(); break;
            case GemmKernel.Sse128Tile6x2: body.Run<V128<T>, Tile6x2>(); break;
            default: body.Run<V128<T>, Tile8x2>(); break; // Neon128Tile8x2
        }
    }

    private readonly struct Blocked<T>(GemmArgs g, T[] a, T[] b, T[] c, GemmPost<T> post, bool serial) : IKernelBody<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run<TVec, TTile>() where TVec : struct, ISimd<TVec, T> where TTile : struct, ITile
        {
            if (serial) GemmBlocked<T, TVec, TTile>.Serial(g, a, b, c, post);
            else GemmBlocked<T, TVec, TTile>.Run(g, a, b, c, post);
        }
    }
}

/// <summary>Code written once over the vector width and register tile, run by <see cref="Gemm.With{T, TBody}"/> with a kernel's.</summary>
internal interface IKernelBody<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The code, with the kernel's vectors and tile.</summary>
    void Run<TVec, TTile>() where TVec : struct, ISimd<TVec, T> where TTile : struct, ITile;
}
