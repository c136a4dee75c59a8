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

    /// <summary>e^x per lane (.NET's vector exp, a few ulp).</summary>
    public static Vector<T> Exp<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector.Exp(x.As<T, float>()).As<float, T>() : Vector.Exp(x.As<T, double>()).As<double, T>();

    /// <summary>Natural logarithm per lane (.NET's vector log).</summary>
    public static Vector<T> Log<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector.Log(x.As<T, float>()).As<float, T>() : Vector.Log(x.As<T, double>()).As<double, T>();

    /// <summary><see cref="ScalarMath.Expm1{T}"/> per lane.</summary>
    public static Vector<T> Expm1<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> u = Exp(x), um1 = u - Vector<T>.One;
        Vector<T> r = um1 * x / Log(u);
        r = Vector.ConditionalSelect(Vector.Equals(um1, -Vector<T>.One) | Vector.Equals(u, new Vector<T>(T.PositiveInfinity)), um1, r);
        return Vector.ConditionalSelect(Vector.Equals(u, Vector<T>.One), x, r);
    }

    /// <summary><see cref="ScalarMath.Log1p{T}"/> per lane.</summary>
    public static Vector<T> Log1p<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> u = Vector<T>.One + x;
        Vector<T> r = Vector.ConditionalSelect(Vector.Equals(u, new Vector<T>(T.PositiveInfinity)), u, Log(u) * x / (u - Vector<T>.One));
        return Vector.ConditionalSelect(Vector.Equals(u, Vector<T>.One), x, r);
    }

    /// <summary><see cref="ScalarMath.Tanh{T}"/> per lane.</summary>
    public static Vector<T> Tanh<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> a = Vector.Abs(x), e = Expm1(-(a + a));
        Vector<T> r = -e / (new Vector<T>(T.One + T.One) + e);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), -r, Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), r, x));
    }
}
