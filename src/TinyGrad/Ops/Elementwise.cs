using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    private Tensor Map(UnaryOp op, string name)
    {
        RequireFloat(name);
        if (DenseOrder() is { } order)
        {
            var x = Reordered(order);
            var yr = Empty(x.shape, DType, Device);
            Backend.Unary(op, x.View, yr.Buffer);
            return yr.InOriginalOrder(order);
        }
        var y = Empty(shape, DType, Device);
        Backend.Unary(op, View, y.Buffer);
        return y;
    }

    /// <summary>-x.</summary>
    public Tensor Neg() => Map(UnaryOp.Neg, "neg").Record("neg", [this], g => [-g]);

    /// <summary>e^x.</summary>
    public Tensor Exp()
    {
        var y = Map(UnaryOp.Exp, "exp");
        return y.Record("exp", [this], g => [g * y]);
    }

    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Map(UnaryOp.Log, "log").Record("log", [this], g => [g / this]);

    /// <summary>Square root.</summary>
    public Tensor Sqrt()
    {
        var y = Map(UnaryOp.Sqrt, "sqrt");
        return y.Record("sqrt", [this], g => [g * 0.5 / y]);
    }

    /// <summary>|x| (gradient sign(x), 0 at 0).</summary>
    public Tensor Abs() => Map(UnaryOp.Abs, "abs").Record("abs", [this], g => [g * Sign()]);

    /// <summary>-1, 0 or 1; not differentiable (its derivative is 0 almost everywhere).</summary>
    public Tensor Sign() => Map(UnaryOp.Sign, "sign");

    /// <summary>Sine.</summary>
    public Tensor Sin() => Map(UnaryOp.Sin, "sin").Record("sin", [this], g => [g * Cos()]);

    /// <summary>Cosine.</summary>
    public Tensor Cos() => Map(UnaryOp.Cos, "cos").Record("cos", [this], g => [-(g * Sin())]);

    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh()
    {
        var y = Map(UnaryOp.Tanh, "tanh");
        return y.Record("tanh", [this], g => [g * (1.0 - y * y)]);
    }

    /// <summary>Logistic sigmoid 1 / (1 + e^-x).</summary>
    public Tensor Sigmoid()
    {
        var y = Map(UnaryOp.Sigmoid, "sigmoid");
        return y.Record("sigmoid", [this], g => [g * y * (1.0 - y)]);
    }

    /// <summary>max(x, 0) (gradient 0 at 0, as in PyTorch).</summary>
    public Tensor Relu()
    {
        var y = Map(UnaryOp.Relu, "relu");
        // The gradient passes where the output is nonzero (x > 0, or NaN as in PyTorch): one select
        // instead of a step mask and a product.
        return y.Record("relu", [this], g => [Where(y.Detach(), g, g.ScalarLike(0))]);
    }

    /// <summary>1 / x.</summary>
    public Tensor Reciprocal()
    {
        var y = Map(UnaryOp.Reciprocal, "reciprocal");
        return y.Record("reciprocal", [this], g => [-(g * y * y)]);
    }

    /// <summary>x * x.</summary>
    public Tensor Square() => this * this;

    /// <summary>Broadcasting elementwise op: the inputs are expanded (a recorded view whose backward
    /// sums the gradient back to the input's shape: the one place broadcasting is undone).</summary>
    private static Tensor Zip(BinaryOp op, string name, Tensor a, Tensor b, out Tensor av, out Tensor bv)
    {
        CheckCompatible(a, b, name);
        a.RequireFloat(name);
        var outShape = Shapes.Broadcast(a.shape, b.shape, name);
        av = a.Expand(outShape);
        bv = b.Expand(outShape);
        if (av.strides.AsSpan().SequenceEqual(bv.strides) && av.DenseOrder() is { } order)
        {
            // Both operands share one permuted dense layout: computed in memory order, same layout out.
            var ar = av.Reordered(order);
            var yr = Empty(ar.shape, a.DType, a.Device);
            a.Backend.Binary(op, ar.View, bv.Reordered(order).View, yr.Buffer);
            return yr.InOriginalOrder(order);
        }
        var y = Empty(outShape, a.DType, a.Device);
        a.Backend.Binary(op, av.View, bv.View, y.Buffer);
        return y;
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

    private Tensor ScalarLike(double value) => Scalar(value, DType, Device);

    /// <summary>a + b with broadcasting.</summary>
    public Tensor Add(Tensor other)
    {
        var y = Zip(BinaryOp.Add, "add", this, other, out var a, out var b);
        return y.Record("add", [a, b], g => [g, g]);
    }

    /// <summary>a - b with broadcasting.</summary>
    public Tensor Sub(Tensor other)
    {
        var y = Zip(BinaryOp.Sub, "sub", this, other, out var a, out var b);
        return y.Record("sub", [a, b], g => [g, -g]);
    }

    /// <summary>a * b with broadcasting.</summary>
    public Tensor Mul(Tensor other)
    {
        var y = Zip(BinaryOp.Mul, "mul", this, other, out var a, out var b);
        return y.Record("mul", [a, b], g => [a.RequiresGrad ? g * b : null, b.RequiresGrad ? g * a : null]);
    }

    /// <summary>a / b with broadcasting.</summary>
    public Tensor Div(Tensor other)
    {
        var y = Zip(BinaryOp.Div, "div", this, other, out var a, out var b);
        return y.Record("div", [a, b], g => [a.RequiresGrad ? g / b : null, b.RequiresGrad ? -(g * y / b) : null]);
    }

    /// <summary>
    /// a ^ b with broadcasting. Gradients follow PyTorch where the formulas give 0 * inf: 0 with respect
    /// to a where b == 0 (x^0 is constant, also at x = 0), 0 with respect to b where a == 0 and b &gt;= 0.
    /// </summary>
    public Tensor Pow(Tensor exponent)
    {
        var y = Zip(BinaryOp.Pow, "pow", this, exponent, out var a, out var b);
        return y.Record("pow", [a, b], g =>
        {
            var zero = g.ScalarLike(0);
            return
            [
                a.RequiresGrad ? Where(b.Eq(0.0), zero, g * b * a.Pow(b - 1.0)) : null,
                b.RequiresGrad ? Where(a.Eq(0.0) * b.Ge(b.ScalarLike(0)), zero, g * y * a.Log()) : null,
            ];
        });
    }

    /// <summary>x ^ <paramref name="exponent"/>.</summary>
    public Tensor Pow(double exponent) => Pow(ScalarLike(exponent));

    /// <summary>
    /// Elementwise larger value. The gradient goes to the larger input, half to each on ties, and all of
    /// it to both where either is NaN (as in PyTorch).
    /// </summary>
    public Tensor Maximum(Tensor other)
    {
        var y = Zip(BinaryOp.Maximum, "maximum", this, other, out var a, out var b);
        return y.Record("maximum", [a, b], g => Share(g, a.Gt(b), b.Gt(a), a.Eq(b)));
    }

    /// <summary>Elementwise smaller value; gradient as in <see cref="Maximum"/>, to the smaller input.</summary>
    public Tensor Minimum(Tensor other)
    {
        var y = Zip(BinaryOp.Minimum, "minimum", this, other, out var a, out var b);
        return y.Record("minimum", [a, b], g => Share(g, a.Lt(b), b.Lt(a), a.Eq(b)));
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

    private Tensor Compare(BinaryOp op, string name, Tensor other) => Zip(op, name, this, other, out _, out _);

    /// <summary>1 where a == b else 0 (same dtype as the inputs; not differentiable).</summary>
    public Tensor Eq(Tensor other) => Compare(BinaryOp.Equal, "eq", other);

    /// <summary>1 where a != b else 0.</summary>
    public Tensor Ne(Tensor other) => Compare(BinaryOp.NotEqual, "ne", other);

    /// <summary>1 where a &lt; b else 0.</summary>
    public Tensor Lt(Tensor other) => Compare(BinaryOp.Less, "lt", other);

    /// <summary>1 where a &lt;= b else 0.</summary>
    public Tensor Le(Tensor other) => Compare(BinaryOp.LessEqual, "le", other);

    /// <summary>1 where a &gt; b else 0.</summary>
    public Tensor Gt(Tensor other) => Compare(BinaryOp.Greater, "gt", other);

    /// <summary>1 where a &gt;= b else 0.</summary>
    public Tensor Ge(Tensor other) => Compare(BinaryOp.GreaterEqual, "ge", other);

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
