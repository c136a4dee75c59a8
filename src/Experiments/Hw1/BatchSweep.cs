using TinyGrad.Data;
using TinyGrad.Experiments.Runner;
using TinyGrad.Nn;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Trains one model per batch size (shared by the sensitivity and sharpness experiments).</summary>
public static class BatchSweep
{
    /// <summary>Batch sizes of the sweep per preset.</summary>
    public static int[] BatchSizes(RunContext ctx) => ctx.Pick<int[]>([16, 256], [8, 32, 128, 512, 2048], [.. Enumerable.Range(3, 11).Select(k => 1 << k)]);

    /// <summary>Trains the sweep; returns each batch size with its model, test loss and accuracy, and the data.</summary>
    public static (List<(int Batch, Module Model, double TestLoss, double TestAcc)> Models, Dataset Train, EvalSet Test) Train(RunContext ctx)
    {
        int trainCount = ctx.Pick(512, 2048, 60000), testCount = ctx.Pick(256, 1000, 10000), epochs = ctx.Pick(2, 8, 20), minSteps = ctx.Pick(10, 400, 2000);
        var batches = BatchSizes(ctx);
        var train = DataSources.Digits(ctx, true, trainCount);
        var test = DataSources.Digits(ctx, false, testCount);
        var testEval = new EvalSet(test, Normalization.Mnist, true);
        ctx.Setting("models", "MLP 784 → 64 → 64 → 10, same initialisation, Adam lr 1e-3");
        ctx.Setting("batch sizes", string.Join(", ", batches));
        ctx.Setting("training", $"{trainCount} train / {testCount} test samples, {epochs} epochs each, more for large batches so every model takes at least {minSteps} steps");
        var result = new List<(int, Module, double, double)>();
        foreach (int b in batches)
        {
            var model = Models.Mlp(784, [64, 64], 10, ctx.Rng("init"), flatten: true);
            if (b == batches[0]) ctx.Model("each model", model);
            int batch = Math.Min(b, train.Count), perEpoch = (train.Count + batch - 1) / batch;
            // Large batches take few steps per epoch; without a step floor they would just be undertrained.
            int e = Math.Max(epochs, (minSteps + perEpoch - 1) / perEpoch);
            Training.Classifier(ctx, $"batch{b}", model, train, null, null,
                new TrainSpec { Epochs = e, BatchSize = batch, Normalization = Normalization.Mnist, Flatten = true });
            ctx.Metrics.Add("sweep", b, "epochs", e);
            var (l, a) = testEval.Evaluate(model);
            ctx.Metrics.Add("sweep", b, "test_loss", l);
            ctx.Metrics.Add("sweep", b, "test_acc", a);
            result.Add((b, model, l, a));
        }
        return (result, train, testEval);
    }
}
