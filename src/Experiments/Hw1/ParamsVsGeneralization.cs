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

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
        int[] widths = ctx.Pick<int[]>([2, 8, 32], [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96], [.. Enumerable.Range(1, 50).Select(i => 2 * i)]);
        int trainCount = ctx.Pick(256, 1500, 20000), testCount = ctx.Pick(256, 1000, 10000), epochs = ctx.Pick(2, 8, 20);
        var train = DataSources.Digits(ctx, true, trainCount);
        var test = DataSources.Digits(ctx, false, testCount);
        var trainEval = new EvalSet(train, Normalization.Mnist, true);
        var testEval = new EvalSet(test, Normalization.Mnist, true);
        ctx.Setting("family", "MLP 784 → w → w → 10 (ReLU)");
        ctx.Setting("widths w", string.Join(", ", widths));
        ctx.Setting("training", $"{trainCount} train / {testCount} test samples, Adam lr 1e-3, batch 64, {epochs} epochs");
        var rows = new List<(int P, double TrL, double TeL, double TrA, double TeA)>();
        foreach (int w in widths)
        {
            var model = Models.Mlp(784, [w, w], 10, ctx.Rng("init", w), flatten: true);
            string key = $"w{w}";
            Training.Classifier(ctx, key, model, train, null, null, new TrainSpec { Epochs = epochs, Normalization = Normalization.Mnist, Flatten = true });
            var (trl, tra) = trainEval.Evaluate(model);
            var (tel, tea) = testEval.Evaluate(model);
            int p = model.ParameterCount;
            rows.Add((p, trl, tel, tra, tea));
            foreach (var (m, v) in new[] { ("train_loss", trl), ("test_loss", tel), ("train_acc", tra), ("test_acc", tea) }) ctx.Metrics.Add("models", p, m, v);
        }
        ctx.Model($"smallest (w={widths[0]})", Models.Mlp(784, [widths[0], widths[0]], 10, new Generator(0), flatten: true));
        ctx.Model($"largest (w={widths[^1]})", Models.Mlp(784, [widths[^1], widths[^1]], 10, new Generator(0), flatten: true));
        var ps = rows.Select(r => (double)r.P).ToArray();
        ctx.SaveFigure("params", new Figure($"Parameters vs generalization ({widths.Length} models{(train.IsSynthetic ? ", synthetic digits" : "")})", [
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
