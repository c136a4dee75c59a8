using TinyGrad.Data;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;
using TinyGrad.Optim;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-2: gradient norm and loss per iteration, for MNIST and for a function fit.</summary>
public sealed class GradNorm : IExperiment
{
    /// <inheritdoc/>
    public string Name => "grad-norm";

    /// <inheritdoc/>
    public string Title => "1-2 Observe gradient norm during training";

    /// <inheritdoc/>
    public string Description => "gradient norm and loss per iteration for MNIST and for fitting sin(x)+cos(x²)";

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [new("mnist", RealDataset.Mnist), new("fit")];

    private static (int Epochs, int Train, int FitSteps) Settings(ExperimentScope ctx) => (ctx.Pick(2, 8, 30), ctx.Pick(256, 2000, 60000), ctx.Pick(200, 3000, 20000));

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var (epochs, trainCount, fitSteps) = Settings(ctx);
        if (ctx.Name == "mnist")
        {
            var train = DataSources.Digits(ctx, true, trainCount);
            var mlp = Models.Mlp(784, [64], 10, ctx.Rng("init"), flatten: true);
            ctx.Model("mnist", mlp);
            Training.Classifier(ctx, "mnist", mlp, train, null, null, new TrainSpec
            {
                Epochs = epochs, Normalization = Normalization.Mnist, Flatten = true,
                OnStep = (s, l) =>
                {
                    ctx.Metrics.Add("mnist", s, "loss", l);
                    ctx.Metrics.Add("mnist", s, "grad_norm", Math.Sqrt(Common.GradSquared(mlp)));
                },
            });
            return;
        }
        var (x, y) = TargetFunctions.Sample(TargetFunctions.SinPlusCosSquare, 256).ToTensors();
        ctx.UsesData("synthetic: target function sin(x)+cos(x²)");
        var xs = (x - 2.5) * 0.4;
        var net = Models.Mlp(1, [16, 16, 16, 16], 1, ctx.Rng("init"));
        ctx.Model("function fit", net);
        var opt = new Adam(net.Parameters(), 1e-2);
        using var progress = ctx.Progress("fit", fitSteps);
        for (int s = 0; s < fitSteps; s++)
        {
            opt.ZeroGrad();
            var l = Functional.MseLoss(net.Forward(xs), y);
            l.Backward();
            ctx.Metrics.Add("fit", s, "loss", l.Item());
            ctx.Metrics.Add("fit", s, "grad_norm", Math.Sqrt(Common.GradSquared(net)));
            opt.Step();
            progress.Report(s + 1);
        }
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var (epochs, trainCount, fitSteps) = Settings(ctx);
        ctx.Setting("MNIST", $"{trainCount} samples, {epochs} epochs, Adam lr 1e-3, batch 64, MLP 784-64-10");
        ctx.Setting("function fit", $"sin(x)+cos(x²), 256 points, {fitSteps} full-batch Adam steps (lr 1e-2), MLP 1-[16×4]-1");
        bool synthetic = units.Any(u => u.Name == "mnist" && u.DataSources.Any(d => d.StartsWith("synthetic", StringComparison.Ordinal)));
        foreach (var (key, label) in new[] { ("mnist", synthetic ? "MNIST (synthetic)" : "MNIST"), ("fit", "sin(x)+cos(x²) fit") })
        {
            if (ctx.Missing(u => u == key) is string missing)
            {
                ctx.FigureNotDrawn($"{label}: gradient norm and loss per iteration", missing);
                ctx.Observe($"{label}: not run ({missing})");
                continue;
            }
            var (it, loss) = ctx.Metrics.Get(key, "loss");
            var (_, gn) = ctx.Metrics.Get(key, "grad_norm");
            ctx.SaveFigure($"grad-norm-{key}", new Figure($"{label}: gradient norm and loss per iteration", [
                Panels.Lines("gradient norm", PlotAxes.Linear("iteration"), PlotAxes.Log("‖∇L‖"), [Curves.Line("grad norm", it, gn, Palette.Series(0), width: 1)]),
                Panels.Lines("loss", PlotAxes.Linear("iteration"), PlotAxes.Log("loss"), [Curves.Line("loss", it, loss, Palette.Series(1), width: 1)])]));
            int tenth = Math.Max(1, gn.Length / 10);
            ctx.Observe($"{label}: loss {Common.N(loss.Take(tenth).Average())} → {Common.N(loss.TakeLast(tenth).Average())} (first vs last tenth), gradient norm {Common.N(gn.Take(tenth).Average())} → {Common.N(gn.TakeLast(tenth).Average())}; peak gradient norm {Common.N(gn.Max())} at iteration {Array.IndexOf(gn, gn.Max())}");
        }
    }
}
