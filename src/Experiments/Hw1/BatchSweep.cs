using OxyPlot;
using TinyGrad.Data;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;
using TinyGrad.Nn;

namespace TinyGrad.Experiments.Hw1;

/// <summary>One model per batch size, one unit each (shared by the sensitivity and sharpness experiments).</summary>
public static class BatchSweep
{
    /// <summary>Batch sizes of the sweep per preset.</summary>
    public static int[] BatchSizes(Preset preset) => preset.Pick<int[]>([16, 256], [8, 32, 128, 512, 2048], [.. Enumerable.Range(3, 11).Select(k => 1 << k)]);

    /// <summary>The units: one per batch size, each reading MNIST.</summary>
    public static IReadOnlyList<ExperimentUnit> Units(Preset preset) => [.. BatchSizes(preset).Select(b => new ExperimentUnit($"batch{b}", RealDataset.Mnist))];

    private static (int Train, int Test, int Epochs, int MinSteps) Sizes(ExperimentScope ctx) =>
        (ctx.Pick(512, 2048, 60000), ctx.Pick(256, 1000, 10000), ctx.Pick(2, 8, 20), ctx.Pick(10, 400, 2000));

    /// <summary>The settings rows of the sweep.</summary>
    public static void Settings(RunContext ctx)
    {
        var (trainCount, testCount, epochs, minSteps) = Sizes(ctx);
        ctx.Setting("models", "MLP 784 → 64 → 64 → 10, same initialisation, Adam lr 1e-3");
        ctx.Setting("batch sizes", string.Join(", ", BatchSizes(ctx.Preset)));
        ctx.Setting("training", $"{trainCount} train / {testCount} test samples, {epochs} epochs each, more for large batches so every model takes at least {minSteps} steps");
    }

    /// <summary>Trains the unit's model; records its epochs, test loss and accuracy under series "sweep" at x = batch size.</summary>
    public static (int Batch, Module Model, Dataset Train, EvalSet Test) Train(UnitContext ctx)
    {
        var (trainCount, testCount, epochs, minSteps) = Sizes(ctx);
        int b = BatchSizes(ctx.Preset)[ctx.Index];
        var train = DataSources.Digits(ctx, true, trainCount);
        var testEval = new EvalSet(DataSources.Digits(ctx, false, testCount), Normalization.Mnist, true);
        // Every batch size starts from the same initialisation.
        var model = Models.Mlp(784, [64, 64], 10, ctx.SharedRng("init"), flatten: true);
        if (ctx.Index == 0) ctx.Model("each model", model);
        int batch = Math.Min(b, train.Count), perEpoch = (train.Count + batch - 1) / batch;
        // Large batches take few steps per epoch; without a step floor they would just be undertrained.
        int e = Math.Max(epochs, (minSteps + perEpoch - 1) / perEpoch);
        Training.Classifier(ctx, $"batch{b}", model, train, null, null,
            new TrainSpec { Epochs = e, BatchSize = batch, Normalization = Normalization.Mnist, Flatten = true });
        ctx.Metrics.Add("sweep", b, "epochs", e);
        var (l, a) = testEval.Evaluate(model);
        ctx.Metrics.Add("sweep", b, "test_loss", l);
        ctx.Metrics.Add("sweep", b, "test_acc", a);
        return (b, model, train, testEval);
    }

    /// <summary>The batch sizes and the values of one "sweep" metric, in unit order.</summary>
    public static (double[] Batch, double[] Value) Get(RunContext ctx, string metric) => ctx.Metrics.Get("sweep", metric);

    /// <summary>Saves a row of panels against batch size (log axis): one per "sweep" metric given, then test accuracy.</summary>
    public static void SaveFigure(RunContext ctx, string name, string title, params (string Title, string Y, string Name, string Metric, int Color)[] panels)
    {
        PlotModel Panel((string Title, string Y, string Name, string Metric, int Color) p)
        {
            var (batch, value) = Get(ctx, p.Metric);
            return Panels.Lines(p.Title, PlotAxes.Log("batch size"), PlotAxes.Linear(p.Y), [Curves.Line(p.Name, batch, value, Palette.Series(p.Color), markers: true)]);
        }
        ctx.SaveFigure(name, new Figure(title, [.. panels.Append(("test accuracy", "accuracy", "test accuracy", "test_acc", 1)).Select(Panel)], panels.Length + 1) { PanelWidth = 400 });
    }

    /// <summary>"batch 8: v, batch 32: v, ...": one value per batch size, formatted.</summary>
    public static string PerBatch(double[] batch, double[] value, Func<double, string> format) =>
        string.Join(", ", batch.Select((b, i) => $"batch {b}: {format(value[i])}"));
}
