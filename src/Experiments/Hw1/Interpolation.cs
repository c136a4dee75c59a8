using TinyGrad.Analysis;
using TinyGrad.Data;
using TinyGrad.IO;
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

    private static readonly int[] Batches = [64, 1024];

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [.. Batches.Select(b => new ExperimentUnit($"batch{b}", RealDataset.Mnist))];

    /// <inheritdoc/>
    /// <remarks>The aggregation evaluates the interpolated models on MNIST.</remarks>
    public IReadOnlyList<RealDataset> AggregationData(Preset preset) => [RealDataset.Mnist];

    private static (int Train, int Test, int Epochs, int MinSteps, int Alphas) Settings(ExperimentScope ctx) =>
        (ctx.Pick(512, 3000, 60000), ctx.Pick(256, 1000, 10000), ctx.Pick(2, 20, 50), ctx.Pick(10, 600, 3000), ctx.Pick(11, 50, 50));

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var (trainCount, testCount, epochs, minSteps, _) = Settings(ctx);
        int batch = Batches[ctx.Index];
        var train = DataSources.Digits(ctx, true, trainCount);
        var test = DataSources.Digits(ctx, false, testCount);
        var model = Models.Mlp(784, [64, 64], 10, ctx.Rng("init"), flatten: true);
        if (ctx.Index == 0) ctx.Model("each model", model);
        int perEpoch = (train.Count + batch - 1) / batch;
        // A step floor, so the large-batch model is trained too rather than merely stopped early.
        int e = Math.Max(epochs, (minSteps + perEpoch - 1) / perEpoch);
        Training.Classifier(ctx, ctx.Name, model, train, new EvalSet(train, Normalization.Mnist, true), new EvalSet(test, Normalization.Mnist, true),
            new TrainSpec { Epochs = e, BatchSize = batch, Normalization = Normalization.Mnist, Flatten = true, EvalEvery = e });
        ctx.SaveArray("theta", HostArray.FromTensor(ParameterVector.Flatten(model.Parameters().ToList())));
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var (trainCount, testCount, epochs, minSteps, alphas) = Settings(ctx);
        ctx.Setting("models", "MLP 784 → 64 → 64 → 10, each its own initialisation, Adam lr 1e-3");
        ctx.Setting("batch sizes", "64 (θ₁) and 1024 (θ₂)");
        ctx.Setting("training", $"{trainCount} train / {testCount} test samples, {epochs} epochs, more for batch 1024 so it takes at least {minSteps} steps");
        ctx.Setting("α", $"{alphas} points in [-1, 2]");
        var train = DataSources.Digits(ctx, true, trainCount);
        var test = DataSources.Digits(ctx, false, testCount);
        var trainEval = new EvalSet(train, Normalization.Mnist, true);
        var testEval = new EvalSet(test, Normalization.Mnist, true);
        // The model whose parameters are set to each interpolated point (its own initial values are overwritten).
        var model = Models.Mlp(784, [64, 64], 10, new Generator(0), flatten: true);
        var ps = model.Parameters().ToList();
        var a = units[0].Array("theta").ToTensor();
        var b = units[1].Array("theta").ToTensor();
        var grid = Enumerable.Range(0, alphas).Select(i => -1 + 3.0 * i / (alphas - 1)).ToArray();
        var onTrain = LossSurface.Interpolate(ps, a, b, grid, () => trainEval.Evaluate(model));
        var onTest = LossSurface.Interpolate(ps, a, b, grid, () => testEval.Evaluate(model));
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
