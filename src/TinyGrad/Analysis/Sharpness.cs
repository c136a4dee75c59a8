using TinyGrad.Kernels;

namespace TinyGrad.Analysis;

/// <summary>
/// Keskar et al. (2017) ε-sharpness: 100 · (max_{δ ∈ C_ε} L(θ + δ) − L(θ)) / (1 + L(θ)) over the box
/// C_ε = { |δ_i| ≤ ε (|θ_i| + 1) }. The parameters are restored afterwards.
/// </summary>
public static class Sharpness
{
    /// <summary>
    /// Maximises the loss in the box by projected sign-gradient ascent (<paramref name="steps"/> steps
    /// of <paramref name="stepFraction"/> of the box half-width each), starting from a random point of
    /// the box drawn from <paramref name="generator"/> (the centre may be a critical point).
    /// </summary>
    public static double Keskar(Func<Tensor> loss, IReadOnlyList<Tensor> parameters, Generator generator, double epsilon = 1e-3, int steps = 20, double stepFraction = 0.25, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(generator);
        var (theta, bound, baseLoss) = Prepare(loss, parameters, epsilon);
        double best = baseLoss;
        Tensor delta;
        using (Autograd.NoGrad())
            delta = bound * (Tensor.Rand([theta.Numel], generator, theta.DType, theta.Device) * 2.0 - 1.0);
        try
        {
            for (int s = 0; s < steps; s++)
            {
                ParameterVector.Assign(parameters, theta + delta);
                using var grad = Autograd.EnableGrad();
                var value = loss();
                best = Math.Max(best, value.Item());
                var g = ParameterVector.Join(Autograd.Grad([value], parameters, allowUnused: true));
                using (Autograd.NoGrad())
                    delta = (delta + bound * stepFraction * g.Sign()).Maximum(-bound).Minimum(bound);
                progress?.Report(s + 1);
            }
            ParameterVector.Assign(parameters, theta + delta);
            best = Math.Max(best, Evaluate(loss));
        }
        finally
        {
            ParameterVector.Assign(parameters, theta);
        }
        return 100 * (best - baseLoss) / (1 + baseLoss);
    }

    /// <summary>The sampled variant: the largest loss over <paramref name="samples"/> uniform points of the box.</summary>
    public static double Sampled(Func<Tensor> loss, IReadOnlyList<Tensor> parameters, double epsilon, int samples, Generator generator, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(generator);
        var (theta, bound, baseLoss) = Prepare(loss, parameters, epsilon);
        double best = baseLoss;
        try
        {
            for (int s = 0; s < samples; s++)
            {
                Tensor point;
                using (Autograd.NoGrad())
                    point = theta + bound * (Tensor.Rand([theta.Numel], generator, theta.DType, theta.Device) * 2.0 - 1.0);
                ParameterVector.Assign(parameters, point);
                best = Math.Max(best, Evaluate(loss));
                progress?.Report(s + 1);
            }
        }
        finally
        {
            ParameterVector.Assign(parameters, theta);
        }
        return 100 * (best - baseLoss) / (1 + baseLoss);
    }

    private static (Tensor Theta, Tensor Bound, double BaseLoss) Prepare(Func<Tensor> loss, IReadOnlyList<Tensor> parameters, double epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        var theta = ParameterVector.Flatten(parameters);
        Tensor bound;
        using (Autograd.NoGrad()) bound = (theta.Abs() + 1.0) * epsilon;
        return (theta, bound, Evaluate(loss));
    }

    private static double Evaluate(Func<Tensor> loss)
    {
        using var _ = Autograd.NoGrad();
        return loss().Item();
    }
}
