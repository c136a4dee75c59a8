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
}
