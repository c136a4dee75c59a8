using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>A unary op with a vector form (hardware width) that agrees with its scalar form.</summary>
internal interface IVectorUnaryOp<TSelf> : IUnaryOp<TSelf> where TSelf : struct, IVectorUnaryOp<TSelf>
{
    /// <summary>The op on one vector of elements.</summary>
    static abstract Vector<T> Invoke<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The vector form over whole vectors, the scalar form on the tail.</summary>
    static void IUnaryOp<TSelf>.Invoke<T>(ReadOnlySpan<T> x, Span<T> y) => VectorMath.Map<T, TSelf>(x, y);
}

/// <summary>Vector loops and vector forms of scalar functions for the elementwise ops' span forms.</summary>
internal static class VectorMath
{
    /// <summary><c>y[i] = TOp(x[i])</c>: vectors, then the scalar form on the tail.</summary>
    public static void Map<T, TOp>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IVectorUnaryOp<TOp>
    {
        int n = x.Length, i = 0;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            Vector.StoreUnsafe(TOp.Invoke(Vector.LoadUnsafe(ref xr, (nuint)i)), ref yr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = TOp.Invoke(Unsafe.Add(ref xr, i));
    }
}
