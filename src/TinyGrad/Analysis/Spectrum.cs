namespace TinyGrad.Analysis;

/// <summary>A spectral density estimate on a grid: density[i] at grid[i]; it integrates to about 1.</summary>
public sealed record SpectralDensity(double[] Grid, double[] Density, double[] Nodes, double[] Weights);

/// <summary>Trace and spectral density of an operator known only through products.</summary>
public static class Spectrum
{
    /// <summary>Hutchinson's estimator E[zᵀ A z] with Rademacher z, averaged over <paramref name="samples"/>.</summary>
    public static double HutchinsonTrace(ILinearOperator op, int samples, Generator generator, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        double sum = 0;
        for (int s = 0; s < samples; s++)
        {
            var z = ParameterVector.Rademacher(op.Size, generator, op.DType, op.Device);
            sum += ParameterVector.Dot(z, op.Apply(z));
            progress?.Report(s + 1);
        }
        return sum / samples;
    }

    /// <summary>
    /// Stochastic Lanczos quadrature (Ghorbani et al. 2019; PyHessian): for each of
    /// <paramref name="runs"/> Rademacher start vectors, <paramref name="steps"/> Lanczos steps give
    /// quadrature nodes (Ritz values) and weights (squared first eigenvector components, summing
    /// to 1); the averaged point masses are smoothed by a Gaussian of width <paramref name="sigma"/>
    /// on a grid of <paramref name="gridPoints"/> points spanning the nodes with a margin.
    /// </summary>
    public static SpectralDensity LanczosDensity(ILinearOperator op, int runs, int steps, Generator generator, double sigma = 0.01, int gridPoints = 1000, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        var nodes = new List<double>();
        var weights = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            var start = ParameterVector.Rademacher(op.Size, generator, op.DType, op.Device);
            var (alpha, beta) = Eigensolvers.Tridiagonal(op, start, steps, null);
            var (values, first) = Eigensolvers.TridiagonalEigen(alpha, beta);
            for (int i = 0; i < values.Length; i++)
            {
                nodes.Add(values[i]);
                weights.Add(first[i] * first[i] / runs);
            }
            progress?.Report(r + 1);
        }
        double lo = nodes.Min(), hi = nodes.Max();
        double margin = Math.Max(5 * sigma, 0.01 * (hi - lo));
        lo -= margin;
        hi += margin;
        var grid = new double[gridPoints];
        var density = new double[gridPoints];
        double norm = 1 / (sigma * Math.Sqrt(2 * Math.PI));
        for (int g = 0; g < gridPoints; g++)
        {
            grid[g] = lo + (hi - lo) * g / (gridPoints - 1);
            double sum = 0;
            for (int i = 0; i < nodes.Count; i++)
            {
                double z = (grid[g] - nodes[i]) / sigma;
                sum += weights[i] * norm * Math.Exp(-0.5 * z * z);
            }
            density[g] = sum;
        }
        return new SpectralDensity(grid, density, [.. nodes], [.. weights]);
    }
}
