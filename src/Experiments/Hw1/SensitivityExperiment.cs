using TinyGrad.Analysis;
using OxyPlot;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-3: sensitivity (Frobenius norm of d output / d input) vs batch size, next to test loss and accuracy.</summary>
public sealed class SensitivityExperiment : IExperiment
{
    /// <inheritdoc/>
    public string Name => "sensitivity";

    /// <inheritdoc/>
    public string Title => "1-3 Flatness vs generalization: sensitivity";

    /// <inheritdoc/>
    public string Description => "models over batch sizes: test loss, accuracy and sensitivity ‖∂output/∂input‖_F";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
        var (models, _, test) = BatchSweep.Train(ctx);
        int samples = ctx.Pick(32, 200, 1000);
        ctx.Setting("sensitivity", $"mean Frobenius norm of the Jacobian of the logits w.r.t. the input over {samples} test samples");
        var x = test.Batches[0].Inputs;
        if (x.Size(0) > samples) x = x.Slice(0, 0, samples);
        var sens = new List<double>();
        foreach (var (b, model, _, _) in models)
        {
            double s = Sensitivity.JacobianNorm(model.Forward, x);
            sens.Add(s);
            ctx.Metrics.Add("sweep", b, "sensitivity", s);
        }
        var bs = models.Select(m => (double)m.Batch).ToArray();
        PlotModel Panel(string title, string y, string name, IEnumerable<double> v, int c) =>
            Panels.Lines(title, PlotAxes.Log("batch size"), PlotAxes.Linear(y), [Curves.Line(name, bs, v.ToArray(), Palette.Series(c), markers: true)]);
        ctx.SaveFigure("sensitivity", new Figure("Sensitivity and generalization vs batch size", [
            Panel("sensitivity", "‖∂y/∂x‖_F", "sensitivity", sens, 2),
            Panel("test loss", "cross-entropy", "test loss", models.Select(m => m.TestLoss), 0),
            Panel("test accuracy", "accuracy", "test accuracy", models.Select(m => m.TestAcc), 1)], 3) { PanelWidth = 400 });
        double rho = Common.Spearman(bs, sens);
        ctx.Observe($"sensitivity {string.Join(", ", models.Select((m, i) => $"batch {m.Batch}: {Common.N(sens[i])}"))}; Spearman correlation with batch size {Common.N(rho)}");
        ctx.Observe($"test accuracy {string.Join(", ", models.Select(m => $"batch {m.Batch}: {Common.Pct(m.TestAcc)}"))}");
    }
}
