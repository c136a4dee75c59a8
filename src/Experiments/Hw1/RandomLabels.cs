using TinyGrad.Data;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-3: fit MNIST with shuffled labels: the network memorises the training set while test accuracy stays at chance.</summary>
public sealed class RandomLabels : IExperiment
{
    /// <inheritdoc/>
    public string Name => "random-labels";

    /// <inheritdoc/>
    public string Title => "1-3 Can the network fit random labels?";

    /// <inheritdoc/>
    public string Description => "MNIST with shuffled training labels: train/test loss and accuracy per epoch until train accuracy is near 1";

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [new("random", RealDataset.Mnist)];

    private static (int Train, int Test, TrainSpec Spec) Settings(ExperimentScope ctx) => (ctx.Pick(128, 2000, 10000), ctx.Pick(256, 1000, 10000), new TrainSpec
    {
        Epochs = ctx.Pick(4, 200, 1000), BatchSize = 64, LearningRate = 1e-3, Normalization = Normalization.Mnist, Flatten = true,
        Checkpoint = true, StopAtTrainAccuracy = 0.95,
    });

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var (trainCount, testCount, spec) = Settings(ctx);
        int[] hidden = ctx.Pick<int[]>([128], [256, 256], [512, 512]);
        var clean = DataSources.Digits(ctx, true, trainCount);
        var shuffled = clean.WithCorruptedLabels(1.0, ctx.SharedSeed("labels"), LabelCorruption.Shuffle, out _);
        var test = DataSources.Digits(ctx, false, testCount);
        var model = Models.Mlp(784, hidden, 10, ctx.Rng("init"), flatten: true);
        ctx.Model("model", model);
        Training.Classifier(ctx, "random", model, shuffled, new EvalSet(shuffled, Normalization.Mnist, true), new EvalSet(test, Normalization.Mnist, true), spec);
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var (trainCount, testCount, spec) = Settings(ctx);
        ctx.Setting("training labels", $"all {trainCount} labels shuffled (a permutation of the label list); test labels true");
        ctx.Setting("test samples", testCount);
        ctx.Setting("optimizer", $"Adam lr {spec.LearningRate}, batch {spec.BatchSize}, up to {spec.Epochs} epochs, stop at 95% train accuracy");
        bool synthetic = units[0].DataSources.Any(d => d.StartsWith("synthetic", StringComparison.Ordinal));
        ctx.SaveFigure("random-labels", new Figure($"Random labels{(synthetic ? " (synthetic digits)" : "")}: {trainCount} training samples", [
            Common.TrainTest(ctx.Metrics, "loss", ["random"], "loss", PlotAxes.Linear("cross-entropy")),
            Common.TrainTest(ctx.Metrics, "accuracy", ["random"], "acc", PlotAxes.Linear("accuracy"))]));
        var (ep, _) = ctx.Metrics.Get("random", "train_acc");
        ctx.Observe($"after {ep[^1]} epochs: train accuracy {Common.Pct(ctx.Metrics.Last("random", "train_acc"))} on shuffled labels, test accuracy {Common.Pct(ctx.Metrics.Last("random", "test_acc"))} (chance 10%)");
        var (_, tl) = ctx.Metrics.Get("random", "test_loss");
        ctx.Observe($"test loss {Common.N(tl[0])} → {Common.N(tl[^1])} while train loss {Common.N(ctx.Metrics.Get("random", "train_loss").Y[0])} → {Common.N(ctx.Metrics.Last("random", "train_loss"))}");
    }
}
