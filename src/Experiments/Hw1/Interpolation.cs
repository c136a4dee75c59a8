using TinyGrad.Analysis;
using TinyGrad.Data;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-3: train two models (batch 64 and 1024) and evaluate (1 − α) θ₁ + α θ₂ for α in [-1, 2].</summary>
public sealed class Interpolation : IExperiment
{
    /// <inheritdoc/>
    public string Name => "interpolation";

    /// <inheritdoc/>
    public string Title => "1-3 Flatness vs generalization: interpolation";

    /// <inheritdoc/>
    public string Description => "two models trained with batch 64 and 1024; loss and accuracy along (1-α)θ₁ + αθ₂, α in [-1, 2]";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
        int trainCount = ctx.Pick(512, 3000, 60000), testCount = ctx.Pick(256, 1000, 10000), epochs = ctx.Pick(2, 20, 50), minSteps = ctx.Pick(10, 600, 3000), alphas = ctx.Pick(11, 50, 50);
        int[] batches = [64, 1024];
        var train = DataSources.Digits(ctx, true, trainCount);
        var test = DataSources.Digits(ctx, false, testCount);
        var trainEval = new EvalSet(train, Normalization.Mnist, true);
        var testEval = new EvalSet(test, Normalization.Mnist, true);
        ctx.Setting("models", "MLP 784 → 64 → 64 → 10, each its own initialisation, Adam lr 1e-3");
        ctx.Setting("batch sizes", "64 (θ₁) and 1024 (θ₂)");
        ctx.Setting("training", $"{trainCount} train / {testCount} test samples, {epochs} epochs, more for batch 1024 so it takes at least {minSteps} steps");
        ctx.Setting("α", $"{alphas} points in [-1, 2]");
        var models = batches.Select(b => Models.Mlp(784, [64, 64], 10, ctx.Rng("init", b), flatten: true)).ToArray();
        ctx.Model("each model", models[0]);
        for (int i = 0; i < 2; i++)
        {
            int perEpoch = (train.Count + batches[i] - 1) / batches[i];
            // A step floor, so the large-batch model is trained too rather than merely stopped early.
            int e = Math.Max(epochs, (minSteps + perEpoch - 1) / perEpoch);
            Training.Classifier(ctx, $"batch{batches[i]}", models[i], train, trainEval, testEval,
                new TrainSpec { Epochs = e, BatchSize = batches[i], Normalization = Normalization.Mnist, Flatten = true, EvalEvery = e });
        }
        var ps = models[0].Parameters().ToList();
        var a = ParameterVector.Flatten(ps);
        var b = ParameterVector.Flatten(models[1].Parameters().ToList());
        var grid = Enumerable.Range(0, alphas).Select(i => -1 + 3.0 * i / (alphas - 1)).ToArray();
        var onTrain = LossSurface.Interpolate(ps, a, b, grid, () => trainEval.Evaluate(models[0]));
        var onTest = LossSurface.Interpolate(ps, a, b, grid, () => testEval.Evaluate(models[0]));
        for (int i = 0; i < grid.Length; i++)
        {
            ctx.Metrics.Add("interp", grid[i], "train_loss", onTrain[i].Loss);
            ctx.Metrics.Add("interp", grid[i], "train_acc", onTrain[i].Accuracy);
            ctx.Metrics.Add("interp", grid[i], "test_loss", onTest[i].Loss);
            ctx.Metrics.Add("interp", grid[i], "test_acc", onTest[i].Accuracy);
        }
        const string alpha = "α  (0: batch 64, 1: batch 1024)";
        var loss = Panels.Lines("loss (log)", PlotAxes.Linear(alpha), PlotAxes.Log("cross-entropy"), [
            Curves.Line("train", grid, onTrain.Select(p => p.Loss).ToArray(), Palette.Series(0)),
            Curves.Line("test", grid, onTest.Select(p => p.Loss).ToArray(), Palette.Series(1), dashed: true)]);
        var acc = Panels.Lines("accuracy", PlotAxes.Linear(alpha), PlotAxes.Linear("accuracy"), [
            Curves.Line("train", grid, onTrain.Select(p => p.Accuracy).ToArray(), Palette.Series(0)),
            Curves.Line("test", grid, onTest.Select(p => p.Accuracy).ToArray(), Palette.Series(1), dashed: true)]);
        ctx.SaveFigure("interpolation", new Figure($"Interpolating between the batch-64 and batch-1024 models{(train.IsSynthetic ? " (synthetic digits)" : "")}", [loss, acc]));
        double endA = Near(onTrain, 0).Loss, endB = Near(onTrain, 1).Loss;
        var inside = onTrain.Where(p => p.Alpha > 0.02 && p.Alpha < 0.98).ToList();
        var peak = inside.MaxBy(p => p.Loss);
        ctx.Observe($"train loss at α=0 (batch 64) {Common.N(endA)}, at α=1 (batch 1024) {Common.N(endB)}; highest between them {Common.N(peak.Loss)} at α={Common.N(peak.Alpha)}" +
                    (peak.Loss > 1.05 * Math.Max(endA, endB) ? $" — a barrier {Common.N(peak.Loss - Math.Max(endA, endB))} above the higher end" : " — no barrier between the two models"));
        ctx.Observe($"test accuracy α=0 {Common.Pct(Near(onTest, 0).Accuracy)}, α=1 {Common.Pct(Near(onTest, 1).Accuracy)}, minimum between {Common.Pct(onTest.Where(p => p.Alpha > 0.02 && p.Alpha < 0.98).Min(p => p.Accuracy))}; at α=-1 {Common.Pct(onTest[0].Accuracy)}, α=2 {Common.Pct(onTest[^1].Accuracy)}");
    }

    private static SurfacePoint Near(IReadOnlyList<SurfacePoint> pts, double alpha) => pts.MinBy(p => Math.Abs(p.Alpha - alpha));
}
