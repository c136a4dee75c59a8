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
/// A whole training run in one atomic checkpoint: the model's <see cref="Module.StateDict"/> (keys
/// "model.*"), the optimizer's <see cref="Optimizer.StateDict"/> ("optim.*": state tensors, step counts,
/// learning rate and settings), the random generators and the step/epoch counters. Loading it into freshly
/// built objects continues training exactly; <see cref="LoadModel"/> takes only the model (for inference).
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
        foreach (var (name, p) in model.StateDict()) tensors[ModelPrefix + name] = p;
        var optimizerState = optimizer.StateDict();
        foreach (var (name, t) in optimizerState.Tensors) tensors[OptimizerPrefix + name] = t;
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in optimizerState.Values) meta[OptimizerPrefix + k] = v;
        meta["train.step"] = Text(state.Step);
        meta["train.epoch"] = Text(state.Epoch);
        foreach (var (name, g) in state.Generators) Checkpoint.StoreGenerator(meta, "rng." + name, g);
        foreach (var (k, v) in state.Extra) meta["extra." + k] = v;
        Checkpoint.Save(path, tensors, meta);
    }

    /// <summary>
    /// Restores <paramref name="model"/> and <paramref name="optimizer"/> in place from <paramref name="path"/>
    /// and returns the counters and generators. A checkpoint of another model or optimizer (names, shapes,
    /// type, settings) throws <see cref="InvalidDataFileException"/> naming what differs; both are left
    /// untouched in that case.
    /// </summary>
    public static TrainingState Load(string path, Module model, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var data = Checkpoint.Load(path, model.Parameters().FirstOrDefault()?.Device);
        var modelState = Part(data.Tensors, ModelPrefix);
        var optimizerState = new OptimizerStateDict(Part(data.Tensors, OptimizerPrefix), Part(data.Metadata, OptimizerPrefix));
        // Validate everything before changing anything.
        var problems = model.CheckStateDict(modelState, strict: true).Problems;
        problems.AddRange(optimizer.CheckStateDict(optimizerState));
        if (problems.Count > 0)
            throw DataFile.Fail(path, $"a training checkpoint of this {model.GetType().Name} and {optimizer.GetType().Name}", string.Join("; ", problems));
        long step = Number(data.Metadata, path, "train.step");
        int epoch = (int)Number(data.Metadata, path, "train.epoch");
        model.LoadStateDict(modelState);
        optimizer.LoadStateDict(optimizerState);

        var meta = data.Metadata;
        var generators = new Dictionary<string, Generator>(StringComparer.Ordinal);
        foreach (var key in meta.Keys.Where(k => k.StartsWith("rng.", StringComparison.Ordinal) && k.EndsWith(".seed", StringComparison.Ordinal)))
        {
            string name = key["rng.".Length..^".seed".Length];
            generators[name] = Checkpoint.RestoreGenerator(meta, "rng." + name);
        }
        var extra = Part(meta, "extra.");
        return new TrainingState(step, epoch, generators, extra);
    }

    /// <summary>
    /// Restores only the model's parameters from a training checkpoint (to evaluate or fine-tune it without
    /// its optimizer); a checkpoint of another model throws <see cref="InvalidDataFileException"/>.
    /// </summary>
    public static void LoadModel(string path, Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var data = Checkpoint.Load(path, model.Parameters().FirstOrDefault()?.Device);
        var modelState = Part(data.Tensors, ModelPrefix);
        var problems = model.CheckStateDict(modelState, strict: true).Problems;
        if (problems.Count > 0) throw DataFile.Fail(path, $"a training checkpoint of this {model.GetType().Name}", string.Join("; ", problems));
        model.LoadStateDict(modelState);
    }

    /// <summary>The entries whose key starts with <paramref name="prefix"/>, without it.</summary>
    private static Dictionary<string, T> Part<T>(IReadOnlyDictionary<string, T> all, string prefix)
    {
        var part = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var (k, v) in all)
            if (k.StartsWith(prefix, StringComparison.Ordinal)) part[k[prefix.Length..]] = v;
        return part;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Number(IReadOnlyDictionary<string, string> meta, string path, string key)
    {
        if (!meta.TryGetValue(key, out var text)) throw DataFile.Fail(path, $"metadata '{key}'", "missing");
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= 0
            ? v : throw DataFile.Fail(path, $"a non-negative integer for '{key}'", text);
    }
}
