using TinyGrad.Analysis;
using TinyGrad.Data;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;
using TinyGrad.Kernels;
using TinyGrad.Optim;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-2: reach points where the gradient is ~0, then compute the exact Hessian's minimal ratio (fraction of positive eigenvalues).</summary>
public sealed class MinimalRatio : IExperiment
{
    /// <inheritdoc/>
    public string Name => "minimal-ratio";

    /// <inheritdoc/>
    public string Title => "1-2 What happens when the gradient is almost zero";

    /// <inheritdoc/>
    public string Description => "minimise the loss, then the gradient norm, then the exact Hessian's minimal ratio vs loss over many runs";

    private static int Runs(Preset p) => p.Pick(4, 100, 100);

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [.. Enumerable.Range(0, Runs(preset)).Select(r => new ExperimentUnit($"run{r}"))];

    private static (int LossStepsMax, int GradSteps) Steps(ExperimentScope ctx) => (ctx.Pick(200, 1500, 4000), ctx.Pick(100, 600, 2000));

    private const int Points = 64;

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        int r = ctx.Index, runs = Runs(ctx.Preset);
        var (lossStepsMax, gradSteps) = Steps(ctx);
        ctx.UsesData("synthetic: target function sin(x)+cos(x²)");
        var (x, y) = TargetFunctions.Sample(TargetFunctions.SinPlusCosSquare, Points).ToTensors();
        var xs = ((x - 2.5) * 0.4).To(DType.Float64);
        var yd = y.To(DType.Float64);
        var model = Models.Mlp(1, [6, 6], 1, ctx.Rng("init"), DType.Float64, tanh: true);
        if (r == 0) ctx.Model("each run", model);
        var ps = model.Parameters().ToList();
        Tensor Loss() => Functional.MseLoss(model.Forward(xs), yd);
        int lossSteps = lossStepsMax / 10 + (int)((long)(lossStepsMax - lossStepsMax / 10) * r / Math.Max(1, runs - 1));
        using var progress = ctx.Progress(ctx.Name, lossSteps + gradSteps);
        var opt = new Adam(ps, 1e-2);
        for (int s = 0; s < lossSteps; s++)
        {
            opt.ZeroGrad();
            Loss().Backward();
            opt.Step();
        }
        progress.Report(lossSteps);
        var opt2 = new Adam(ps, 1e-3);
        for (int s = 0; s < gradSteps; s++)
        {
            opt2.ZeroGrad();
            GradientNorm.Squared(Loss(), ps).Backward();
            opt2.Step();
        }
        var h = new HessianOperator(Loss, ps);
        double loss = h.Loss();
        double g = ParameterVector.Norm(h.Gradient());
        var eig = HessianOperator.Eigenvalues(h.Dense());
        double scale = eig.Max(Math.Abs);
        double ratio = HessianOperator.MinimalRatio(eig, 1e-9 * scale);
        ctx.Metrics.Add($"run{r}", lossSteps, "loss", loss);
        ctx.Metrics.Add($"run{r}", lossSteps, "grad_norm", g);
        ctx.Metrics.Add($"run{r}", lossSteps, "minimal_ratio", ratio);
        progress.Report(lossSteps + gradSteps, $"loss {loss:0.###e0} ratio {ratio:0.###}");
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var (lossStepsMax, gradSteps) = Steps(ctx);
        int runs = units.Count;
        ctx.Setting("runs", runs);
        ctx.Setting("data", $"sin(x)+cos(x²) on [0, 5], {Points} points, inputs scaled to [-1, 1]");
        ctx.Setting("phase 1", $"Adam lr 1e-2 on the MSE for a run-dependent number of steps in [{lossStepsMax / 10}, {lossStepsMax}] (spreads the final losses)");
        ctx.Setting("phase 2", $"Adam lr 1e-3 on ‖∇L‖² for {gradSteps} steps (double backward)");
        ctx.Setting("Hessian", "exact (dense, float64, one Hessian-vector product per parameter), eigenvalues > 1e-9·max|λ| count as positive");
        var losses = units.Select(u => u.Metrics.Last(u.Name, "loss")).ToList();
        var ratios = units.Select(u => u.Metrics.Last(u.Name, "minimal_ratio")).ToList();
        var grads = units.Select(u => u.Metrics.Last(u.Name, "grad_norm")).ToList();
        ctx.SaveFigure("minimal-ratio", new Figure($"Minimal ratio vs loss ({runs} runs, {ctx.Section.Models[0][2]} parameters)", [
            ColorPanels.Scatter("minimal ratio vs loss", PlotAxes.Linear("minimal ratio (fraction of positive Hessian eigenvalues)"), PlotAxes.Log("loss (MSE)"),
                ratios, losses, grads, PlotAxes.LogColor("‖∇L‖ at the point"))], 1) { PanelWidth = 640, PanelHeight = 420 });
        bool inRange = ratios.All(v => v >= 0 && v <= 1);
        double rho = Common.Spearman(ratios, losses.Select(v => Math.Log(v)).ToList());
        ctx.Observe($"minimal ratios lie in [{Common.N(ratios.Min())}, {Common.N(ratios.Max())}]{(inRange ? " (within [0, 1])" : " (outside [0, 1]!)")}; gradient norms at the points {Common.N(grads.Min())} to {Common.N(grads.Max())}");
        ctx.Observe($"Spearman correlation between minimal ratio and log loss: {Common.N(rho)} ({(rho < -0.2 ? "ratio rises as the loss falls" : rho > 0.2 ? "ratio falls as the loss falls" : "no clear trend")})");
    }
}
