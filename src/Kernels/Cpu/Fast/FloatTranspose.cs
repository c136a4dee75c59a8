using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>The 8 x 8 float register transpose (AVX unpack/shuffle/permute) shared by strided copies and GEMM packing.</summary>
internal static class FloatTranspose
{
    /// <summary>Whether <see cref="Tile8x8"/> runs here.</summary>
    public static bool IsSupported => Avx.IsSupported;

    /// <summary><c>d[r * ldd + i] = s[r + i * lds]</c> for r, i &lt; 8: rows of s become columns of d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile8x8(ref float s, int lds, ref float d, int ldd)
    {
        var x0 = Vector256.LoadUnsafe(ref s);
        var x1 = Vector256.LoadUnsafe(ref s, (nuint)lds);
        var x2 = Vector256.LoadUnsafe(ref s, (nuint)(2 * lds));
        var x3 = Vector256.LoadUnsafe(ref s, (nuint)(3 * lds));
        var x4 = Vector256.LoadUnsafe(ref s, (nuint)(4 * lds));
        var x5 = Vector256.LoadUnsafe(ref s, (nuint)(5 * lds));
        var x6 = Vector256.LoadUnsafe(ref s, (nuint)(6 * lds));
        var x7 = Vector256.LoadUnsafe(ref s, (nuint)(7 * lds));
        var t0 = Avx.UnpackLow(x0, x1); var t1 = Avx.UnpackHigh(x0, x1);
        var t2 = Avx.UnpackLow(x2, x3); var t3 = Avx.UnpackHigh(x2, x3);
        var t4 = Avx.UnpackLow(x4, x5); var t5 = Avx.UnpackHigh(x4, x5);
        var t6 = Avx.UnpackLow(x6, x7); var t7 = Avx.UnpackHigh(x6, x7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref d);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref d, (nuint)ldd);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref d, (nuint)(2 * ldd));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref d, (nuint)(3 * ldd));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref d, (nuint)(4 * ldd));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref d, (nuint)(5 * ldd));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref d, (nuint)(6 * ldd));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref d, (nuint)(7 * ldd));
    }
}
