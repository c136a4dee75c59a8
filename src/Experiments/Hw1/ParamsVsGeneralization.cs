using TinyGrad.Data;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-3: one model family with growing width: train/test loss and accuracy vs number of parameters.</summary>
public sealed class ParamsVsGeneralization : IExperiment
{
    /// <inheritdoc/>
    public string Name => "params-vs-generalization";

    /// <inheritdoc/>
    public string Title => "1-3 Number of parameters vs generalization";

    /// <inheritdoc/>
    public string Description => "MLPs of growing width on MNIST: train and test loss / accuracy against the parameter count";

    private static int[] Widths(Preset p) => p.Pick<int[]>([2, 8, 32], [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96], [.. Enumerable.Range(1, 50).Select(i => 2 * i)]);

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [.. Widths(preset).Select(w => new ExperimentUnit($"w{w}", RealDataset.Mnist))];

    private static (int Train, int Test, int Epochs) Sizes(ExperimentScope ctx) => (ctx.Pick(256, 1500, 20000), ctx.Pick(256, 1000, 10000), ctx.Pick(2, 8, 20));

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        int w = Widths(ctx.Preset)[ctx.Index];
        var (trainCount, testCount, epochs) = Sizes(ctx);
        var train = DataSources.Digits(ctx, true, trainCount);
        var test = DataSources.Digits(ctx, false, testCount);
        var model = Models.Mlp(784, [w, w], 10, ctx.Rng("init"), flatten: true);
        Training.Classifier(ctx, ctx.Name, model, train, null, null, new TrainSpec { Epochs = epochs, Normalization = Normalization.Mnist, Flatten = true });
        var (trl, tra) = new EvalSet(train, Normalization.Mnist, true).Evaluate(model);
        var (tel, tea) = new EvalSet(test, Normalization.Mnist, true).Evaluate(model);
        foreach (var (m, v) in new[] { ("train_loss", trl), ("test_loss", tel), ("train_acc", tra), ("test_acc", tea) }) ctx.Metrics.Add("models", model.ParameterCount, m, v);
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        int[] widths = Widths(ctx.Preset);
        var (trainCount, testCount, epochs) = Sizes(ctx);
        ctx.Setting("family", "MLP 784 → w → w → 10 (ReLU)");
        ctx.Setting("widths w", string.Join(", ", widths));
        ctx.Setting("training", $"{trainCount} train / {testCount} test samples, Adam lr 1e-3, batch 64, {epochs} epochs");
        var rows = units.Select(u =>
        {
            var (p, _) = u.Metrics.Get("models", "test_acc");
            double V(string metric) => u.Metrics.Last("models", metric);
            return ((int)p[0], V("train_loss"), V("test_loss"), V("train_acc"), V("test_acc"));
        }).ToList<(int P, double TrL, double TeL, double TrA, double TeA)>();
        bool synthetic = ctx.DataSources.Any(d => d.StartsWith("synthetic", StringComparison.Ordinal));
        ctx.Model($"smallest (w={widths[0]})", Models.Mlp(784, [widths[0], widths[0]], 10, new Generator(0), flatten: true));
        ctx.Model($"largest (w={widths[^1]})", Models.Mlp(784, [widths[^1], widths[^1]], 10, new Generator(0), flatten: true));
        var ps = rows.Select(r => (double)r.P).ToArray();
        ctx.SaveFigure("params", new Figure($"Parameters vs generalization ({widths.Length} models{(synthetic ? ", synthetic digits" : "")})", [
            Panels.Lines("loss", PlotAxes.Log("parameters"), PlotAxes.Log("cross-entropy"), [
                Curves.Points("train", ps, rows.Select(r => r.TrL).ToArray(), Palette.Series(0)),
                Curves.Points("test", ps, rows.Select(r => r.TeL).ToArray(), Palette.Series(1))]),
            Panels.Lines("accuracy", PlotAxes.Log("parameters"), PlotAxes.Linear("accuracy"), [
                Curves.Points("train", ps, rows.Select(r => r.TrA).ToArray(), Palette.Series(0)),
                Curves.Points("test", ps, rows.Select(r => r.TeA).ToArray(), Palette.Series(1))])]));
        var best = rows.MaxBy(r => r.TeA);
        ctx.Observe($"parameters {rows[0].P} → {rows[^1].P}: train accuracy {Common.Pct(rows[0].TrA)} → {Common.Pct(rows[^1].TrA)}, test accuracy {Common.Pct(rows[0].TeA)} → {Common.Pct(rows[^1].TeA)}; best test accuracy {Common.Pct(best.TeA)} at {best.P} parameters");
        ctx.Observe($"generalisation gap (test − train loss): {Common.N(rows[0].TeL - rows[0].TrL)} for the smallest model, {Common.N(rows[^1].TeL - rows[^1].TrL)} for the largest");
    }
}
