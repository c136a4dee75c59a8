using TinyGrad.Kernels;

namespace TinyGrad;

/// <summary>A unary op of the table with its gradient rule.</summary>
internal interface IUnaryRule<TSelf> : IUnaryOp<TSelf> where TSelf : struct, IUnaryRule<TSelf>
{
    /// <summary>
    /// dL/dx from dL/dy = <paramref name="g"/>, the input <paramref name="x"/> and the output
    /// <paramref name="y"/>, in differentiable Tensor ops (so the rule has a gradient itself).
    /// </summary>
    static abstract Tensor Backward(Tensor x, Tensor y, Tensor g);
}

/// <summary>A binary op of the table with its gradient rule.</summary>
internal interface IBinaryRule<TSelf> : IBinaryOp<TSelf> where TSelf : struct, IBinaryRule<TSelf>
{
    /// <summary>
    /// dL/da and dL/db (null for an input that needs none) from dL/dy = <paramref name="g"/>, the
    /// inputs broadcast to the output's shape and the output, in differentiable Tensor ops.
    /// </summary>
    static abstract Tensor?[] Backward(Tensor a, Tensor b, Tensor y, Tensor g);
}
