using System.Numerics;
using TinyGrad.Kernels;

namespace TinyGrad;

/// <summary>
/// The comparisons, one struct each: name, scalar test and the host CPU's vector mask. They give 1 or 0
/// in the inputs' dtype (Float32, Float64 or Int32) and have no gradient. <c>Tensor.Eq</c> and the
/// others apply them with broadcasting (Ops/Elementwise.cs).
/// </summary>
internal static class Comparisons
{
    public readonly struct Equal : IComparison<Equal>
    {
        public static string Name => "eq";
        public static bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a == b;
        public static Vector<T> Mask<T>(Vector<T> a, Vector<T> b) where T : unmanaged, INumber<T> => Vector.Equals(a, b);
    }

    public readonly struct NotEqual : IComparison<NotEqual>
    {
        public static string Name => "ne";
        public static bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a != b;
        public static Vector<T> Mask<T>(Vector<T> a, Vector<T> b) where T : unmanaged, INumber<T> => ~Vector.Equals(a, b);
    }

    public readonly struct Less : IComparison<Less>
    {
        public static string Name => "lt";
        public static bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a < b;
        public static Vector<T> Mask<T>(Vector<T> a, Vector<T> b) where T : unmanaged, INumber<T> => Vector.LessThan(a, b);
    }

    public readonly struct LessEqual : IComparison<LessEqual>
    {
        public static string Name => "le";
        public static bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a <= b;
        public static Vector<T> Mask<T>(Vector<T> a, Vector<T> b) where T : unmanaged, INumber<T> => Vector.LessThanOrEqual(a, b);
    }

    public readonly struct Greater : IComparison<Greater>
    {
        public static string Name => "gt";
        public static bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a > b;
        public static Vector<T> Mask<T>(Vector<T> a, Vector<T> b) where T : unmanaged, INumber<T> => Vector.GreaterThan(a, b);
    }

    public readonly struct GreaterEqual : IComparison<GreaterEqual>
    {
        public static string Name => "ge";
        public static bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a >= b;
        public static Vector<T> Mask<T>(Vector<T> a, Vector<T> b) where T : unmanaged, INumber<T> => Vector.GreaterThanOrEqual(a, b);
    }
}
