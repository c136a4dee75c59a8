using MathNet.Numerics.LinearAlgebra;

namespace TinyGrad.Analysis;

/// <summary>An eigenpair estimate: value and unit vector.</summary>
public sealed record Eigenpair(double Value, Tensor Vector);

/// <summary>Iterative eigensolvers for operators known only through products (Hessians).</summary>
public static class Eigensolvers
{
    /// <summary>
    /// The <paramref name="k"/> eigenvalues of largest magnitude by power iteration with deflation
    /// (PyHessian's method): each new vector is kept orthogonal to the ones already found. Stops when
    /// the Rayleigh quotient changes by less than <paramref name="tolerance"/> relative.
    /// </summary>
    public static IReadOnlyList<Eigenpair> PowerIteration(ILinearOperator op, int k, Generator generator, int maxIterations = 1000, double tolerance = 1e-10, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(generator);
        if (k <= 0 || k > op.Size) throw new ArgumentOutOfRangeException(nameof(k), k, $"power iteration: k must be in 1..{op.Size}");
        var found = new List<Eigenpair>();
        using var scope = Autograd.NoGrad();
        for (int j = 0; j < k; j++)
        {
            var v = Normalize(Orthogonalize(Tensor.Randn([op.Size], generator, op.DType, op.Device), found));
            double value = double.NaN;
            for (int it = 0; it < maxIterations; it++)
            {
                var w = Orthogonalize(Apply(op, v), found);
                double next = ParameterVector.Dot(w, v);
                double norm = ParameterVector.Norm(w);
                if (norm == 0) { value = 0; break; }
                v = w / norm;
                bool converged = !double.IsNaN(value) && Math.Abs(next - value) <= tolerance * (Math.Abs(value) + 1e-30);
                value = next;
                if (converged) break;
            }
            found.Add(new Eigenpair(value, v));
            progress?.Report(j + 1);
        }
        return found;
    }

    /// <summary>
    /// Lanczos with full reorthogonalisation: <paramref name="steps"/> products give a tridiagonal
    /// matrix whose eigenvalues (Ritz values) approximate the extremes of the spectrum. Returns the
    /// Ritz values ascending.
    /// </summary>
    public static double[] Lanczos(ILinearOperator op, int steps, Generator generator, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(generator);
        var start = Tensor.Randn([op.Size], generator, op.DType, op.Device);
        var (alpha, beta) = Tridiagonal(op, start, steps, progress);
        var (values, _) = TridiagonalEigen(alpha, beta);
        return values;
    }

    /// <summary>
    /// The Lanczos recurrence from <paramref name="start"/>: diagonal alpha and off-diagonal beta of
    /// the tridiagonal T. Stops early when the Krylov space is exhausted (beta ≈ 0).
    /// </summary>
    internal static (double[] Alpha, double[] Beta) Tridiagonal(ILinearOperator op, Tensor start, int steps, IProgress<int>? progress)
    {
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "lanczos: steps must be positive");
        steps = Math.Min(steps, op.Size);
        using var scope = Autograd.NoGrad();
        var basis = new List<Tensor>();
        var alpha = new List<double>();
        var beta = new List<double>();
        var v = Normalize(start);
        for (int j = 0; j < steps; j++)
        {
            basis.Add(v);
            var w = Apply(op, v);
            double a = ParameterVector.Dot(w, v);
            alpha.Add(a);
            // Full reorthogonalisation (twice is enough) keeps the basis orthogonal in floating point.
            for (int pass = 0; pass < 2; pass++)
                foreach (var q in basis) w = w - q * ParameterVector.Dot(w, q);
            progress?.Report(j + 1);
            if (j == steps - 1) break;
            double b = ParameterVector.Norm(w);
            if (b <= 1e-12 * Math.Max(1, Math.Abs(a))) break;
            beta.Add(b);
            v = w / b;
        }
        return ([.. alpha], [.. beta]);
    }

    /// <summary>Eigenvalues (ascending) and the first component of each unit eigenvector of T.</summary>
    internal static (double[] Values, double[] FirstComponents) TridiagonalEigen(double[] alpha, double[] beta)
    {
        int m = alpha.Length;
        var t = Matrix<double>.Build.Dense(m, m);
        for (int i = 0; i < m; i++)
        {
            t[i, i] = alpha[i];
            if (i + 1 < m)
            {
                t[i, i + 1] = beta[i];
                t[i + 1, i] = beta[i];
            }
        }
        var evd = t.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, m).OrderBy(i => evd.EigenValues[i].Real).ToArray();
        var values = order.Select(i => evd.EigenValues[i].Real).ToArray();
        var first = order.Select(i => evd.EigenVectors[0, i]).ToArray();
        return (values, first);
    }

    private static Tensor Apply(ILinearOperator op, Tensor v)
    {
        var w = op.Apply(v);
        if (w.Rank != 1 || w.Numel != op.Size)
            throw new InvalidOperationException($"operator returned shape [{string.Join(", ", w.Shape.ToArray())}] for a vector of {op.Size}");
        return w.Detach();
    }

    private static Tensor Orthogonalize(Tensor v, List<Eigenpair> against)
    {
        foreach (var pair in against) v = v - pair.Vector * ParameterVector.Dot(v, pair.Vector);
        return v;
    }

    private static Tensor Normalize(Tensor v) => v / ParameterVector.Norm(v);
}
