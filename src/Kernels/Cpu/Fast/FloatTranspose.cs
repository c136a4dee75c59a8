using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>The 8 x 8 float register transpose (AVX unpack/shuffle/permute) shared by strided copies and GEMM packing.</summary>
internal static class FloatTranspose
{
    /// <summary>Whether the transposes run here (AVX).</summary>
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
        Store(x0, x1, x2, x3, x4, x5, x6, x7, ref d, ldd);
    }

    /// <summary>
    /// <see cref="Tile8x8(ref float, int, ref float, int)"/> of the first <paramref name="rows"/> (1 to 8)
    /// rows of s, the rest read as zeros: d's columns past them are written 0 and s is not read there.
    /// </summary>
    public static void Tile8x8(ref float s, int lds, int rows, ref float d, int ldd)
    {
        var z = Vector256<float>.Zero;
        var x0 = Vector256.LoadUnsafe(ref s);
        var x1 = rows > 1 ? Vector256.LoadUnsafe(ref s, (nuint)lds) : z;
        var x2 = rows > 2 ? Vector256.LoadUnsafe(ref s, (nuint)(2 * lds)) : z;
        var x3 = rows > 3 ? Vector256.LoadUnsafe(ref s, (nuint)(3 * lds)) : z;
        var x4 = rows > 4 ? Vector256.LoadUnsafe(ref s, (nuint)(4 * lds)) : z;
        var x5 = rows > 5 ? Vector256.LoadUnsafe(ref s, (nuint)(5 * lds)) : z;
        var x6 = rows > 6 ? Vector256.LoadUnsafe(ref s, (nuint)(6 * lds)) : z;
        var x7 = rows > 7 ? Vector256.LoadUnsafe(ref s, (nuint)(7 * lds)) : z;
        Store(x0, x1, x2, x3, x4, x5, x6, x7, ref d, ldd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> x0, Vector256<float> x1, Vector256<float> x2, Vector256<float> x3,
        Vector256<float> x4, Vector256<float> x5, Vector256<float> x6, Vector256<float> x7, ref float d, int ldd)
    {
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
