using MathNet.Numerics.LinearAlgebra;

namespace TinyGrad.Analysis;

/// <summary>A fitted PCA: the mean, unit principal axes, their variances, and the projected rows.</summary>
public sealed record PcaResult(double[] Mean, double[][] Components, double[] ExplainedVariance, double[][] Projections);

/// <summary>
/// Principal component analysis of a few snapshots of a long vector (parameter trajectories: T rows of
/// n parameters, T ≪ n). Works on the T x T Gram matrix, so memory is O(T n), never O(n²).
/// </summary>
public static class Pca
{
    /// <summary>The top <paramref name="k"/> components of the rows (each row one snapshot).</summary>
    public static PcaResult Fit(IReadOnlyList<double[]> rows, int k)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int t = rows.Count;
        if (t < 2) throw new ArgumentException($"pca: need at least 2 rows, got {t}");
        int n = rows[0].Length;
        foreach (var r in rows)
            if (r.Length != n) throw new ArgumentException($"pca: rows have lengths {n} and {r.Length}");
        if (k <= 0 || k > Math.Min(t, n)) throw new ArgumentOutOfRangeException(nameof(k), k, $"pca: k must be in 1..{Math.Min(t, n)}");

        var mean = new double[n];
        foreach (var r in rows)
            for (int j = 0; j < n; j++) mean[j] += r[j] / t;
        var centered = rows.Select(r =>
        {
            var c = new double[n];
            for (int j = 0; j < n; j++) c[j] = r[j] - mean[j];
            return c;
        }).ToArray();

        var gram = Matrix<double>.Build.Dense(t, t);
        for (int a = 0; a < t; a++)
        for (int b = a; b < t; b++)
        {
            double dot = 0;
            for (int j = 0; j < n; j++) dot += centered[a][j] * centered[b][j];
            gram[a, b] = dot;
            gram[b, a] = dot;
        }
        var evd = gram.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, t).OrderByDescending(i => evd.EigenValues[i].Real).Take(k).ToArray();

        var components = new double[k][];
        var variance = new double[k];
        var projections = new double[t][];
        for (int a = 0; a < t; a++) projections[a] = new double[k];
        for (int c = 0; c < k; c++)
        {
            int i = order[c];
            double lambda = Math.Max(evd.EigenValues[i].Real, 0);
            variance[c] = lambda / (t - 1);
            double s = Math.Sqrt(lambda);
            var axis = new double[n];
            if (s > 1e-300)
                for (int a = 0; a < t; a++)
                {
                    double u = evd.EigenVectors[a, i] / s;
                    for (int j = 0; j < n; j++) axis[j] += centered[a][j] * u;
                }
            components[c] = axis;
            for (int a = 0; a < t; a++) projections[a][c] = evd.EigenVectors[a, i] * s;
        }
        return new PcaResult(mean, components, variance, projections);
    }
}
