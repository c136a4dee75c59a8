using TinyGrad.Data;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Experiments.Runner;

/// <summary>A classification dataset held as whole-batch tensors for fast evaluation.</summary>
public sealed class EvalSet
{
    /// <summary>Materialises <paramref name="data"/> in batches of <paramref name="batch"/> (normalised, optionally flattened).</summary>
    public EvalSet(Dataset data, Normalization? normalization, bool flatten, int batch = 500)
    {
        Data = data;
        var loader = new DataLoader(data, batch, shuffle: false, normalization: normalization, flatten: flatten);
        Batches = [.. loader.EpochBatches(0).Select(b => (b.Inputs, b.Targets))];
    }

    /// <summary>The dataset.</summary>
    public Dataset Data { get; }

    /// <summary>The batches.</summary>
    public IReadOnlyList<(Tensor Inputs, Tensor Targets)> Batches { get; }

    /// <summary>How many rows of <paramref name="logits"/> have their arg-max equal to the label.</summary>
    public static int Correct(Tensor logits, Tensor labels)
    {
        var pred = logits.ArgMax(1).ToArray<int>();
        var y = labels.ToArray<int>();
        int c = 0;
        for (int i = 0; i < pred.Length; i++) if (pred[i] == y[i]) c++;
        return c;
    }

    /// <summary>Mean cross-entropy and accuracy of <paramref name="model"/> on this set.</summary>
    public (double Loss, double Accuracy) Evaluate(Module model)
    {
        double loss = 0, correct = 0;
        int n = 0;
        using (Autograd.NoGrad())
        {
            foreach (var (x, y) in Batches)
            {
                var logits = model.Forward(x);
                int b = x.Size(0);
                loss += Functional.CrossEntropy(logits, y).Item() * b;
                correct += Correct(logits, y);
                n += b;
            }
        }
        return (loss / n, correct / n);
    }
}

/// <summary>Settings of one classification training run.</summary>
public sealed record TrainSpec
{
    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam (true) or plain SGD with momentum 0.9 (false).</summary>
    public bool Adam { get; init; } = true;

    /// <summary>Input normalisation.</summary>
    public Normalization? Normalization { get; init; }

    /// <summary>Flatten images to vectors (for MLPs).</summary>
    public bool Flatten { get; init; }

    /// <summary>Save a checkpoint after every epoch (and honour --resume).</summary>
    public bool Checkpoint { get; init; }

    /// <summary>Evaluate train/test every this many epochs (the last epoch always).</summary>
    public int EvalEvery { get; init; } = 1;

    /// <summary>Stop early once the training accuracy (evaluated epochs) reaches this value.</summary>
    public double? StopAtTrainAccuracy { get; init; }

    /// <summary>Called after every optimizer step with (step, loss); e.g. to record gradient norms.</summary>
    public Action<int, double>? OnStep { get; init; }

    /// <summary>Called after every epoch with the epoch number (1-based); e.g. to collect weights.</summary>
    public Action<int>? OnEpoch { get; init; }
}

/// <summary>The shared classification training loop.</summary>
public static class Training
{
    /// <summary>Creates the optimizer of a spec.</summary>
    public static Optimizer Optimizer(Module model, TrainSpec spec) =>
        spec.Adam ? new Adam(model.Parameters(), spec.LearningRate) : new Sgd(model.Parameters(), spec.LearningRate, momentum: 0.9);

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="train"/>; records train_loss, train_acc, test_loss, test_acc per evaluated
    /// epoch under series <paramref name="key"/> in the run metrics. Checkpoints and resumes when the spec asks.
    /// </summary>
    public static void Classifier(UnitContext ctx, string key, Module model, Dataset train, EvalSet? trainEval, EvalSet? test, TrainSpec spec)
    {
        var opt = Optimizer(model, spec);
        var loader = new DataLoader(train, spec.BatchSize, seed: ctx.Seed("loader/" + key), normalization: spec.Normalization, flatten: spec.Flatten);
        var history = new List<MetricRow>();
        int start = 0;
        if (spec.Checkpoint && ctx.TryResume(key, model, opt) is var (done, rows))
        {
            start = done;
            history = rows;
        }
        using var progress = ctx.Progress(key, spec.Epochs);
        int step = start * loader.BatchCount;
        bool stop = false;
        for (int epoch = start; epoch < spec.Epochs; epoch++)
        {
            model.Train();
            double sum = 0;
            int count = 0;
            foreach (var b in loader.EpochBatches(epoch))
            {
                opt.ZeroGrad();
                var loss = Functional.CrossEntropy(model.Forward(b.Inputs), b.Targets);
                loss.Backward();
                spec.OnStep?.Invoke(step, loss.Item());
                opt.Step();
                sum += loss.Item();
                count++;
                step++;
            }
            int e = epoch + 1;
            history.Add(new(key, e, "batch_loss", sum / Math.Max(1, count)));
            if (e % spec.EvalEvery == 0 || e == spec.Epochs)
            {
                model.Eval();
                if (trainEval is not null)
                {
                    var (l, a) = trainEval.Evaluate(model);
                    history.Add(new(key, e, "train_loss", l));
                    history.Add(new(key, e, "train_acc", a));
                    stop = a >= spec.StopAtTrainAccuracy;
                }
                if (test is not null)
                {
                    var (l, a) = test.Evaluate(model);
                    history.Add(new(key, e, "test_loss", l));
                    history.Add(new(key, e, "test_acc", a));
                }
                model.Train();
            }
            spec.OnEpoch?.Invoke(e);
            progress.Report(e, $"loss {sum / Math.Max(1, count):0.####}");
            if (spec.Checkpoint) ctx.SaveCheckpoint(key, model, opt, stop ? spec.Epochs : e, history);
            if (stop) break;
        }
        model.Eval();
        ctx.Metrics.AddRange(history);
    }
}
