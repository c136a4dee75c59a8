using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>Runs unary op <typeparamref name="TOp"/> (computed in memory order for a permuted dense input, which keeps its layout).</summary>
    private Tensor Map<TOp>() where TOp : struct, IUnaryOp<TOp>
    {
        RequireFloat(TOp.Name);
        if (DenseOrder() is { } order)
        {
            var x = Reordered(order);
            var yr = Empty(x.shape, DType, Device);
            Backend.Unary<TOp>(x.View, yr.Buffer);
            return yr.InOriginalOrder(order);
        }
        var y = Empty(shape, DType, Device);
        Backend.Unary<TOp>(View, y.Buffer);
        return y;
    }

    /// <summary>Runs unary op <typeparamref name="TOp"/> and records its gradient rule.</summary>
    private Tensor Apply<TOp>() where TOp : struct, IUnaryRule<TOp>
    {
        var y = Map<TOp>();
        return y.Record(TOp.Name, [this], g => [TOp.Backward(this, y, g)]);
    }

    /// <summary>-x.</summary>
    public Tensor Neg() => Apply<UnaryOps.Neg>();

    /// <summary>e^x.</summary>
    public Tensor Exp() => Apply<UnaryOps.Exp>();

    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Apply<UnaryOps.Log>();

    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Apply<UnaryOps.Sqrt>();

    /// <summary>|x| (gradient sign(x), 0 at 0).</summary>
    public Tensor Abs() => Apply<UnaryOps.Abs>();

    /// <summary>-1, 0 or 1; not differentiable (its derivative is 0 almost everywhere).</summary>
    public Tensor Sign() => Map<UnaryOps.Sign>();

    /// <summary>Sine.</summary>
    public Tensor Sin() => Apply<UnaryOps.Sin>();

    /// <summary>Cosine.</summary>
    public Tensor Cos() => Apply<UnaryOps.Cos>();

    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Apply<UnaryOps.Tanh>();

    /// <summary>Logistic sigmoid 1 / (1 + e^-x).</summary>
    public Tensor Sigmoid() => Apply<UnaryOps.Sigmoid>();

    /// <summary>max(x, 0) (gradient 0 at 0, as in PyTorch).</summary>
    public Tensor Relu() => Apply<UnaryOps.Relu>();

    /// <summary>1 / x.</summary>
    public Tensor Reciprocal() => Apply<UnaryOps.Reciprocal>();

    /// <summary>The error function, as PyTorch's erf.</summary>
    public Tensor Erf() => Apply<UnaryOps.Erf>();

    /// <summary>GELU, x Phi(x) with the exact normal CDF through erf: PyTorch's gelu with its default approximate='none'.</summary>
    public Tensor Gelu() => Apply<UnaryOps.Gelu>();

    /// <summary>
    /// x where x &gt; 0, else <paramref name="negativeSlope"/> x: PyTorch's leaky_relu and its default; the
    /// gradient at 0 is the slope, as there.
    /// </summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01) => Zip<BinaryOps.LeakyRelu>(this, ScalarLike(negativeSlope));

    /// <summary>SiLU (swish): x sigmoid(x), as PyTorch's silu.</summary>
    public Tensor Silu() => Apply<UnaryOps.Silu>();

    /// <summary>
    /// log(1 + e^(beta x)) / beta, and x itself where beta x &gt; <paramref name="threshold"/>: PyTorch's
    /// softplus with its defaults. Gradient sigmoid(beta x), 1 above the threshold.
    /// </summary>
    public Tensor Softplus(double beta = 1, double threshold = 20) => beta == 1
        ? Zip<BinaryOps.Softplus>(this, ScalarLike(threshold))
        : Zip<BinaryOps.Softplus>(this * beta, ScalarLike(threshold)) / beta;

    /// <summary>x * x.</summary>
    public Tensor Square() => this * this;

    /// <summary>
    /// Broadcasts two tensors for an elementwise op: each input is expanded (a recorded view whose
    /// backward sums the gradient back to the input's shape: the one place broadcasting is undone),
    /// and the output is allocated, in the operands' permuted dense layout when they share one.
    /// </summary>
    private static (Tensor Y, StridedView A, StridedView B) Broadcast(string name, Tensor a, Tensor b, out Tensor av, out Tensor bv, out int[]? order)
    {
        CheckCompatible(a, b, name);
        var outShape = Shapes.Broadcast(a.shape, b.shape, name);
        av = a.Expand(outShape);
        bv = b.Expand(outShape);
        order = av.strides.AsSpan().SequenceEqual(bv.strides) ? av.DenseOrder() : null;
        if (order is not null)
        {
            // Both operands share one permuted dense layout: computed in memory order, same layout out.
            var ar = av.Reordered(order);
            return (Empty(ar.shape, a.DType, a.Device), ar.View, bv.Reordered(order).View);
        }
        return (Empty(outShape, a.DType, a.Device), av.View, bv.View);
    }

    /// <summary>Runs binary op <typeparamref name="TOp"/> with broadcasting and records its gradient rule.</summary>
    private static Tensor Zip<TOp>(Tensor a, Tensor b) where TOp : struct, IBinaryRule<TOp>
    {
        a.RequireFloat(TOp.Name);
        var (y, va, vb) = Broadcast(TOp.Name, a, b, out var av, out var bv, out var order);
        a.Backend.Binary<TOp>(va, vb, y.Buffer);
        if (order is not null) y = y.InOriginalOrder(order);
        var result = y;
        return y.Record(TOp.Name, [av, bv], g => TOp.Backward(av, bv, result, g));
    }

    /// <summary>Runs comparison <typeparamref name="TOp"/> with broadcasting (Float32, Float64 or Int32; not recorded).</summary>
    private Tensor Compare<TOp>(Tensor other) where TOp : struct, IComparison<TOp>
    {
        var (y, va, vb) = Broadcast(TOp.Name, this, other, out _, out _, out var order);
        Backend.Compare<TOp>(va, vb, y.Buffer);
        return order is null ? y : y.InOriginalOrder(order);
    }

    internal static void CheckCompatible(Tensor a, Tensor b, string op)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: tensors are on different devices ({a.Device} and {b.Device}); move one with To(device)");
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: dtypes differ ({a.DType} and {b.DType}); convert one with To(dtype)");
    }

    private void RequireFloat(string op)
    {
        if (!DType.IsFloat()) throw new NotSupportedException($"{op} needs a Float32 or Float64 tensor, got {DType}");
    }

    internal Tensor ScalarLike(double value) => Scalar(value, DType, Device);

    /// <summary>a + b with broadcasting.</summary>
    public Tensor Add(Tensor other) => Zip<BinaryOps.Add>(this, other);

    /// <summary>a - b with broadcasting.</summary>
    public Tensor Sub(Tensor other) => Zip<BinaryOps.Sub>(this, other);

    /// <summary>a * b with broadcasting.</summary>
    public Tensor Mul(Tensor other) => Zip<BinaryOps.Mul>(this, other);

    /// <summary>a / b with broadcasting.</summary>
    public Tensor Div(Tensor other) => Zip<BinaryOps.Div>(this, other);

    /// <summary>
    /// a ^ b with broadcasting. Gradients follow PyTorch where the formulas give 0 * inf: 0 with respect
    /// to a where b == 0 (x^0 is constant, also at x = 0), 0 with respect to b where a == 0 and b &gt;= 0.
    /// </summary>
    public Tensor Pow(Tensor exponent) => Zip<BinaryOps.Pow>(this, exponent);

    /// <summary>x ^ <paramref name="exponent"/>.</summary>
    public Tensor Pow(double exponent) => Pow(ScalarLike(exponent));

    /// <summary>
    /// Elementwise larger value. The gradient goes to the larger input, half to each on ties, and all of
    /// it to both where either is NaN (as in PyTorch).
    /// </summary>
    public Tensor Maximum(Tensor other) => Zip<BinaryOps.Maximum>(this, other);

    /// <summary>Elementwise smaller value; gradient as in <see cref="Maximum"/>, to the smaller input.</summary>
    public Tensor Minimum(Tensor other) => Zip<BinaryOps.Minimum>(this, other);

    /// <summary>1 where a == b else 0, in the inputs' dtype (Float32, Float64 or Int32); not differentiable.</summary>
    public Tensor Eq(Tensor other) => Compare<Comparisons.Equal>(other);

    /// <summary>1 where a != b else 0.</summary>
    public Tensor Ne(Tensor other) => Compare<Comparisons.NotEqual>(other);

    /// <summary>1 where a &lt; b else 0.</summary>
    public Tensor Lt(Tensor other) => Compare<Comparisons.Less>(other);

    /// <summary>1 where a &lt;= b else 0.</summary>
    public Tensor Le(Tensor other) => Compare<Comparisons.LessEqual>(other);

    /// <summary>1 where a &gt; b else 0.</summary>
    public Tensor Gt(Tensor other) => Compare<Comparisons.Greater>(other);

    /// <summary>1 where a &gt;= b else 0.</summary>
    public Tensor Ge(Tensor other) => Compare<Comparisons.GreaterEqual>(other);

    /// <summary>1 where x == <paramref name="value"/> else 0.</summary>
    public Tensor Eq(double value) => Eq(ScalarLike(value));

    /// <summary>1 where x &gt; <paramref name="value"/> else 0.</summary>
    public Tensor Gt(double value) => Gt(ScalarLike(value));

    /// <summary>1 where x &lt; <paramref name="value"/> else 0.</summary>
    public Tensor Lt(double value) => Lt(ScalarLike(value));

    /// <summary>Picks <paramref name="a"/> where <paramref name="condition"/> is non-zero, else <paramref name="b"/> (all broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        CheckCompatible(a, b, "where");
        if (condition.Device != a.Device) throw new ArgumentException($"where: condition is on {condition.Device}, values on {a.Device}");
        var outShape = Shapes.Broadcast(Shapes.Broadcast(condition.shape, a.shape, "where"), b.shape, "where");
        var c = condition.Expand(outShape).Detach();
        var av = a.Expand(outShape);
        var bv = b.Expand(outShape);
        var y = Empty(outShape, a.DType, a.Device);
        a.Backend.Where(c.View, av.View, bv.View, y.Buffer);
        return y.Record("where", [av, bv], g =>
        {
            var zero = g.ScalarLike(0);
            return [av.RequiresGrad ? Where(c, g, zero) : null, bv.RequiresGrad ? Where(c, zero, g) : null];
        });
    }

    /// <summary>
    /// Clamps into [<paramref name="min"/>, <paramref name="max"/>]. The gradient passes where
    /// min &lt;= x &lt;= max, bounds included (PyTorch's convention), and is 0 outside and at NaN.
    /// </summary>
    public Tensor Clamp(double min, double max)
    {
        Tensor y;
        using (Autograd.NoGrad()) y = Maximum(ScalarLike(min)).Minimum(ScalarLike(max));
        return y.Record("clamp", [this], g => [Where(Ge(ScalarLike(min)) * Le(ScalarLike(max)), g, g.ScalarLike(0))]);
    }

    /// <summary>a + b.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    /// <summary>a - b.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    /// <summary>a * b.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    /// <summary>a / b.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    /// <summary>-a.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>a + s.</summary>
    public static Tensor operator +(Tensor a, double s) => a.Add(a.ScalarLike(s));

    /// <summary>s + a.</summary>
    public static Tensor operator +(double s, Tensor a) => a.ScalarLike(s).Add(a);

    /// <summary>a - s.</summary>
    public static Tensor operator -(Tensor a, double s) => a.Sub(a.ScalarLike(s));

    /// <summary>s - a.</summary>
    public static Tensor operator -(double s, Tensor a) => a.ScalarLike(s).Sub(a);

    /// <summary>a * s.</summary>
    public static Tensor operator *(Tensor a, double s) => a.Mul(a.ScalarLike(s));

    /// <summary>s * a.</summary>
    public static Tensor operator *(double s, Tensor a) => a.ScalarLike(s).Mul(a);

    /// <summary>a / s.</summary>
    public static Tensor operator /(Tensor a, double s) => a.Div(a.ScalarLike(s));

    /// <summary>s / a.</summary>
    public static Tensor operator /(double s, Tensor a) => a.ScalarLike(s).Div(a);
}
