using System.Numerics;
using System.Numerics.Tensors;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad;

/// <summary>
/// The unary elementwise ops, one struct each: name, scalar form (the definition every backend runs
/// or is held to), the host CPU's span form, and the gradient rule. <c>Tensor.Exp()</c> and the
/// others apply them (Ops/Elementwise.cs).
/// </summary>
internal static class UnaryOps
{
    public readonly struct Neg : IUnaryRule<Neg>
    {
        public static string Name => "neg";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => -x;
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Negate(x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => -g;
    }

    public readonly struct Exp : IUnaryRule<Exp>
    {
        public static string Name => "exp";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x);
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Exp(x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => g * y;
    }

    public readonly struct Log : IUnaryRule<Log>
    {
        public static string Name => "log";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x);
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Log(x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => g / x;
    }

    public readonly struct Sqrt : IUnaryRule<Sqrt>
    {
        public static string Name => "sqrt";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x);
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => g * 0.5 / y;
    }

    /// <summary>|x|; gradient sign(x), 0 at 0.</summary>
    public readonly struct Abs : IUnaryRule<Abs>
    {
        public static string Name => "abs";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(x);
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Abs(x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => g * x.Sign();
    }

    /// <summary>-1, 0 or 1 (NaN and -0 stay); no gradient rule: its derivative is 0 almost everywhere.</summary>
    public readonly struct Sign : IVectorUnaryOp<Sign>
    {
        public static string Name => "sign";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? T.One : x < T.Zero ? -T.One : x;
        public static Vector<T> Invoke<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), Vector<T>.One,
                Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), -Vector<T>.One, x));
    }

    public readonly struct Sin : IUnaryRule<Sin>
    {
        public static string Name => "sin";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sin(x);
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sin(x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => g * x.Cos();
    }

    public readonly struct Cos : IUnaryRule<Cos>
    {
        public static string Name => "cos";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Cos(x);
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Cos(x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => -(g * x.Sin());
    }

    /// <summary>
    /// tanh through expm1, on every device: GPUs' float tanh instruction is an 11-bit approximation, and
    /// TensorPrimitives.Tanh loses small arguments (1e-10 off by 8e-8 relative, 1e-20 gives -0).
    /// </summary>
    public readonly struct Tanh : IUnaryRule<Tanh>, IVectorUnaryOp<Tanh>
    {
        public static string Name => "tanh";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => ScalarMath.Tanh(x);
        public static Vector<T> Invoke<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorMath.Tanh(x);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => g * (1.0 - y * y);
    }

    /// <summary>1 / (1 + e^-x).</summary>
    public readonly struct Sigmoid : IUnaryRule<Sigmoid>
    {
        public static string Name => "sigmoid";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sigmoid(x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => g * y * (1.0 - y);
    }

    /// <summary>max(x, 0) as PyTorch's clamp: 0 below 0, x itself otherwise (NaN and -0 kept); gradient 0 at 0, passed where the output is nonzero.</summary>
    public readonly struct Relu : IUnaryRule<Relu>, IVectorUnaryOp<Relu>
    {
        public static string Name => "relu";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x < T.Zero ? T.Zero : x;
        public static Vector<T> Invoke<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), Vector<T>.Zero, x);

        // One select by the output (nonzero where x > 0 or NaN) instead of a step mask and a product.
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => Tensor.Where(y.Detach(), g, g.ScalarLike(0));
    }

    /// <summary>The error function (Kernels' Erf: within 2 ulp of PyTorch's in double); gradient 2/sqrt(pi) e^(-x^2).</summary>
    public readonly struct Erf : IUnaryRule<Erf>, IVectorUnaryOp<Erf>
    {
        public static string Name => "erf";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Kernels.Erf.Of(x);
        public static Vector<T> Invoke<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Kernels.Erf.Of(x);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => 2 / Math.Sqrt(Math.PI) * (-(x * x)).Exp() * g;
    }

    /// <summary>
    /// GELU with the erf form (PyTorch's default, approximate='none'): x 0.5 (1 + erf(x / sqrt 2)), in
    /// PyTorch's order (so -0 far below 0, NaN at -inf); gradient cdf + x pdf as PyTorch writes it.
    /// </summary>
    public readonly struct Gelu : IUnaryRule<Gelu>, IVectorUnaryOp<Gelu>
    {
        public static string Name => "gelu";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x * C<T>.Half * (T.One + Kernels.Erf.Of(x * C<T>.Alpha));
        public static Vector<T> Invoke<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
            x * new Vector<T>(C<T>.Half) * (Vector<T>.One + Kernels.Erf.Of(x * new Vector<T>(C<T>.Alpha)));

        public static Tensor Backward(Tensor x, Tensor y, Tensor g)
        {
            var cdf = 0.5 * (1.0 + (x * Math.Sqrt(0.5)).Erf());
            var pdf = 1 / Math.Sqrt(2 * Math.PI) * (x * x * -0.5).Exp();
            return g * (cdf + x * pdf);
        }

        private static class C<T> where T : IFloatingPointIeee754<T>
        {
            public static readonly T Half = T.CreateTruncating(0.5);
            public static readonly T Alpha = T.CreateTruncating(Math.Sqrt(0.5));
        }
    }

    /// <summary>x sigmoid(x) = x / (1 + e^-x) (PyTorch's form: NaN at -inf, -0 far below 0); gradient s (1 + x (1 - s)) with s = sigmoid(x).</summary>
    public readonly struct Silu : IUnaryRule<Silu>, IVectorUnaryOp<Silu>
    {
        public static string Name => "silu";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x / (T.One + T.Exp(-x));
        public static Vector<T> Invoke<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector<T>.One + VectorMath.Exp(-x));

        public static Tensor Backward(Tensor x, Tensor y, Tensor g)
        {
            var s = x.Sigmoid();
            return g * s * (1.0 + x * (1.0 - s));
        }
    }

    public readonly struct Reciprocal : IUnaryRule<Reciprocal>
    {
        public static string Name => "reciprocal";
        public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / x;
        public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(T.One, x, y);
        public static Tensor Backward(Tensor x, Tensor y, Tensor g) => -(g * y * y);
    }
}
