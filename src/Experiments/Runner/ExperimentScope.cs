using System.Globalization;
using TinyGrad.Data;
using TinyGrad.Experiments.Output;
using TinyGrad.Nn;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// What a unit of an experiment and the experiment's aggregation share: the experiment, a folder, the options, metrics,
/// the experiment-wide seeds (the same in every unit) and the data sources used.
/// </summary>
public abstract class ExperimentScope
{
    private readonly HashSet<string> dataSources = [];

    /// <summary>Creates the scope of <paramref name="experiment"/> writing into <paramref name="folder"/> (created).</summary>
    protected ExperimentScope(IExperiment experiment, string folder, RunOptions options)
    {
        Experiment = experiment;
        Folder = Path.GetFullPath(folder);
        Options = options;
        Directory.CreateDirectory(Folder);
    }

    /// <summary>The experiment.</summary>
    public IExperiment Experiment { get; }

    /// <summary>The folder this scope writes (absolute).</summary>
    public string Folder { get; }

    /// <summary>The options.</summary>
    public RunOptions Options { get; }

    /// <summary>The preset.</summary>
    public Preset Preset => Options.Preset;

    /// <summary>The real datasets this scope declares it reads (a unit's, or the aggregation's).</summary>
    public abstract IReadOnlyList<RealDataset> DeclaredData { get; }

    /// <summary>What this scope is, for messages (e.g. "actual-task unit 4 (cifar-dnn-shallow)").</summary>
    public abstract string Label { get; }

    /// <summary>The metrics written to metrics.csv.</summary>
    public Metrics Metrics { get; } = new();

    /// <summary>The data sources used ("synthetic: ..." or "real: ..."), sorted.</summary>
    public IReadOnlyList<string> DataSources => [.. dataSources.Order(StringComparer.Ordinal)];

    /// <summary>
    /// A seed that depends only on the base seed, the experiment and <paramref name="tag"/>/<paramref name="index"/>: the
    /// same in every unit and in the aggregation (e.g. the dataset all units train on).
    /// </summary>
    public ulong SharedSeed(string tag, int index = 0)
    {
        ulong h = 1469598103934665603UL;
        foreach (char c in Experiment.Name + "/" + tag) h = (h ^ c) * 1099511628211UL;
        return (Options.Seed * 0x9E3779B97F4A7C15UL) ^ h ^ ((ulong)index * 0xD1B54A32D192ED03UL);
    }

    /// <summary>A generator seeded with <see cref="SharedSeed"/>.</summary>
    public Generator SharedRng(string tag, int index = 0) => new(SharedSeed(tag, index));

    /// <summary>Model rows: name, architecture, parameter count.</summary>
    public List<string[]> Models { get; } = [];

    /// <summary>Records a model row: name, architecture text, parameter count.</summary>
    public void Model(string name, Module module) =>
        Models.Add([name, Describe(module), module.ParameterCount.ToString(CultureInfo.InvariantCulture)]);

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
    public void UsesData(Dataset data)
    {
        // Dataset names carry generator details in parentheses; the report needs only the kind and the name.
        int paren = data.Name.IndexOf(" (", StringComparison.Ordinal);
        string name = paren > 0 && data.IsSynthetic ? data.Name[..paren] : data.Name;
        dataSources.Add($"{(data.IsSynthetic ? "synthetic" : "real")}: {name}");
    }

    /// <summary>Records a data source given as text (e.g. "synthetic: target functions").</summary>
    public void UsesData(string description) => dataSources.Add(description);

    /// <summary>Writes a message prefixed with the experiment name.</summary>
    public virtual void Log(string message) => Options.Output.Line($"[{Experiment.Name}] {message}");

    /// <summary>The progress of a stage of <paramref name="total"/> steps; dispose it when the stage ends.</summary>
    public StageProgress Progress(string label, int total) => Options.Output.Stage($"{Experiment.Name} {label}", total);
}
