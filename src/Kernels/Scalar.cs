using System.Numerics;

namespace TinyGrad.Kernels;

/// <summary>The scalar definition of every elementwise op: the meaning all kernels must match.</summary>
public static class Scalar
{
    /// <summary>Applies <paramref name="op"/> to one element.</summary>
    public static T Unary<T>(UnaryOp op, T x) where T : IFloatingPointIeee754<T> => op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Exp => T.Exp(x),
        UnaryOp.Log => T.Log(x),
        UnaryOp.Sqrt => T.Sqrt(x),
        UnaryOp.Abs => T.Abs(x),
        UnaryOp.Sign => x > T.Zero ? T.One : x < T.Zero ? -T.One : x,
        UnaryOp.Sin => T.Sin(x),
        UnaryOp.Cos => T.Cos(x),
        UnaryOp.Tanh => T.Tanh(x),
        UnaryOp.Sigmoid => T.One / (T.One + T.Exp(-x)),
        UnaryOp.Relu => x > T.Zero || T.IsNaN(x) ? x : T.Zero,
        UnaryOp.Reciprocal => T.One / x,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op"),
    };

    /// <summary>Applies <paramref name="op"/> to one pair of elements.</summary>
    public static T Binary<T>(BinaryOp op, T a, T b) where T : IFloatingPointIeee754<T> => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        BinaryOp.Pow => T.Pow(a, b),
        BinaryOp.Maximum => T.Max(a, b),
        BinaryOp.Minimum => T.Min(a, b),
        BinaryOp.Equal => a == b ? T.One : T.Zero,
        BinaryOp.NotEqual => a != b ? T.One : T.Zero,
        BinaryOp.Less => a < b ? T.One : T.Zero,
        BinaryOp.LessEqual => a <= b ? T.One : T.Zero,
        BinaryOp.Greater => a > b ? T.One : T.Zero,
        BinaryOp.GreaterEqual => a >= b ? T.One : T.Zero,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown binary op"),
    };
}
