using System.Text.Json.Serialization;

namespace TinyGrad.Experiments.Runner;

/// <summary>What one finished run contributes to the report; saved as section.json in its folder.</summary>
public sealed class Section
{
    /// <summary>The experiment name (CLI name).</summary>
    public string Name { get; set; } = "";

    /// <summary>The homework part and title.</summary>
    public string Title { get; set; } = "";

    /// <summary>One-line description.</summary>
    public string Description { get; set; } = "";

    /// <summary>The preset it ran with.</summary>
    public string Preset { get; set; } = "";

    /// <summary>"synthetic", "real" or "none" (data that is not a dataset, e.g. target functions), plus dataset names.</summary>
    public string DataSource { get; set; } = "";

    /// <summary>Settings rows (name, value).</summary>
    public List<string[]> Settings { get; set; } = [];

    /// <summary>Model rows: name, architecture, parameter count.</summary>
    public List<string[]> Models { get; set; } = [];

    /// <summary>Figure file names (SVG) relative to the run folder.</summary>
    public List<string> Figures { get; set; } = [];

    /// <summary>Observations computed from the numbers.</summary>
    public List<string> Observations { get; set; } = [];

    /// <summary>Wall time in seconds.</summary>
    public double Seconds { get; set; }

    /// <summary>The experiment's units at its preset.</summary>
    public int Units { get; set; }

    /// <summary>The units the section was built from (fewer than <see cref="Units"/> when some were not run).</summary>
    public int UnitsRun { get; set; }

    /// <summary>Units (and the aggregation) not run for missing data; empty when the experiment is complete.</summary>
    public List<NotRunUnit> NotRun { get; set; } = [];

    /// <summary>Figures not drawn, as (title, why) rows: the report shows them in place of the figure.</summary>
    public List<string[]> MissingFigures { get; set; } = [];

    /// <summary>The missing datasets, e.g. "CIFAR-10 missing" (empty when complete).</summary>
    [JsonIgnore]
    public string Missing => NotRun.Count == 0 ? "" : string.Join(", ", NotRun.Select(u => u.Dataset).Distinct()) + " missing";

    /// <summary>"complete", "partial: 4 of 8 units ran (CIFAR-10 missing)" (the rest named in <see cref="NotRun"/>), or "not run: MNIST missing".</summary>
    [JsonIgnore]
    public string Status => NotRun.Count == 0 ? "complete" : UnitsRun == 0 ? "not run: " + Missing : $"partial: {UnitsRun} of {Units} units ran ({Missing})";

    /// <summary>The section of an experiment none of whose units could run (nothing is written to its folder).</summary>
    public static Section NotRunAtAll(IExperiment experiment, Preset preset, List<NotRunUnit> notRun) => new()
    {
        Name = experiment.Name, Title = experiment.Title, Description = experiment.Description, Preset = preset.ToString().ToLowerInvariant(),
        Units = experiment.Units(preset).Count, NotRun = notRun,
    };
}
