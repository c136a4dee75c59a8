using TinyGrad.Kernels;

namespace TinyGrad.Analysis;

/// <summary>Loss and accuracy at one point of a line or plane through parameter space.</summary>
public readonly record struct SurfacePoint(double Alpha, double Beta, double Loss, double Accuracy);

/// <summary>
/// Loss landscapes: model interpolation and filter-normalised random directions (Li et al. 2018).
/// <c>evaluate</c> computes (loss, accuracy) at the current parameters; the parameters are
/// restored afterwards.
/// </summary>
public static class LossSurface
{
    /// <summary>(1 − α) θa + α θb for each α (α outside [0, 1] extrapolates).</summary>
    public static IReadOnlyList<SurfacePoint> Interpolate(IReadOnlyList<Tensor> parameters, Tensor thetaA, Tensor thetaB, IReadOnlyList<double> alphas, Func<(double Loss, double Accuracy)> evaluate, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(thetaA);
        ArgumentNullException.ThrowIfNull(thetaB);
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentNullException.ThrowIfNull(evaluate);
        return Walk(parameters, alphas.Select(a => (a, 0.0)).ToArray(), (a, _) => thetaA * (1 - a) + thetaB * a, evaluate, progress);
    }

    /// <summary>
    /// A random direction with each filter (slice along dimension 0 of a weight) rescaled to the norm
    /// of the same filter of the parameters; biases and other 1-D parameters get zero (Li et al.'s
    /// "ignore biasbn" choice), so the direction only moves weights.
    /// </summary>
    public static Tensor FilterNormalizedDirection(IReadOnlyList<Tensor> parameters, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(generator);
        using var _ = Autograd.NoGrad();
        var parts = new List<Tensor>();
        foreach (var p in parameters)
        {
            var w = p.Detach();
            if (w.Rank <= 1)
            {
                parts.Add(Tensor.ZerosLike(w).Reshape(-1));
                continue;
            }
            var d = Tensor.Randn(w.Shape.ToArray(), generator, w.DType, w.Device);
            var filters = w.Size(0);
            var wNorm = (w * w).Reshape(filters, -1).Sum(1, keepDim: true).Sqrt();
            var dNorm = (d * d).Reshape(filters, -1).Sum(1, keepDim: true).Sqrt();
            parts.Add((d.Reshape(filters, -1) * (wNorm / (dNorm + 1e-10))).Reshape(-1));
        }
        return Tensor.Concat(parts);
    }

    /// <summary>θ + α d for each α.</summary>
    public static IReadOnlyList<SurfacePoint> Line(IReadOnlyList<Tensor> parameters, Tensor direction, IReadOnlyList<double> alphas, Func<(double Loss, double Accuracy)> evaluate, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(direction);
        ArgumentNullException.ThrowIfNull(alphas);
        var theta = ParameterVector.Flatten(parameters);
        return Walk(parameters, alphas.Select(a => (a, 0.0)).ToArray(), (a, _) => theta + direction * a, evaluate, progress);
    }

    /// <summary>θ + α d1 + β d2 on the grid alphas × betas (row-major: alpha outer).</summary>
    public static IReadOnlyList<SurfacePoint> Plane(IReadOnlyList<Tensor> parameters, Tensor direction1, Tensor direction2, IReadOnlyList<double> alphas, IReadOnlyList<double> betas, Func<(double Loss, double Accuracy)> evaluate, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(direction1);
        ArgumentNullException.ThrowIfNull(direction2);
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentNullException.ThrowIfNull(betas);
        var theta = ParameterVector.Flatten(parameters);
        var grid = alphas.SelectMany(a => betas.Select(b => (a, b))).ToArray();
        return Walk(parameters, grid, (a, b) => theta + direction1 * a + direction2 * b, evaluate, progress);
    }

    private static SurfacePoint[] Walk(IReadOnlyList<Tensor> parameters, (double A, double B)[] points, Func<double, double, Tensor> at, Func<(double Loss, double Accuracy)> evaluate, IProgress<int>? progress)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(evaluate);
        var original = ParameterVector.Flatten(parameters);
        var result = new SurfacePoint[points.Length];
        try
        {
            for (int i = 0; i < points.Length; i++)
            {
                var (a, b) = points[i];
                Tensor target;
                using (Autograd.NoGrad()) target = at(a, b);
                ParameterVector.Assign(parameters, target);
                (double loss, double accuracy) = evaluate();
                result[i] = new SurfacePoint(a, b, loss, accuracy);
                progress?.Report(i + 1);
            }
        }
        finally
        {
            ParameterVector.Assign(parameters, original);
        }
        return result;
    }
}
