using System.Globalization;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.IO;

/// <summary>Where a training run stands, besides its weights and optimizer state.</summary>
/// <param name="Step">Optimizer steps taken so far.</param>
/// <param name="Epoch">Epochs completed so far.</param>
/// <param name="Generators">Random streams to restore, by name (e.g. "dropout").</param>
/// <param name="Extra">Other metadata to carry (e.g. the config), by key.</param>
public sealed record TrainingState(
    long Step,
    int Epoch,
    IReadOnlyDictionary<string, Generator> Generators,
    IReadOnlyDictionary<string, string> Extra);

/// <summary>
/// A whole training run in one atomic checkpoint: the model's parameters, the optimizer's state
/// (per-parameter tensors and step counts, learning rate), the random generators and the
/// step/epoch counters. Loading it into freshly built objects continues training exactly.
/// </summary>
public static class TrainingCheckpoint
{
    private const string ModelPrefix = "model.", OptimizerPrefix = "optim.";

    /// <summary>Writes the checkpoint atomically (the previous file survives a failed write).</summary>
    public static void Save(string path, Module model, Optimizer optimizer, TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(state);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in model.NamedParameters()) tensors[ModelPrefix + name] = p;
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < optimizer.Parameters.Count; i++)
        {
            foreach (var (name, t) in optimizer.State(i)) tensors[$"{OptimizerPrefix}{i}.{name}"] = t;
            meta[$"{OptimizerPrefix}{i}.step"] = Text(optimizer.ParameterStep(i));
        }
        meta["optim.type"] = optimizer.GetType().Name;
        meta["optim.step_count"] = Text(optimizer.StepCount);
        meta["optim.lr"] = optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture);
        meta["train.step"] = Text(state.Step);
        meta["train.epoch"] = Text(state.Epoch);
        foreach (var (name, g) in state.Generators) Checkpoint.StoreGenerator(meta, "rng." + name, g);
        foreach (var (k, v) in state.Extra) meta["extra." + k] = v;
        Checkpoint.Save(path, tensors, meta);
    }

    /// <summary>
    /// Restores <paramref name="model"/> and <paramref name="optimizer"/> in place from <paramref name="path"/>
    /// and returns the counters and generators. A checkpoint of another model or optimizer (names,
    /// shapes, type) throws <see cref="InvalidDataFileException"/> naming what differs; the model
    /// is left untouched in that case.
    /// </summary>
    public static TrainingState Load(string path, Module model, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var data = Checkpoint.Load(path, model.Parameters().FirstOrDefault()?.Device);
        var meta = data.Metadata;
        string type = Required(meta, path, "optim.type");
        if (type != optimizer.GetType().Name) throw DataFile.Fail(path, $"optimizer state of {optimizer.GetType().Name}", type);

        // Validate everything before changing anything.
        var named = model.NamedParameters().ToList();
        foreach (var (name, p) in named)
        {
            if (!data.Tensors.TryGetValue(ModelPrefix + name, out var t))
                throw DataFile.Fail(path, $"parameter '{name}' of the model", "no such tensor");
            if (!t.Shape.SequenceEqual(p.Shape) || t.DType != p.DType)
                throw DataFile.Fail(path, $"parameter '{name}' of shape {Shapes.Format(p.Shape)} ({p.DType})", $"{Shapes.Format(t.Shape)} ({t.DType})");
        }
        int stored = data.Tensors.Keys.Count(k => k.StartsWith(ModelPrefix, StringComparison.Ordinal));
        if (stored != named.Count) throw DataFile.Fail(path, $"{named.Count} model parameters", $"{stored}");

        using (Autograd.NoGrad())
            foreach (var (name, p) in named) p.CopyFrom(data.Tensors[ModelPrefix + name]);
        for (int i = 0; i < optimizer.Parameters.Count; i++)
        {
            var state = new Dictionary<string, Tensor>();
            foreach (var name in optimizer.StateNames)
                if (data.Tensors.TryGetValue($"{OptimizerPrefix}{i}.{name}", out var t)) state[name] = t;
            optimizer.LoadState(i, (int)Number(meta, path, $"{OptimizerPrefix}{i}.step"), state);
        }
        optimizer.StepCount = (int)Number(meta, path, "optim.step_count");
        optimizer.LearningRate = double.Parse(Required(meta, path, "optim.lr"), CultureInfo.InvariantCulture);

        var generators = new Dictionary<string, Generator>(StringComparer.Ordinal);
        foreach (var key in meta.Keys.Where(k => k.StartsWith("rng.", StringComparison.Ordinal) && k.EndsWith(".seed", StringComparison.Ordinal)))
        {
            string name = key["rng.".Length..^".seed".Length];
            generators[name] = Checkpoint.RestoreGenerator(meta, "rng." + name);
        }
        var extra = meta.Where(kv => kv.Key.StartsWith("extra.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["extra.".Length..], kv => kv.Value, StringComparer.Ordinal);
        return new TrainingState(Number(meta, path, "train.step"), (int)Number(meta, path, "train.epoch"), generators, extra);
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Required(IReadOnlyDictionary<string, string> meta, string path, string key) =>
        meta.TryGetValue(key, out var v) ? v : throw DataFile.Fail(path, $"metadata '{key}'", "missing");

    private static long Number(IReadOnlyDictionary<string, string> meta, string path, string key)
    {
        string text = Required(meta, path, key);
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= 0
            ? v : throw DataFile.Fail(path, $"a non-negative integer for '{key}'", text);
    }
}
