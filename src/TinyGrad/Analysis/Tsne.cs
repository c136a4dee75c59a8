namespace TinyGrad.Analysis;

/// <summary>
/// Exact t-SNE (van der Maaten and Hinton 2008) for up to a few thousand points: perplexity-calibrated
/// Gaussian affinities, Student-t similarities in the embedding, gradient descent with momentum,
/// per-coordinate gains and early exaggeration. O(N²) memory and time per iteration.
/// </summary>
public static class Tsne
{
    /// <summary>Embeds the rows of <paramref name="points"/>; returns the embedding and the final KL(P‖Q). The learning rate defaults to max(N / 48, 50).</summary>
    public static (double[][] Embedding, double KlDivergence) Embed(
        IReadOnlyList<double[]> points, Generator generator, int dimensions = 2, double perplexity = 30, int iterations = 1000,
        double learningRate = double.NaN, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(generator);
        int n = points.Count;
        if (n < 3) throw new ArgumentException($"t-SNE: need at least 3 points, got {n}");
        if (perplexity <= 0 || perplexity >= n) throw new ArgumentOutOfRangeException(nameof(perplexity), perplexity, $"t-SNE: perplexity must be in (0, {n})");
        var p = Affinities(points, perplexity);
        // Default step: scikit-learn's "auto" rule, max(N / exaggeration / 4, 50).
        if (double.IsNaN(learningRate)) learningRate = Math.Max(n / 12.0 / 4, 50);

        var y = new double[n * dimensions];
        for (int i = 0; i < y.Length; i++) y[i] = 1e-4 * Kernels.Philox.Normal(generator.Seed, generator.Take(1));
        var update = new double[y.Length];
        var gains = new double[y.Length];
        Array.Fill(gains, 1.0);
        var grad = new double[y.Length];
        var num = new double[n * n];
        double kl = 0;
        for (int it = 0; it < iterations; it++)
        {
            double exaggeration = it < 250 ? 12 : 1;
            double momentum = it < 250 ? 0.5 : 0.8;
            kl = Gradient(p, y, n, dimensions, exaggeration, num, grad);
            for (int i = 0; i < y.Length; i++)
            {
                bool sameSign = grad[i] > 0 == update[i] > 0;
                gains[i] = Math.Max(sameSign ? gains[i] * 0.8 : gains[i] + 0.2, 0.01);
                update[i] = momentum * update[i] - learningRate * gains[i] * grad[i];
                y[i] += update[i];
            }
            Center(y, n, dimensions);
            progress?.Report(it + 1);
        }
        var embedding = new double[n][];
        for (int i = 0; i < n; i++) embedding[i] = y.AsSpan(i * dimensions, dimensions).ToArray();
        return (embedding, kl);
    }

    /// <summary>Symmetric P: each conditional row calibrated by bisection to the target perplexity.</summary>
    private static double[] Affinities(IReadOnlyList<double[]> x, double perplexity)
    {
        int n = x.Count;
        var d = new double[n * n];
        for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
        {
            double s = 0;
            var a = x[i];
            var b = x[j];
            for (int k = 0; k < a.Length; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
            d[i * n + j] = s;
            d[j * n + i] = s;
        }
        var conditional = new double[n * n];
        double targetEntropy = Math.Log(perplexity);
        var row = new double[n];
        for (int i = 0; i < n; i++)
        {
            double beta = 1, lo = 0, hi = double.PositiveInfinity;
            for (int attempt = 0; attempt < 100; attempt++)
            {
                double entropy = RowEntropy(d, i, n, beta, row);
                if (Math.Abs(entropy - targetEntropy) < 1e-6) break;
                if (entropy > targetEntropy) { lo = beta; beta = double.IsPositiveInfinity(hi) ? beta * 2 : (beta + hi) / 2; }
                else { hi = beta; beta = (beta + lo) / 2; }
            }
            RowEntropy(d, i, n, beta, row);
            Array.Copy(row, 0, conditional, i * n, n);
        }
        var p = new double[n * n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            p[i * n + j] = Math.Max((conditional[i * n + j] + conditional[j * n + i]) / (2.0 * n), 1e-12);
        return p;
    }

    /// <summary>Fills <paramref name="row"/> with P(j|i) at precision beta and returns its entropy (nats).</summary>
    private static double RowEntropy(double[] d, int i, int n, double beta, double[] row)
    {
        // Shift by the smallest distance so exp never underflows to all zeros.
        double min = double.PositiveInfinity;
        for (int j = 0; j < n; j++) if (j != i) min = Math.Min(min, d[i * n + j]);
        double sum = 0;
        for (int j = 0; j < n; j++)
        {
            row[j] = j == i ? 0 : Math.Exp(-(d[i * n + j] - min) * beta);
            sum += row[j];
        }
        double h = 0;
        for (int j = 0; j < n; j++)
        {
            row[j] /= sum;
            if (row[j] > 1e-300) h -= row[j] * Math.Log(row[j]);
        }
        return h;
    }

    /// <summary>KL(P‖Q) gradient into <paramref name="grad"/>; returns KL.</summary>
    private static double Gradient(double[] p, double[] y, int n, int dims, double exaggeration, double[] num, double[] grad)
    {
        double sumNum = 0;
        for (int i = 0; i < n; i++)
        {
            num[i * n + i] = 0;
            for (int j = i + 1; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < dims; k++)
                {
                    double diff = y[i * dims + k] - y[j * dims + k];
                    s += diff * diff;
                }
                double q = 1 / (1 + s);
                num[i * n + j] = q;
                num[j * n + i] = q;
                sumNum += 2 * q;
            }
        }
        Array.Clear(grad);
        double kl = 0;
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            if (i == j) continue;
            double q = Math.Max(num[i * n + j] / sumNum, 1e-12);
            double pij = p[i * n + j];
            kl += pij * Math.Log(pij / q);
            double mult = 4 * (exaggeration * pij - q) * num[i * n + j];
            for (int k = 0; k < dims; k++) grad[i * dims + k] += mult * (y[i * dims + k] - y[j * dims + k]);
        }
        return kl;
    }

    private static void Center(double[] y, int n, int dims)
    {
        for (int k = 0; k < dims; k++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += y[i * dims + k];
            mean /= n;
            for (int i = 0; i < n; i++) y[i * dims + k] -= mean;
        }
    }
}
