using System.Numerics;
using System.Numerics.Tensors;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad;

/// <summary>
/// The binary elementwise ops, one struct each: name, scalar form, the host CPU's span forms
/// (TensorPrimitives) and the gradient rule. <c>Tensor.Add</c> and the others apply them with
/// broadcasting (Ops/Elementwise.cs).
/// </summary>
internal static class BinaryOps
{
    public readonly struct Add : IBinaryRule<Add>
    {
        public static string Name => "add";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a + b;
        public static void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(a, b, y);
        public static void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(a, b, y);
        public static void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(b, a, y);
        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g) => [g, g];
    }

    public readonly struct Sub : IBinaryRule<Sub>
    {
        public static string Name => "sub";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a - b;
        public static void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(a, b, y);
        public static void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(a, b, y);
        public static void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(a, b, y);
        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g) => [g, -g];
    }

    public readonly struct Mul : IBinaryRule<Mul>
    {
        public static string Name => "mul";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a * b;
        public static void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(a, b, y);
        public static void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(a, b, y);
        public static void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(b, a, y);
        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g) => [a.RequiresGrad ? g * b : null, b.RequiresGrad ? g * a : null];
    }

    public readonly struct Div : IBinaryRule<Div>
    {
        public static string Name => "div";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a / b;
        public static void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(a, b, y);
        public static void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(a, b, y);
        public static void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(a, b, y);
        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g) => [a.RequiresGrad ? g / b : null, b.RequiresGrad ? -(g * y / b) : null];
    }

    /// <summary>
    /// a ^ b. Gradients follow PyTorch where the formulas give 0 * inf: 0 with respect to a where
    /// b == 0 (x^0 is constant, also at x = 0), 0 with respect to b where a == 0 and b &gt;= 0.
    /// </summary>
    public readonly struct Pow : IBinaryRule<Pow>
    {
        public static string Name => "pow";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(a, b);
        public static void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(a, b, y);
        public static void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(a, b, y);
        public static void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(a, b, y);

        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g)
        {
            var zero = g.ScalarLike(0);
            return
            [
                a.RequiresGrad ? Tensor.Where(b.Eq(0.0), zero, g * b * a.Pow(b - 1.0)) : null,
                b.RequiresGrad ? Tensor.Where(a.Eq(0.0) * b.Ge(b.ScalarLike(0)), zero, g * y * a.Log()) : null,
            ];
        }
    }

    /// <summary>
    /// The larger value (.NET's Math.Max: NaN wins, +0 over -0). The gradient goes to the larger input,
    /// half to each on ties, and all of it to both where either is NaN (as in PyTorch).
    /// </summary>
    public readonly struct Maximum : IBinaryRule<Maximum>
    {
        public static string Name => "maximum";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => ScalarMath.Max(a, b);
        public static void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(a, b, y);
        public static void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(a, b, y);
        public static void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(b, a, y);
        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g) => Share(g, a.Gt(b), b.Gt(a), a.Eq(b));
    }

    /// <summary>The smaller value (.NET's Math.Min); gradient as for <see cref="Maximum"/>, to the smaller input.</summary>
    public readonly struct Minimum : IBinaryRule<Minimum>
    {
        public static string Name => "minimum";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => ScalarMath.Min(a, b);
        public static void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(a, b, y);
        public static void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(a, b, y);
        public static void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(b, a, y);
        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g) => Share(g, a.Lt(b), b.Lt(a), a.Eq(b));
    }

    /// <summary>
    /// log(1 + e^a), or a itself where a &gt; b: PyTorch's softplus with threshold b (Tensor.Softplus);
    /// gradient sigmoid(a), 1 above the threshold, none for the threshold.
    /// </summary>
    public readonly struct Softplus : IBinaryRule<Softplus>, IVectorBinaryOp<Softplus>
    {
        public static string Name => "softplus";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a > b ? a : ScalarMath.Log1p(T.Exp(a));
        public static Vector<T> Invoke<T>(Vector<T> a, Vector<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.ConditionalSelect(Vector.GreaterThan(a, b), a, VectorMath.Log1p(VectorMath.Exp(a)));
        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g) => [Tensor.Where(a.Gt(b), g, g * a.Sigmoid()), null];
    }

    /// <summary>
    /// a where a &gt; 0, else a b: PyTorch's leaky_relu with slope b (Tensor.LeakyRelu; NaN and -0 kept).
    /// Gradient 1 above 0, else b, at 0 too (as PyTorch); for the slope, a below 0.
    /// </summary>
    public readonly struct LeakyRelu : IBinaryRule<LeakyRelu>, IVectorBinaryOp<LeakyRelu>
    {
        public static string Name => "leaky_relu";
        public static T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a > T.Zero ? a : a * b;
        public static Vector<T> Invoke<T>(Vector<T> a, Vector<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.ConditionalSelect(Vector.GreaterThan(a, Vector<T>.Zero), a, a * b);

        public static Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g)
        {
            var positive = a.Gt(0);
            return [Tensor.Where(positive, g, g * b), b.RequiresGrad ? Tensor.Where(positive, g.ScalarLike(0), g * a) : null];
        }
    }

    /// <summary>
    /// Gradient of a pick between a and b: a keeps all of it unless b wins, b unless a wins, half each on
    /// ties. A NaN pair neither wins nor ties (comparisons with NaN are false), so both keep all of it.
    /// </summary>
    private static Tensor?[] Share(Tensor g, Tensor aWins, Tensor bWins, Tensor tie)
    {
        var half = tie * 0.5;
        return [g * (1.0 - bWins - half), g * (1.0 - aWins - half)];
    }
}
