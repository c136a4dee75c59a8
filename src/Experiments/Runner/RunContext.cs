using System.Globalization;
using System.Text.Json;
using TinyGrad.Experiments.Figures;
using TinyGrad.IO;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// The aggregation of one experiment: its folder (config.json, metrics.csv, figures, section.json, units/, DONE) and
/// helpers for settings, figures and observations. Metrics, models and data sources of the units are already in it.
/// </summary>
public sealed class RunContext : ExperimentScope
{
    /// <summary>Name of the marker file written last when a run (an experiment or a unit) finished.</summary>
    public const string DoneMarker = "DONE";

    private readonly Dictionary<string, object> config = [];
    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Creates the context for <paramref name="experiment"/> writing into <paramref name="folder"/>.</summary>
    public RunContext(IExperiment experiment, string folder, RunOptions options) : base(experiment, folder, options)
    {
        Section = new Section
        {
            Name = experiment.Name, Title = experiment.Title, Description = experiment.Description,
            Preset = options.Preset.ToString().ToLowerInvariant(), Models = Models,
        };
    }

    /// <inheritdoc/>
    public override IReadOnlyList<RealDataset> DeclaredData => Experiment.AggregationData(Preset);

    /// <inheritdoc/>
    public override string Label => $"the aggregation of {Experiment.Name}";

    /// <summary>The report section being built.</summary>
    public Section Section { get; }

    /// <summary>Seconds the units took (added to the section's wall time).</summary>
    public double UnitSeconds { get; set; }

    /// <summary>Records a resolved setting (settings table and config.json).</summary>
    public void Setting(string name, object value)
    {
        config[name] = value;
        Section.Settings.Add([name, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""]);
    }

    /// <summary>Adds an observation computed from the numbers (to the report, not to the console).</summary>
    public void Observe(string text) => Section.Observations.Add(text);

    /// <summary>The units not run for missing data (their results are not among the aggregated units).</summary>
    public IReadOnlyList<NotRunUnit> NotRun => Section.NotRun;

    /// <summary>"CIFAR-10 missing" when a unit whose name <paramref name="unit"/> accepts was not run for missing data, else null.</summary>
    public string? Missing(Func<string, bool> unit)
    {
        var units = NotRun.Where(u => u.Index is not null && unit(u.Name)).ToList();
        return units.Count == 0 ? null : string.Join(", ", units.Select(u => u.Dataset).Distinct()) + " missing";
    }

    /// <summary>Records that the figure titled <paramref name="title"/> was not drawn and why (the report shows it in its place).</summary>
    public void FigureNotDrawn(string title, string reason) => Section.MissingFigures.Add([title, reason]);

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

    /// <summary>Writes config.json (at the start too, so an interrupted run still says what it was).</summary>
    public void WriteConfig()
    {
        var doc = new Dictionary<string, object>
        {
            ["experiment"] = Experiment.Name,
            ["preset"] = Section.Preset,
            ["seed"] = Options.Seed,
            ["device"] = Device.Default.Name,
            ["data_source"] = DataSourceText(),
            ["data_dir"] = Options.Data.Dir ?? "",
            ["synthetic"] = string.Join(",", Options.Data.Synthetic.Select(d => d.Key)),
            ["git_commit"] = GitInfo.Commit,
            ["settings"] = config.ToDictionary(kv => kv.Key, kv => Convert.ToString(kv.Value, CultureInfo.InvariantCulture) ?? ""),
        };
        AtomicFile.WriteAllBytes(Path.Combine(Folder, "config.json"), JsonSerializer.SerializeToUtf8Bytes(doc, JsonOptions));
    }

    private string DataSourceText() => DataSources.Count == 0 ? "none" : string.Join("; ", DataSources);

    /// <summary>
    /// Writes metrics.csv, config.json, section.json and finally the DONE marker; without DONE when units were not run, so
    /// that the next run runs them once their data is there and aggregates again.
    /// </summary>
    public void Finish()
    {
        Section.DataSource = DataSourceText();
        Section.Seconds = Math.Round(UnitSeconds + clock.Elapsed.TotalSeconds, 1);
        AtomicFile.WriteAllBytes(Path.Combine(Folder, "metrics.csv"), System.Text.Encoding.UTF8.GetBytes(Metrics.ToCsv()));
        WriteConfig();
        AtomicFile.WriteAllBytes(Path.Combine(Folder, "section.json"), JsonSerializer.SerializeToUtf8Bytes(Section, JsonOptions));
        if (NotRun.Count == 0) File.WriteAllText(Path.Combine(Folder, DoneMarker), DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\n");
    }

    /// <summary>JSON options for the files a run writes.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads the section.json of a finished run folder.</summary>
    public static Section ReadSection(string folder) =>
        JsonSerializer.Deserialize<Section>(File.ReadAllText(Path.Combine(folder, "section.json")), JsonOptions)
        ?? throw new InvalidDataException($"{folder}/section.json is empty");
}
