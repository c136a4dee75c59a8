using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Output;
using TinyGrad.IO;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// One experiment run: its folder (config.json, metrics.csv, figures, section.json, checkpoints/, DONE),
/// the options, and helpers for settings, metrics, figures, observations and checkpoints.
/// </summary>
public sealed class RunContext
{
    /// <summary>Name of the marker file written when a run finished.</summary>
    public const string DoneMarker = "DONE";

    private readonly Dictionary<string, object> config = [];
    private readonly HashSet<string> dataSources = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();

    /// <summary>Creates the context for <paramref name="experiment"/> writing into <paramref name="folder"/>.</summary>
    public RunContext(IExperiment experiment, string folder, RunOptions options)
    {
        Experiment = experiment;
        Folder = Path.GetFullPath(folder);
        Options = options;
        Directory.CreateDirectory(Folder);
        Section = new Section { Name = experiment.Name, Title = experiment.Title, Description = experiment.Description, Preset = options.Preset.ToString().ToLowerInvariant() };
    }

    /// <summary>The experiment.</summary>
    public IExperiment Experiment { get; }

    /// <summary>The run folder (absolute).</summary>
    public string Folder { get; }

    /// <summary>The options.</summary>
    public RunOptions Options { get; }

    /// <summary>The preset.</summary>
    public Preset Preset => Options.Preset;

    /// <summary>The metrics written to metrics.csv.</summary>
    public Metrics Metrics { get; } = new();

    /// <summary>The report section being built.</summary>
    public Section Section { get; }

    /// <summary>Seed for a named sub-task, derived from the base seed so runs are reproducible and independent.</summary>
    public ulong SeedFor(string tag, int index = 0)
    {
        ulong h = 1469598103934665603UL;
        foreach (char c in Experiment.Name + "/" + tag) h = (h ^ c) * 1099511628211UL;
        return (Options.Seed * 0x9E3779B97F4A7C15UL) ^ h ^ ((ulong)index * 0xD1B54A32D192ED03UL);
    }

    /// <summary>A generator for a named sub-task.</summary>
    public Generator Rng(string tag, int index = 0) => new(SeedFor(tag, index));

    /// <summary>Writes a message prefixed with the experiment name.</summary>
    public void Log(string message) => Options.Output.Line($"[{Experiment.Name}] {message}");

    /// <summary>The progress of a stage of <paramref name="total"/> steps; dispose it when the stage ends.</summary>
    public StageProgress Progress(string label, int total) => Options.Output.Stage($"{Experiment.Name} {label}", total);

    /// <summary>Records a resolved setting (settings table and config.json).</summary>
    public void Setting(string name, object value)
    {
        config[name] = value;
        Section.Settings.Add([name, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""]);
    }

    /// <summary>Records a model row: name, architecture text, parameter count.</summary>
    public void Model(string name, Module module)
    {
        Section.Models.Add([name, Describe(module), module.ParameterCount.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>A compact one-line description of a module's layers, e.g. "Linear(1→32) ReLU Linear(32→1)".</summary>
    public static string Describe(Module module) => module switch
    {
        Sequential s => string.Join(" ", Enumerable.Range(0, s.Count).Select(i => Describe(s[i]))),
        Linear l => $"Linear({l.InFeatures}→{l.OutFeatures})",
        Conv2d c => $"Conv{c.KernelSize.H}x{c.KernelSize.W}({c.InChannels}→{c.OutChannels})",
        MaxPool2d m => $"MaxPool{m.KernelSize.H}",
        AvgPool2d a => $"AvgPool{a.KernelSize.H}",
        ReLU => "ReLU",
        Tanh => "Tanh",
        Sigmoid => "Sigmoid",
        Flatten => "Flatten",
        _ => module.ToString() ?? module.GetType().Name,
    };

    /// <summary>Records a dataset used ("synthetic" or "real" is derived from it).</summary>
    public void UsesData(TinyGrad.Data.Dataset data)
    {
        // Dataset names carry generator details in parentheses; the report needs only the kind and the name.
        int paren = data.Name.IndexOf(" (", StringComparison.Ordinal);
        string name = paren > 0 && data.IsSynthetic ? data.Name[..paren] : data.Name;
        dataSources.Add($"{(data.IsSynthetic ? "synthetic" : "real")}: {name}");
    }

    /// <summary>Records a data source given as text (e.g. "synthetic: target functions").</summary>
    public void UsesData(string description) => dataSources.Add(description);

    /// <summary>Adds an observation computed from the numbers (to the report, not to the console).</summary>
    public void Observe(string text) => Section.Observations.Add(text);

    private static int pngWarned;

    /// <summary>Saves a figure as <c>name.svg</c> and <c>name.png</c> (when SkiaSharp loads) and adds it to the section.</summary>
    public void SaveFigure(string name, Figure figure)
    {
        string file = name + ".svg";
        AtomicFile.WriteAllBytes(Path.Combine(Folder, file), System.Text.Encoding.UTF8.GetBytes(figure.ToSvg()));
        if (SkiaText.Available) AtomicFile.WriteAllBytes(Path.Combine(Folder, name + ".png"), figure.ToPng());
        else if (Interlocked.Exchange(ref pngWarned, 1) == 0) Console.Error.WriteLine($"hw1: no PNG figures: {SkiaText.Unavailable}");
        Section.Figures.Add(file);
    }

    /// <summary>The path of a named checkpoint in this run.</summary>
    public string CheckpointPath(string key) => Path.Combine(Folder, "checkpoints", key + ".safetensors");

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

    private int checkpointsSaved;

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

    /// <summary>Writes config.json at the start so an interrupted run still says what it was.</summary>
    public void WriteConfig()
    {
        var doc = new Dictionary<string, object>
        {
            ["experiment"] = Experiment.Name,
            ["preset"] = Section.Preset,
            ["seed"] = Options.Seed,
            ["device"] = Device.Default.Name,
            ["data_source"] = DataSourceText(),
            ["data_dir"] = Options.DataDir ?? "",
            ["git_commit"] = GitInfo.Commit,
            ["settings"] = config.ToDictionary(kv => kv.Key, kv => Convert.ToString(kv.Value, CultureInfo.InvariantCulture) ?? ""),
        };
        AtomicFile.WriteAllBytes(Path.Combine(Folder, "config.json"), JsonSerializer.SerializeToUtf8Bytes(doc, JsonOptions));
    }

    private string DataSourceText() => dataSources.Count == 0 ? "none" : string.Join("; ", dataSources.Order(StringComparer.Ordinal));

    /// <summary>Writes metrics.csv, config.json, section.json and finally the DONE marker.</summary>
    public void Finish()
    {
        Section.DataSource = DataSourceText();
        Section.Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        AtomicFile.WriteAllBytes(Path.Combine(Folder, "metrics.csv"), System.Text.Encoding.UTF8.GetBytes(Metrics.ToCsv()));
        WriteConfig();
        AtomicFile.WriteAllBytes(Path.Combine(Folder, "section.json"), JsonSerializer.SerializeToUtf8Bytes(Section, JsonOptions));
        File.WriteAllText(Path.Combine(Folder, DoneMarker), DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\n");
    }

    /// <summary>JSON options for the files a run writes.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads the section.json of a finished run folder.</summary>
    public static Section ReadSection(string folder) =>
        JsonSerializer.Deserialize<Section>(File.ReadAllText(Path.Combine(folder, "section.json")), JsonOptions)
        ?? throw new InvalidDataException($"{folder}/section.json is empty");
}
