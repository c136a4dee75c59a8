using TinyGrad.Kernels;

namespace TinyGrad.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, L2 weight decay and Nesterov
/// momentum, exactly as torch.optim.SGD (see <see cref="SgdArgs"/> for the update). The momentum
/// buffer ("momentum_buffer") starts as the first step's gradient.
/// </summary>
public sealed class Sgd : Optimizer
{
    private const string MomentumBuffer = "momentum_buffer";

    /// <summary>Creates the optimizer; Nesterov momentum needs a positive momentum and zero dampening, as in PyTorch.</summary>
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, lr)
    {
        Momentum = NonNegative(momentum, nameof(momentum), "momentum");
        WeightDecay = NonNegative(weightDecay, nameof(weightDecay), "weight decay");
        if (double.IsNaN(dampening)) throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "dampening must be a number");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"Nesterov momentum requires a positive momentum and zero dampening (got momentum {momentum}, dampening {dampening})", nameof(nesterov));
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>Momentum factor (0: plain SGD).</summary>
    public double Momentum { get; }

    /// <summary>Dampening of the momentum's gradient term.</summary>
    public double Dampening { get; }

    /// <summary>L2 penalty coefficient added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    public override IReadOnlyList<string> StateNames { get; } = [MomentumBuffer];

    private protected override IEnumerable<(string Name, double Value)> Settings =>
        [("momentum", Momentum), ("dampening", Dampening), ("weight_decay", WeightDecay), ("nesterov", Nesterov ? 1 : 0)];

    /// <inheritdoc />
    public override void Step()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            var g = DenseGrad(i);
            if (g is null) continue;
            var p = Parameters[i];
            Tensor? buffer = null;
            bool first = false;
            if (Momentum != 0)
            {
                first = FindState(i, MomentumBuffer) is null;
                buffer = GetOrCreateState(i, MomentumBuffer);
            }
            var args = new SgdArgs(LearningRate, Momentum, Dampening, WeightDecay, Nesterov, first);
            p.Backend.SgdStep(args, p.Buffer, g.Buffer, buffer?.Buffer);
            AdvanceParameterStep(i);
        }
        StepCount++;
    }
}
