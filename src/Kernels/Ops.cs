namespace TinyGrad.Kernels;

/// <summary>Elementwise functions of one argument.</summary>
public enum UnaryOp
{
    /// <summary>-x</summary>
    Neg,
    /// <summary>e^x</summary>
    Exp,
    /// <summary>natural logarithm</summary>
    Log,
    /// <summary>square root</summary>
    Sqrt,
    /// <summary>|x|</summary>
    Abs,
    /// <summary>-1, 0 or 1 (NaN stays NaN)</summary>
    Sign,
    /// <summary>sine</summary>
    Sin,
    /// <summary>cosine</summary>
    Cos,
    /// <summary>hyperbolic tangent</summary>
    Tanh,
    /// <summary>1 / (1 + e^-x)</summary>
    Sigmoid,
    /// <summary>max(x, 0)</summary>
    Relu,
    /// <summary>1 / x</summary>
    Reciprocal,
}

/// <summary>Elementwise functions of two arguments (inputs already broadcast to one shape).</summary>
public enum BinaryOp
{
    /// <summary>a + b</summary>
    Add,
    /// <summary>a - b</summary>
    Sub,
    /// <summary>a * b</summary>
    Mul,
    /// <summary>a / b</summary>
    Div,
    /// <summary>a ^ b</summary>
    Pow,
    /// <summary>larger of a and b (NaN if either is NaN)</summary>
    Maximum,
    /// <summary>smaller of a and b (NaN if either is NaN)</summary>
    Minimum,
    /// <summary>1 if a == b else 0</summary>
    Equal,
    /// <summary>1 if a != b else 0</summary>
    NotEqual,
    /// <summary>1 if a &lt; b else 0</summary>
    Less,
    /// <summary>1 if a &lt;= b else 0</summary>
    LessEqual,
    /// <summary>1 if a &gt; b else 0</summary>
    Greater,
    /// <summary>1 if a &gt;= b else 0</summary>
    GreaterEqual,
}

/// <summary>Reductions over axes.</summary>
public enum ReduceOp
{
    /// <summary>sum of the elements</summary>
    Sum,
    /// <summary>largest element (NaN if any is NaN)</summary>
    Max,
}

/// <summary>Distributions the counter-based generator can fill a buffer with.</summary>
public enum RandomDistribution
{
    /// <summary>uniform on [0, 1)</summary>
    Uniform,
    /// <summary>standard normal (Box-Muller)</summary>
    Normal,
}
