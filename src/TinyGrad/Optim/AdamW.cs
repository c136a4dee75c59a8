namespace TinyGrad.Optim;

/// <summary>
/// Adam with decoupled weight decay, exactly as torch.optim.AdamW: each step first shrinks the
/// parameter by <c>1 - lr * weightDecay</c>, then applies the Adam update of the raw gradient.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer (weight decay defaults to 0.01, as in PyTorch).</summary>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: true)
    {
    }
}
