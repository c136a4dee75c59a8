using System.Globalization;
using System.Text.Json;
using TinyGrad.IO;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// One unit of an experiment (a run, a model, a batch size ...): its own folder under the experiment's <c>units/</c>
/// (metrics.csv, arrays.npz, unit.json, log.txt, checkpoints/, DONE last), and seeds that derive from the base seed,
/// the experiment and the unit only, so a unit gives the same numbers in any process, in any order.
/// </summary>
public sealed class UnitContext : ExperimentScope
{
    private readonly Dictionary<string, HostArray> arrays = new(StringComparer.Ordinal);
    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
    private int checkpointsSaved;

    /// <summary>Creates unit <paramref name="index"/> of <paramref name="experiment"/> in its folder under <paramref name="experimentFolder"/>.</summary>
    public UnitContext(IExperiment experiment, string experimentFolder, int index, RunOptions options)
        : base(experiment, UnitFolders.Path(experimentFolder, experiment, options.Preset, index), options)
    {
        Index = index;
        Unit = experiment.Units(options.Preset)[index];
    }

    /// <summary>The unit: its name and the datasets it reads.</summary>
    public ExperimentUnit Unit { get; }

    /// <summary>The unit's index in <see cref="IExperiment.Units"/> (what <c>--unit</c> takes).</summary>
    public int Index { get; }

    /// <summary>The unit's name (e.g. run3, w16, batch64).</summary>
    public string Name => Unit.Name;

    /// <inheritdoc/>
    public override IReadOnlyList<RealDataset> DeclaredData => Unit.Data;

    /// <inheritdoc/>
    public override string Label => $"{Experiment.Name} unit {Index} ({Name})";

    /// <summary>A seed for a named sub-task of this unit: depends on the base seed, the experiment, the unit and the tag only.</summary>
    public ulong Seed(string tag, int index = 0) => SharedSeed($"unit:{Name}/{tag}", index);

    /// <summary>A generator seeded with <see cref="Seed"/>.</summary>
    public Generator Rng(string tag, int index = 0) => new(Seed(tag, index));

    /// <summary>Keeps an array for the aggregation (written to arrays.npz), e.g. predictions or weight snapshots.</summary>
    public void SaveArray(string name, HostArray array) => arrays[name] = array;

    /// <summary>Writes a message prefixed with the experiment and unit to the output and to the unit's log.txt.</summary>
    public override void Log(string message)
    {
        Options.Output.Line($"[{Experiment.Name} {Name}] {message}");
        LogFile(message);
    }

    /// <summary>Appends a time-stamped line to the unit's log.txt.</summary>
    internal void LogFile(string message) =>
        File.AppendAllText(Path.Combine(Folder, "log.txt"), $"{DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {message}\n");

    /// <summary>The path of a named checkpoint of this unit.</summary>
    public string CheckpointPath(string key) => Path.Combine(Folder, "checkpoints", key.Replace('/', '-') + ".safetensors");

    /// <summary>
    /// Saves model, optimizer state, the number of finished epochs and the metrics so far under <paramref name="key"/>.
    /// Honours <see cref="RunOptions.InterruptAfterEpochs"/> (test hook) by throwing after the save.
    /// </summary>
    public void SaveCheckpoint(string key, Module model, Optimizer optimizer, int epochsDone, IEnumerable<MetricRow> history)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (n, p) in model.NamedParameters()) tensors["model." + n] = p.Detach();
        var meta = new Dictionary<string, string>
        {
            ["epochs"] = epochsDone.ToString(CultureInfo.InvariantCulture),
            ["history"] = JsonSerializer.Serialize(history.Select(r => new object[] { r.Series, r.X, r.Metric, r.Value }).ToList()),
        };
        for (int i = 0; i < optimizer.Parameters.Count; i++)
        {
            meta[$"opt.{i}.step"] = optimizer.ParameterStep(i).ToString(CultureInfo.InvariantCulture);
            foreach (var (n, t) in optimizer.State(i)) tensors[$"opt.{i}.{n}"] = t.Detach();
        }
        meta["opt.stepcount"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
        string path = CheckpointPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Checkpoint.Save(path, tensors, meta);
        checkpointsSaved++;
        if (Options.InterruptAfterEpochs is int stop && checkpointsSaved >= stop)
            throw new RunInterruptedException($"interrupted after {checkpointsSaved} checkpointed epochs (test hook)");
    }

    /// <summary>
    /// With --resume, restores model and optimizer from the checkpoint under <paramref name="key"/> and returns the finished
    /// epochs and the metrics recorded so far; otherwise (or without a checkpoint) returns null.
    /// </summary>
    public (int Epochs, List<MetricRow> History)? TryResume(string key, Module model, Optimizer optimizer)
    {
        string path = CheckpointPath(key);
        if (!Options.Resume || !File.Exists(path)) return null;
        var data = Checkpoint.Load(path, model.Parameters().First().Device);
        using (Autograd.NoGrad())
        {
            foreach (var (n, p) in model.NamedParameters()) p.CopyFrom(data.Tensors["model." + n]);
        }
        for (int i = 0; i < optimizer.Parameters.Count; i++)
        {
            var st = optimizer.StateNames.Where(s => data.Tensors.ContainsKey($"opt.{i}.{s}")).ToDictionary(s => s, s => data.Tensors[$"opt.{i}.{s}"]);
            optimizer.LoadState(i, int.Parse(data.Metadata[$"opt.{i}.step"], CultureInfo.InvariantCulture), st);
        }
        optimizer.StepCount = int.Parse(data.Metadata["opt.stepcount"], CultureInfo.InvariantCulture);
        int epochs = int.Parse(data.Metadata["epochs"], CultureInfo.InvariantCulture);
        var rows = JsonSerializer.Deserialize<List<JsonElement[]>>(data.Metadata["history"])!
            .Select(a => new MetricRow(a[0].GetString()!, a[1].GetDouble(), a[2].GetString()!, a[3].GetDouble())).ToList();
        Log($"resumed '{key}' from checkpoint after epoch {epochs}");
        return (epochs, rows);
    }

    /// <summary>Writes metrics.csv, arrays.npz, unit.json and finally the DONE marker.</summary>
    internal UnitResult Finish()
    {
        var result = new UnitResult
        {
            Experiment = Experiment.Name, Index = Index, Name = Name, Preset = Preset.ToString().ToLowerInvariant(), Seed = Options.Seed,
            Device = Device.Default.Name, Models = Models, DataSources = [.. DataSources], Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            Host = Environment.MachineName, Folder = Folder, Metrics = Metrics,
        };
        AtomicFile.WriteAllBytes(Path.Combine(Folder, "metrics.csv"), System.Text.Encoding.UTF8.GetBytes(Metrics.ToCsv()));
        if (arrays.Count > 0) Npz.Write(Path.Combine(Folder, UnitResult.ArraysFile), arrays);
        AtomicFile.WriteAllBytes(Path.Combine(Folder, UnitResult.InfoFile), JsonSerializer.SerializeToUtf8Bytes(result, RunContext.JsonOptions));
        LogFile($"finished in {result.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        File.WriteAllText(Path.Combine(Folder, RunContext.DoneMarker), DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\n");
        return result;
    }
}
