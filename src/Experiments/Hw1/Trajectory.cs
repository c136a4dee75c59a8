using TinyGrad.Analysis;
using TinyGrad.Data;
using TinyGrad.IO;
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

    private static int Runs(Preset p) => p.Pick(3, 8, 8);

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [.. Enumerable.Range(0, Runs(preset)).Select(r => new ExperimentUnit($"run{r}", RealDataset.Mnist))];

    private static (int Epochs, int Every, int Train, int[] Hidden) Settings(ExperimentScope ctx) =>
        (ctx.Pick(3, 12, 24), ctx.Pick(1, 3, 3), ctx.Pick(256, 1000, 10000), ctx.Pick<int[]>([16], [32], [64]));

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var (epochs, every, trainCount, hidden) = Settings(ctx);
        var train = DataSources.Digits(ctx, true, trainCount);
        var evalSet = new EvalSet(train, Normalization.Mnist, flatten: true);
        var model = Models.Mlp(784, hidden, 10, ctx.Rng("init"), flatten: true);
        if (ctx.Index == 0) ctx.Model("each run", model);
        var first = (Linear)model[1];
        var whole = new List<float[]>();
        var layer = new List<float[]>();
        void Collect(int epoch)
        {
            if (epoch % every != 0) return;
            whole.Add(model.ParametersToVector().ToArray<float>());
            layer.Add(first.Weight.Reshape(-1).ToArray<float>());
            var (l, a) = evalSet.Evaluate(model);
            model.Train();
            ctx.Metrics.Add(ctx.Name, epoch, "train_loss", l);
            ctx.Metrics.Add(ctx.Name, epoch, "train_acc", a);
        }
        Collect(0);
        Training.Classifier(ctx, ctx.Name, model, train, null, null,
            new TrainSpec { Epochs = epochs, Normalization = Normalization.Mnist, Flatten = true, OnEpoch = Collect });
        // Weight snapshots, one row per collected epoch, for the PCA over all runs.
        ctx.SaveArray("whole", HostArray.Create([.. whole.SelectMany(v => v)], whole.Count, whole[0].Length));
        ctx.SaveArray("layer", HostArray.Create([.. layer.SelectMany(v => v)], layer.Count, layer[0].Length));
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var (epochs, every, trainCount, _) = Settings(ctx);
        int runs = units.Count;
        ctx.Setting("runs", runs);
        ctx.Setting("epochs / collect every", $"{epochs} / {every}");
        ctx.Setting("train samples", trainCount);
        ctx.Setting("optimizer", "Adam lr 1e-3, batch 64 (each run its own initialisation and data order)");
        var info = new List<(int Run, int Epoch, double Loss, double Acc)>();
        foreach (var u in units)
        {
            var (ep, loss) = u.Metrics.Get(u.Name, "train_loss");
            var (_, acc) = u.Metrics.Get(u.Name, "train_acc");
            for (int i = 0; i < ep.Length; i++) info.Add((u.Index, (int)ep[i], loss[i], acc[i]));
        }
        List<double[]> Rows(string name) => [.. units.SelectMany(u =>
        {
            var a = u.Array(name);
            var v = a.As<float>();
            int cols = a.Shape[1];
            return Enumerable.Range(0, a.Shape[0]).Select(r => v.AsSpan(r * cols, cols).ToArray().Select(f => (double)f).ToArray());
        })];
        foreach (var (label, rows) in new[] { ("whole model", Rows("whole")), ("first layer", Rows("layer")) })
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
