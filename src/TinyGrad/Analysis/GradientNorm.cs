namespace TinyGrad.Analysis;

/// <summary>
/// The gradient-norm objective ‖∇L(θ)‖²: differentiable through double backward, so a trainer can
/// switch from minimising the loss to minimising the gradient norm (to reach a critical point).
/// </summary>
public static class GradientNorm
{
    /// <summary>‖∇L‖² as a recorded scalar; call Backward() on it to get ∇‖∇L‖² = 2 H ∇L.</summary>
    public static Tensor Squared(Tensor loss, IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        var grads = Autograd.Grad([loss], parameters, createGraph: true, allowUnused: true);
        Tensor total = (grads[0] * grads[0]).Sum();
        for (int i = 1; i < grads.Length; i++) total = total + (grads[i] * grads[i]).Sum();
        return total;
    }

    /// <summary>‖∇L‖ as a number (no graph kept).</summary>
    public static double Value(Tensor loss, IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var grads = Autograd.Grad([loss], parameters, allowUnused: true);
        double sum = 0;
        foreach (var g in grads) sum += ParameterVector.Dot(g, g);
        return Math.Sqrt(sum);
    }
}
