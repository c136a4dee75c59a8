using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels;

/// <summary>
/// What a GEMM or a convolution forward does to each output after the bias, while the output is
/// still at hand (cuBLASLt's epilogue): saves the separate pass over the output that an activation
/// op would make.
/// </summary>
public enum Epilogue
{
    /// <summary>The output as computed.</summary>
    None,

    /// <summary>max(y, 0) as PyTorch's relu: 0 below 0, y itself otherwise (NaN and -0 kept).</summary>
    Relu,

    /// <summary>
    /// ReLU's gradient rule on a GEMM's output: y where the auxiliary input (a ReLU's output, laid out
    /// as C) is nonzero, +0 where it is zero (NaN is nonzero), as PyTorch's threshold_backward; the
    /// gradient of a layer's input passes its ReLU's mask in the same pass (cuBLASLt's DRELU). GEMM only.
    /// </summary>
    ReluGradient,
}

/// <summary>The scalar definition every backend's epilogue follows.</summary>
internal static class EpilogueMath
{
    /// <summary><paramref name="y"/> after <paramref name="epilogue"/> (inlined: the GEMM's row tails call it per element); <see cref="Epilogue.ReluGradient"/> selects by its auxiliary input, see <see cref="Gate{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Apply<T>(Epilogue epilogue, T y) where T : INumberBase<T>, IComparisonOperators<T, T, bool> =>
        epilogue == Epilogue.Relu && y < T.Zero ? T.Zero : y;

    /// <summary>Applies <paramref name="epilogue"/> to every element of <paramref name="y"/> in place (vectors, then a scalar tail).</summary>
    public static void Apply<T>(Epilogue epilogue, Span<T> y) where T : unmanaged, INumberBase<T>, IComparisonOperators<T, T, bool>
    {
        if (epilogue != Epilogue.Relu) return;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var zero = Vector<T>.Zero;
            ref T at = ref MemoryMarshal.GetReference(y);
            for (; i <= y.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = Vector.LoadUnsafe(ref at, (nuint)i);
                Vector.ConditionalSelect(Vector.LessThan(v, zero), zero, v).StoreUnsafe(ref at, (nuint)i);
            }
        }
        for (; i < y.Length; i++) y[i] = Apply(epilogue, y[i]);
    }

    /// <summary><see cref="Epilogue.ReluGradient"/>'s rule: <paramref name="y"/> where <paramref name="aux"/> is nonzero (NaN included), else +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Gate<T>(T y, T aux) where T : INumberBase<T> => T.IsZero(aux) ? T.Zero : y;

    /// <summary>How a profile names the epilogue after the op's shapes ("" for none).</summary>
    public static string Label(Epilogue epilogue) => epilogue == Epilogue.None ? "" : " " + epilogue.ToString().ToLowerInvariant();
}
