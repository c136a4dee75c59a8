using TinyGrad.Kernels;

namespace TinyGrad.Analysis;

/// <summary>A symmetric linear map on flat vectors, known only through its products (e.g. a Hessian).</summary>
public interface ILinearOperator
{
    /// <summary>Dimension n of the vectors.</summary>
    int Size { get; }

    /// <summary>Element type of the vectors.</summary>
    DType DType { get; }

    /// <summary>Device the vectors live on.</summary>
    Device Device { get; }

    /// <summary>
    /// The product A v, where <paramref name="v"/> is a flat (1-D) vector of <see cref="Size"/> elements of the
    /// operator's <see cref="DType"/> on its <see cref="Device"/>; the result has the same shape, dtype and device.
    /// </summary>
    Tensor Apply(Tensor v);
}

/// <summary>An explicit symmetric matrix as an operator (for tests and small problems).</summary>
public sealed class MatrixOperator : ILinearOperator
{
    private readonly Tensor matrix;

    /// <summary>Wraps an n x n tensor.</summary>
    public MatrixOperator(Tensor matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Rank != 2 || matrix.Size(0) != matrix.Size(1))
            throw new ArgumentException($"matrix operator: expected a square matrix, got [{string.Join(", ", matrix.Shape.ToArray())}]");
        this.matrix = matrix.Detach();
    }

    /// <inheritdoc />
    public int Size => matrix.Size(0);

    /// <inheritdoc />
    public DType DType => matrix.DType;

    /// <inheritdoc />
    public Device Device => matrix.Device;

    /// <inheritdoc />
    public Tensor Apply(Tensor v)
    {
        using var _ = Autograd.NoGrad();
        return matrix.MatMul(v);
    }
}
