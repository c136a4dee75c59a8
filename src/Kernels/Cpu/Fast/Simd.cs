using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// One SIMD register width as the kernels need it, so they are written once and compiled for
/// 128, 256 and 512 bits (each implementation is a struct: the JIT specialises every use and keeps
/// the single vector field in a register). A kernel runs at any width on any x86-64 host, which is
/// how the tests check the 512-bit kernels' code on machines without AVX-512.
/// </summary>
internal interface ISimd<TSelf, T> where TSelf : struct, ISimd<TSelf, T> where T : unmanaged
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether this width runs in hardware here.</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>Count elements from <paramref name="at"/> + <paramref name="offset"/>.</summary>
    static abstract TSelf Load(ref T at, nuint offset);

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TSelf Broadcast(T value);

    /// <summary>
    /// acc = a * b + acc, rounded once. It writes the accumulator in place: returning a new struct
    /// made the JIT target a dying multiplicand (vfmadd213 plus a register move per FMA).
    /// </summary>
    static abstract void Fma(ref TSelf acc, TSelf a, TSelf b);

    /// <summary>a + b.</summary>
    static abstract TSelf Add(TSelf a, TSelf b);

    /// <summary>a - b.</summary>
    static abstract TSelf Subtract(TSelf a, TSelf b);

    /// <summary>a * b.</summary>
    static abstract TSelf Multiply(TSelf a, TSelf b);

    /// <summary>a / b.</summary>
    static abstract TSelf Divide(TSelf a, TSelf b);

    /// <summary>Square root of every lane.</summary>
    static abstract TSelf Sqrt(TSelf a);

    /// <summary>0 in the lanes below 0, the lane itself otherwise (NaN and -0 kept, as the ReLU epilogue).</summary>
    static abstract TSelf Relu(TSelf a);

    /// <summary>a where g is nonzero (NaN included), +0 where g is zero (ReLU's gradient rule).</summary>
    static abstract TSelf Gate(TSelf a, TSelf g);

    /// <summary>
    /// The first <paramref name="count"/> elements from <paramref name="at"/> + <paramref name="offset"/>
    /// (all when count is Count or more), zero in the other lanes, reading nothing past them.
    /// </summary>
    static abstract TSelf LoadFirst(ref T at, nuint offset, int count);

    /// <summary>Stores the first <paramref name="count"/> lanes (none when count is 0 or less), writing nothing past them.</summary>
    void StoreFirst(ref T at, nuint offset, int count);

    /// <summary>Lane <paramref name="index"/>.</summary>
    T this[int index] { get; }

    /// <summary>Stores the lanes at <paramref name="at"/> + <paramref name="offset"/>.</summary>
    void Store(ref T at, nuint offset);
}

/// <summary>128-bit vectors (SSE, NEON).</summary>
internal struct V128<T>(Vector128<T> v) : ISimd<V128<T>, T> where T : unmanaged
{
    private Vector128<T> v = v;

    public static int Count => Vector128<T>.Count;

    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;

    public readonly T this[int index] => v.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Load(ref T at, nuint offset) => new(Vector128.LoadUnsafe(ref at, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Broadcast(T value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fma(ref V128<T> acc, V128<T> a, V128<T> b)
    {
        if (typeof(T) == typeof(float))
            acc.v = Vector128.FusedMultiplyAdd(a.v.As<T, float>(), b.v.As<T, float>(), acc.v.As<T, float>()).As<float, T>();
        else
            acc.v = Vector128.FusedMultiplyAdd(a.v.As<T, double>(), b.v.As<T, double>(), acc.v.As<T, double>()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Add(V128<T> a, V128<T> b) => new(a.v + b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Subtract(V128<T> a, V128<T> b) => new(a.v - b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Multiply(V128<T> a, V128<T> b) => new(a.v * b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Divide(V128<T> a, V128<T> b) => new(a.v / b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Sqrt(V128<T> a) => new(Vector128.Sqrt(a.v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128<T> Gate(V128<T> a, V128<T> g) => new(Vector128.ConditionalSelect(Vector128.Equals(g.v, Vector128<T>.Zero), Vector128<T>.Zero, a.v));

    public static V128<T> Relu(V128<T> a) => new(Vector128.ConditionalSelect(Vector128.LessThan(a.v, Vector128<T>.Zero), Vector128<T>.Zero, a.v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ref T at, nuint offset) => v.StoreUnsafe(ref at, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe V128<T> LoadFirst(ref T at, nuint offset, int count)
    {
        if (Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            fixed (T* p = &Unsafe.Add(ref at, offset))
            {
                if (typeof(T) == typeof(float)) return new(Avx.MaskLoad((float*)p, Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).AsSingle()).As<float, T>());
                return new(Avx.MaskLoad((double*)p, Vector128.LessThan(Vector128<long>.Indices, Vector128.Create((long)count)).AsDouble()).As<double, T>());
            }
        }
        return PartialVector.Load<V128<T>, T>(ref at, offset, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly unsafe void StoreFirst(ref T at, nuint offset, int count)
    {
        if (Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            fixed (T* p = &Unsafe.Add(ref at, offset))
            {
                if (typeof(T) == typeof(float)) Avx.MaskStore((float*)p, Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).AsSingle(), v.As<T, float>());
                else Avx.MaskStore((double*)p, Vector128.LessThan(Vector128<long>.Indices, Vector128.Create((long)count)).AsDouble(), v.As<T, double>());
            }
            return;
        }
        PartialVector.Store(this, ref at, offset, count);
    }
}

/// <summary>256-bit vectors (AVX2 with FMA3).</summary>
internal struct V256<T>(Vector256<T> v) : ISimd<V256<T>, T> where T : unmanaged
{
    private Vector256<T> v = v;

    public static int Count => Vector256<T>.Count;

    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    public readonly T this[int index] => v.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Load(ref T at, nuint offset) => new(Vector256.LoadUnsafe(ref at, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Broadcast(T value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fma(ref V256<T> acc, V256<T> a, V256<T> b)
    {
        if (typeof(T) == typeof(float))
            acc.v = Vector256.FusedMultiplyAdd(a.v.As<T, float>(), b.v.As<T, float>(), acc.v.As<T, float>()).As<float, T>();
        else
            acc.v = Vector256.FusedMultiplyAdd(a.v.As<T, double>(), b.v.As<T, double>(), acc.v.As<T, double>()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Add(V256<T> a, V256<T> b) => new(a.v + b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Subtract(V256<T> a, V256<T> b) => new(a.v - b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Multiply(V256<T> a, V256<T> b) => new(a.v * b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Divide(V256<T> a, V256<T> b) => new(a.v / b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Sqrt(V256<T> a) => new(Vector256.Sqrt(a.v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Gate(V256<T> a, V256<T> g) => new(Vector256.ConditionalSelect(Vector256.Equals(g.v, Vector256<T>.Zero), Vector256<T>.Zero, a.v));

    public static V256<T> Relu(V256<T> a) => new(Vector256.ConditionalSelect(Vector256.LessThan(a.v, Vector256<T>.Zero), Vector256<T>.Zero, a.v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ref T at, nuint offset) => v.StoreUnsafe(ref at, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe V256<T> LoadFirst(ref T at, nuint offset, int count)
    {
        if (Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            fixed (T* p = &Unsafe.Add(ref at, offset))
            {
                if (typeof(T) == typeof(float)) return new(Avx.MaskLoad((float*)p, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle()).As<float, T>());
                return new(Avx.MaskLoad((double*)p, Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).AsDouble()).As<double, T>());
            }
        }
        return PartialVector.Load<V256<T>, T>(ref at, offset, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly unsafe void StoreFirst(ref T at, nuint offset, int count)
    {
        if (Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            fixed (T* p = &Unsafe.Add(ref at, offset))
            {
                if (typeof(T) == typeof(float)) Avx.MaskStore((float*)p, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle(), v.As<T, float>());
                else Avx.MaskStore((double*)p, Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).AsDouble(), v.As<T, double>());
            }
            return;
        }
        PartialVector.Store(this, ref at, offset, count);
    }
}

/// <summary>512-bit vectors (AVX-512F).</summary>
internal struct V512<T>(Vector512<T> v) : ISimd<V512<T>, T> where T : unmanaged
{
    private Vector512<T> v = v;

    public static int Count => Vector512<T>.Count;

    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    public readonly T this[int index] => v.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Load(ref T at, nuint offset) => new(Vector512.LoadUnsafe(ref at, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Broadcast(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fma(ref V512<T> acc, V512<T> a, V512<T> b)
    {
        if (typeof(T) == typeof(float))
            acc.v = Vector512.FusedMultiplyAdd(a.v.As<T, float>(), b.v.As<T, float>(), acc.v.As<T, float>()).As<float, T>();
        else
            acc.v = Vector512.FusedMultiplyAdd(a.v.As<T, double>(), b.v.As<T, double>(), acc.v.As<T, double>()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Add(V512<T> a, V512<T> b) => new(a.v + b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Subtract(V512<T> a, V512<T> b) => new(a.v - b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Multiply(V512<T> a, V512<T> b) => new(a.v * b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Divide(V512<T> a, V512<T> b) => new(a.v / b.v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Sqrt(V512<T> a) => new(Vector512.Sqrt(a.v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Gate(V512<T> a, V512<T> g) => new(Vector512.ConditionalSelect(Vector512.Equals(g.v, Vector512<T>.Zero), Vector512<T>.Zero, a.v));

    public static V512<T> Relu(V512<T> a) => new(Vector512.ConditionalSelect(Vector512.LessThan(a.v, Vector512<T>.Zero), Vector512<T>.Zero, a.v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ref T at, nuint offset) => v.StoreUnsafe(ref at, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe V512<T> LoadFirst(ref T at, nuint offset, int count)
    {
        if (Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            fixed (T* p = &Unsafe.Add(ref at, offset))
            {
                if (typeof(T) == typeof(float)) return new(Avx512F.MaskLoad((float*)p, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle(), Vector512<float>.Zero).As<float, T>());
                return new(Avx512F.MaskLoad((double*)p, Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).AsDouble(), Vector512<double>.Zero).As<double, T>());
            }
        }
        return PartialVector.Load<V512<T>, T>(ref at, offset, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly unsafe void StoreFirst(ref T at, nuint offset, int count)
    {
        if (Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            fixed (T* p = &Unsafe.Add(ref at, offset))
            {
                if (typeof(T) == typeof(float)) Avx512F.MaskStore((float*)p, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle(), v.As<T, float>());
                else Avx512F.MaskStore((double*)p, Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).AsDouble(), v.As<T, double>());
            }
            return;
        }
        PartialVector.Store(this, ref at, offset, count);
    }
}

/// <summary>Partial loads and stores element by element, for widths this CPU has no masked moves for (called out of line).</summary>
internal static class PartialVector
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static TVec Load<TVec, T>(ref T at, nuint offset, int count) where TVec : struct, ISimd<TVec, T> where T : unmanaged
    {
        Span<T> lanes = stackalloc T[TVec.Count];
        lanes.Clear();
        for (int i = 0; i < Math.Min(count, TVec.Count); i++) lanes[i] = Unsafe.Add(ref at, offset + (nuint)i);
        return TVec.Load(ref lanes[0], 0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Store<TVec, T>(TVec value, ref T at, nuint offset, int count) where TVec : struct, ISimd<TVec, T> where T : unmanaged
    {
        for (int i = 0; i < Math.Min(count, TVec.Count); i++) Unsafe.Add(ref at, offset + (nuint)i) = value[i];
    }
}
