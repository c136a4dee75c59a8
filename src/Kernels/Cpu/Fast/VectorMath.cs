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

/// <summary>A binary op with a vector form (hardware width) that agrees with its scalar form.</summary>
internal interface IVectorBinaryOp<TSelf> : IBinaryOp<TSelf> where TSelf : struct, IVectorBinaryOp<TSelf>
{
    /// <summary>The op on one pair of vectors.</summary>
    static abstract Vector<T> Invoke<T>(Vector<T> a, Vector<T> b) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The vector form over whole vectors, the scalar form on the tail.</summary>
    static void IBinaryOp<TSelf>.Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => VectorMath.Map<T, VectorBinary<T, TSelf>>(a, 1, b, 1, y);

    /// <summary>The vector form with <paramref name="b"/> in every lane.</summary>
    static void IBinaryOp<TSelf>.Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) => VectorMath.Map<T, VectorBinary<T, TSelf>>(a, 1, new ReadOnlySpan<T>(in b), 0, y);

    /// <summary>The vector form with <paramref name="a"/> in every lane.</summary>
    static void IBinaryOp<TSelf>.Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) => VectorMath.Map<T, VectorBinary<T, TSelf>>(new ReadOnlySpan<T>(in a), 0, b, 1, y);
}

/// <summary>A function of two elements with a vector form, for one element type: what VectorMath.Map runs over a pair of spans.</summary>
internal interface IPairLanes<T> where T : unmanaged
{
    /// <summary>The function on one pair of vectors.</summary>
    static abstract Vector<T> Invoke(Vector<T> a, Vector<T> b);

    /// <summary>The function on one pair of elements.</summary>
    static abstract T Invoke(T a, T b);
}

/// <summary>A binary op's vector and scalar forms.</summary>
internal readonly struct VectorBinary<T, TOp> : IPairLanes<T> where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IVectorBinaryOp<TOp>
{
    public static Vector<T> Invoke(Vector<T> a, Vector<T> b) => TOp.Invoke(a, b);
    public static T Invoke(T a, T b) => TOp.Invoke(a, b);
}

/// <summary>A comparison as 1 or 0 in the element type: its mask and its test.</summary>
internal readonly struct VectorComparison<T, TOp> : IPairLanes<T> where T : unmanaged, INumber<T> where TOp : struct, IComparison<TOp>
{
    public static Vector<T> Invoke(Vector<T> a, Vector<T> b) => TOp.Mask(a, b) & Vector<T>.One;
    public static T Invoke(T a, T b) => TOp.Test(a, b) ? T.One : T.Zero;
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

    /// <summary><c>y[i] = TLanes(a[i], b[i])</c>: vectors, then the scalar form; a step of 0 repeats that operand's single element.</summary>
    public static void Map<T, TLanes>(ReadOnlySpan<T> a, int stepA, ReadOnlySpan<T> b, int stepB, Span<T> y) where T : unmanaged where TLanes : IPairLanes<T>
    {
        int n = y.Length, i = 0;
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T yr = ref MemoryMarshal.GetReference(y);
        Vector<T> fixedA = new(ar), fixedB = new(br);
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
        {
            Vector<T> va = stepA == 0 ? fixedA : Vector.LoadUnsafe(ref ar, (nuint)i);
            Vector<T> vb = stepB == 0 ? fixedB : Vector.LoadUnsafe(ref br, (nuint)i);
            Vector.StoreUnsafe(TLanes.Invoke(va, vb), ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = TLanes.Invoke(Unsafe.Add(ref ar, i * stepA), Unsafe.Add(ref br, i * stepB));
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
