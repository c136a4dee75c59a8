using TinyGrad.Analysis;
using TinyGrad.Data;
using OxyPlot.Series;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;
using TinyGrad.Nn;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-2: optimization trajectories of several training runs, projected to 2-D by PCA (whole model and one layer).</summary>
public sealed class Trajectory : IExperiment
{
    /// <inheritdoc/>
    public string Name => "trajectory";

    /// <inheritdoc/>
    public string Title => "1-2 Visualize the optimization process";

    /// <inheritdoc/>
    public string Description => "8 training runs, weights every 3 epochs, PCA to 2-D of the whole model and of the first layer";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
        int runs = ctx.Pick(3, 8, 8), epochs = ctx.Pick(3, 12, 24), every = ctx.Pick(1, 3, 3);
        int trainCount = ctx.Pick(256, 1000, 10000);
        var train = DataSources.Digits(ctx, true, trainCount);
        var evalSet = new EvalSet(train, Normalization.Mnist, flatten: true);
        int[] hidden = ctx.Pick<int[]>([16], [32], [64]);
        ctx.Setting("runs", runs);
        ctx.Setting("epochs / collect every", $"{epochs} / {every}");
        ctx.Setting("train samples", train.Count);
        ctx.Setting("optimizer", "Adam lr 1e-3, batch 64 (each run its own initialisation and data order)");
        var whole = new List<double[]>();
        var layer = new List<double[]>();
        var info = new List<(int Run, int Epoch, double Loss, double Acc)>();
        for (int r = 0; r < runs; r++)
        {
            var model = Models.Mlp(784, hidden, 10, ctx.Rng("init", r), flatten: true);
            if (r == 0) ctx.Model("each run", model);
            var first = (Linear)model[1];
            void Collect(int epoch)
            {
                if (epoch % every != 0) return;
                whole.Add(model.ParametersToVector().ToDoubleArray());
                layer.Add(first.Weight.ToDoubleArray());
                var (l, a) = evalSet.Evaluate(model);
                model.Train();
                info.Add((r, epoch, l, a));
                ctx.Metrics.Add($"run{r}", epoch, "train_loss", l);
                ctx.Metrics.Add($"run{r}", epoch, "train_acc", a);
            }
            Collect(0);
            Training.Classifier(ctx, $"run{r}", model, train, null, null,
                new TrainSpec { Epochs = epochs, Normalization = Normalization.Mnist, Flatten = true, OnEpoch = Collect });
        }
        foreach (var (label, rows) in new[] { ("whole model", whole), ("first layer", layer) })
        {
            var pca = Pca.Fit(rows, 2);
            // PCA reports variances; divide by the total (sum of squared deviations / (t - 1)) for fractions.
            double total = rows.Sum(row => row.Select((v, j) => (v - pca.Mean[j]) * (v - pca.Mean[j])).Sum()) / (rows.Count - 1);
            double ev1 = pca.ExplainedVariance[0] / total, ev2 = pca.ExplainedVariance[1] / total;
            var px = pca.Projections.Select(p => p[0]).ToArray();
            var py = pca.Projections.Select(p => p[1]).ToArray();
            // One path per run; each panel needs its own series objects.
            List<Series> Paths() => [.. Enumerable.Range(0, runs).Select(r =>
            {
                var idx = Enumerable.Range(0, info.Count).Where(i => info[i].Run == r).ToArray();
                return Curves.Line($"run {r}", idx.Select(i => px[i]).ToArray(), idx.Select(i => py[i]).ToArray(), Palette.Series(r), width: 1.3);
            })];
            var labels = info.Select((p, i) => p.Epoch == epochs - epochs % every ? $"{Common.Pct(p.Acc)}" : null).ToList();
            string tag = label.Replace(' ', '-');
            ctx.SaveFigure($"pca-{tag}", new Figure($"PCA of the {label} weights ({rows[0].Length} dims; explained variance {Common.Pct(ev1)}, {Common.Pct(ev2)})", [
                ColorPanels.Scatter("coloured by training loss (labels: final accuracy)", PlotAxes.Linear("PC 1"), PlotAxes.Linear("PC 2"), px, py,
                    info.Select(p => p.Loss).ToList(), PlotAxes.LogColor("train loss"), Paths(), labels),
                ColorPanels.Scatter("coloured by training accuracy", PlotAxes.Linear("PC 1"), PlotAxes.Linear("PC 2"), px, py,
                    info.Select(p => p.Acc).ToList(), PlotAxes.LinearColor("train accuracy"), Paths())]) { PanelWidth = 520, PanelHeight = 380 });
            ctx.Observe($"{label}: the first two principal components explain {Common.Pct(ev1 + ev2)} of the variance of {rows.Count} weight snapshots");
        }
        var finals = info.Where(p => p.Epoch == info.Max(q => q.Epoch)).ToList();
        ctx.Observe($"final training accuracy over the {runs} runs: {Common.Pct(finals.Min(p => p.Acc))} to {Common.Pct(finals.Max(p => p.Acc))}; loss {Common.N(finals.Min(p => p.Loss))} to {Common.N(finals.Max(p => p.Loss))}");
    }
}
