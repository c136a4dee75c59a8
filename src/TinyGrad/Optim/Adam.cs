using TinyGrad.Kernels;

namespace TinyGrad.Optim;

/// <summary>
/// Adam with bias correction, exactly as torch.optim.Adam (amsgrad off); weight decay is the
/// coupled L2 penalty added to the gradient (see <see cref="AdamW"/> for the decoupled form). State
/// per parameter: "exp_avg" (m), "exp_avg_sq" (v) and its own step count t.
/// </summary>
public class Adam : Optimizer
{
    private const string ExpAvg = "exp_avg";
    private const string ExpAvgSq = "exp_avg_sq";

    /// <summary>Creates the optimizer.</summary>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : this(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: false)
    {
    }

    /// <summary>Creates the optimizer with coupled or decoupled (AdamW) weight decay.</summary>
    private protected Adam(IEnumerable<Tensor> parameters, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled)
        : base(parameters, lr)
    {
        Beta1 = Fraction(beta1, nameof(beta1));
        Beta2 = Fraction(beta2, nameof(beta2));
        Eps = NonNegative(eps, nameof(eps), "eps");
        WeightDecay = NonNegative(weightDecay, nameof(weightDecay), "weight decay");
        Decoupled = decoupled;
    }

    /// <summary>Decay rate of the first-moment estimate.</summary>
    public double Beta1 { get; }

    /// <summary>Decay rate of the second-moment estimate.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>Weight-decay coefficient.</summary>
    public double WeightDecay { get; }

    /// <summary>True for AdamW: the decay shrinks the parameter directly instead of entering the gradient.</summary>
    public bool Decoupled { get; }

    /// <inheritdoc />
    public override IReadOnlyList<string> StateNames { get; } = [ExpAvg, ExpAvgSq];

    private protected override IEnumerable<(string Name, double Value)> Settings =>
        [("beta1", Beta1), ("beta2", Beta2), ("eps", Eps), ("weight_decay", WeightDecay)];

    /// <inheritdoc />
    public override void Step()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            var g = DenseGrad(i);
            if (g is null) continue;
            var p = Parameters[i];
            var m = GetOrCreateState(i, ExpAvg);
            var v = GetOrCreateState(i, ExpAvgSq);
            int t = AdvanceParameterStep(i);
            var args = new AdamArgs(LearningRate, Beta1, Beta2, Eps, WeightDecay, Decoupled, t);
            p.Backend.AdamStep(args, p.Buffer, g.Buffer, m.Buffer, v.Buffer);
        }
        StepCount++;
    }
}
