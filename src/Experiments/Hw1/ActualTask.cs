using TinyGrad.Data;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;
using TinyGrad.Nn;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-1: shallow vs deep DNNs and CNNs of (about) equal parameter count on MNIST and CIFAR-10.</summary>
public sealed class ActualTask : IExperiment
{
    /// <inheritdoc/>
    public string Name => "actual-task";

    /// <inheritdoc/>
    public string Title => "1-1 Train on an actual task";

    /// <inheritdoc/>
    public string Description => "shallow vs deep DNN and CNN (equal parameters) on MNIST and CIFAR-10: loss and accuracy curves";

    private static readonly (string Task, bool IsCifar)[] Tasks = [("mnist", false), ("cifar", true)];

    private static readonly string[] ModelNames = ["dnn-shallow", "dnn-deep", "cnn-shallow", "cnn-deep"];

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) =>
        [.. Tasks.SelectMany(t => ModelNames.Select(m => new ExperimentUnit($"{t.Task}-{m}", t.IsCifar ? RealDataset.Cifar10 : RealDataset.Mnist)))];

    private static (int Train, int Test, TrainSpec Spec) Settings(ExperimentScope ctx) =>
        (ctx.Pick(256, 2000, 60000), ctx.Pick(256, 1000, 10000), new TrainSpec { Epochs = ctx.Pick(2, 6, 30), BatchSize = 64, LearningRate = 1e-3, Checkpoint = true });

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var (task, isCifar) = Tasks[ctx.Index / ModelNames.Length];
        string name = ModelNames[ctx.Index % ModelNames.Length];
        var (trainCount, testCount, spec) = Settings(ctx);
        var train = isCifar ? DataSources.Cifar(ctx, true, trainCount) : DataSources.Digits(ctx, true, trainCount);
        var test = isCifar ? DataSources.Cifar(ctx, false, testCount) : DataSources.Digits(ctx, false, testCount);
        var norm = isCifar ? Normalization.Cifar10 : Normalization.Mnist;
        int c = isCifar ? 3 : 1, size = isCifar ? 32 : 28, inputs = c * size * size;
        int dnnParams = ctx.Pick(isCifar ? 40_000 : 15_000, isCifar ? 100_000 : 50_000, isCifar ? 400_000 : 200_000);
        var g = ctx.Rng("init");
        Module model = name switch
        {
            "dnn-shallow" => Models.Mlp(inputs, Models.WidthsFor(inputs, 10, 1, dnnParams), 10, g, flatten: true),
            "dnn-deep" => Models.Mlp(inputs, Models.WidthsFor(inputs, 10, 3, dnnParams), 10, g, flatten: true),
            "cnn-shallow" => ShallowCnn(c, size, g),
            _ => DeepCnn(c, size, g),
        };
        bool flat = name.StartsWith("dnn", StringComparison.Ordinal);
        string key = $"{task}/{name}";
        ctx.Model(key, model);
        Training.Classifier(ctx, key, model, train, new EvalSet(train, norm, flat), new EvalSet(test, norm, flat), spec with { Normalization = norm, Flatten = flat });
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var (trainCount, testCount, spec) = Settings(ctx);
        ctx.Setting("train / test samples", $"{trainCount} / {testCount} per dataset");
        ctx.Setting("optimizer", $"Adam lr {spec.LearningRate}, batch {spec.BatchSize}, {spec.Epochs} epochs, cross-entropy");
        foreach (var (task, isCifar) in Tasks)
        {
            var keys = ModelNames.Select(m => $"{task}/{m}").ToList();
            string label = isCifar ? "CIFAR-10" : "MNIST";
            if (ctx.Missing(u => u.StartsWith(task + "-", StringComparison.Ordinal)) is string missing)
            {
                ctx.FigureNotDrawn($"{label}: shallow vs deep", missing);
                ctx.Observe($"{label}: not run ({missing}); the {ModelNames.Length} {label} models are not trained");
                continue;
            }
            // The units of this task record its training set as a data source.
            string source = units.Where(u => u.Name.StartsWith(task, StringComparison.Ordinal)).Any(u => u.DataSources.Any(d => d.StartsWith("synthetic", StringComparison.Ordinal))) ? " (synthetic)" : "";
            var dnn = keys.Where(k => k.Contains("dnn", StringComparison.Ordinal)).ToList();
            var cnn = keys.Where(k => k.Contains("cnn", StringComparison.Ordinal)).ToList();
            ctx.SaveFigure($"{task}-curves", new Figure($"{label}{source}: shallow vs deep", [
                Common.TrainTest(ctx.Metrics, "DNN loss", dnn, "loss", PlotAxes.Log("cross-entropy")),
                Common.TrainTest(ctx.Metrics, "DNN accuracy", dnn, "acc", PlotAxes.Linear("accuracy")),
                Common.TrainTest(ctx.Metrics, "CNN loss", cnn, "loss", PlotAxes.Log("cross-entropy")),
                Common.TrainTest(ctx.Metrics, "CNN accuracy", cnn, "acc", PlotAxes.Linear("accuracy"))]));
            foreach (var pair in new[] { dnn, cnn })
                ctx.Observe($"{label}{source}: " + string.Join("; ", pair.Select(k =>
                    $"{k.Split('/')[1]} train loss {Common.N(ctx.Metrics.Last(k, "train_loss"))}, test accuracy {Common.Pct(ctx.Metrics.Last(k, "test_acc"))}")));
        }
    }

    // One conv layer with a wide channel count, pooled hard: few layers, parameters in the classifier.
    private static Sequential ShallowCnn(int c, int size, Generator g) => new(
        new Conv2d(c, 16, 5, padding: 2, generator: g), new ReLU(), new MaxPool2d(4), new Flatten(),
        new Linear(16 * (size / 4) * (size / 4), 10, generator: g));

    // Three conv layers with fewer channels, then the same kind of classifier.
    private static Sequential DeepCnn(int c, int size, Generator g) => new(
        new Conv2d(c, 8, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
        new Conv2d(8, 16, 3, padding: 1, generator: g), new ReLU(),
        new Conv2d(16, 16, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2), new Flatten(),
        new Linear(16 * (size / 4) * (size / 4), 10, generator: g));
}
