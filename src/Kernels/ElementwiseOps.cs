using System.Numerics;

namespace TinyGrad.Kernels;

/// <summary>
/// An elementwise function of one float argument, defined once as a small struct that every backend
/// runs (<see cref="Backend.Unary{TOp}"/>): its name, its scalar form and the host CPU's span form.
/// The scalar form is the definition: the reference backend runs it, the ILGPU kernels compile it,
/// and the parity tests hold the span form to it.
/// </summary>
/// <typeparam name="TSelf">The op itself.</typeparam>
public interface IUnaryOp<TSelf> where TSelf : struct, IUnaryOp<TSelf>
{
    /// <summary>The op's name in messages and on the autograd tape, e.g. "exp".</summary>
    static abstract string Name { get; }

    /// <summary>The op on one element.</summary>
    static abstract T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// <c>y[i] = Invoke(x[i])</c> over a span on the host CPU (<paramref name="y"/> may be
    /// <paramref name="x"/> itself): the scalar form element by element, unless the op has a vector form.
    /// </summary>
    static virtual void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = TSelf.Invoke(x[i]);
    }
}

/// <summary>
/// An elementwise function of two float arguments (inputs already broadcast to one shape), defined
/// once as a small struct (<see cref="Backend.Binary{TOp}"/>): its name, its scalar form (the
/// definition, as for <see cref="IUnaryOp{TSelf}"/>) and the host CPU's forms over spans, with either
/// side one repeated element.
/// </summary>
/// <typeparam name="TSelf">The op itself.</typeparam>
public interface IBinaryOp<TSelf> where TSelf : struct, IBinaryOp<TSelf>
{
    /// <summary>The op's name in messages and on the autograd tape, e.g. "add".</summary>
    static abstract string Name { get; }

    /// <summary>The op on one pair of elements.</summary>
    static abstract T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary><c>y[i] = Invoke(a[i], b[i])</c> on the host CPU (<paramref name="y"/> may be an input).</summary>
    static virtual void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++) y[i] = TSelf.Invoke(a[i], b[i]);
    }

    /// <summary><c>y[i] = Invoke(a[i], b)</c> on the host CPU.</summary>
    static virtual void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++) y[i] = TSelf.Invoke(a[i], b);
    }

    /// <summary><c>y[i] = Invoke(a, b[i])</c> on the host CPU.</summary>
    static virtual void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < b.Length; i++) y[i] = TSelf.Invoke(a, b[i]);
    }
}

/// <summary>
/// A comparison of two numbers of any dtype (<see cref="Backend.Compare{TOp}"/>), giving 1 or 0 in the
/// inputs' dtype: its name, its scalar test (the definition) and its vector mask for the host CPU.
/// </summary>
/// <typeparam name="TSelf">The comparison itself.</typeparam>
public interface IComparison<TSelf> where TSelf : struct, IComparison<TSelf>
{
    /// <summary>The comparison's name in messages, e.g. "lt".</summary>
    static abstract string Name { get; }

    /// <summary>The comparison of one pair (false whenever either is NaN, except for "not equal").</summary>
    static abstract bool Test<T>(T a, T b) where T : unmanaged, INumber<T>;

    /// <summary>All bits set in the lanes where <see cref="Test{T}"/> holds, none elsewhere.</summary>
    static abstract Vector<T> Mask<T>(Vector<T> a, Vector<T> b) where T : unmanaged, INumber<T>;
}
