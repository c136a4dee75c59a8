using System.Globalization;

namespace TinyGrad.Experiments.Runner;

/// <summary>Where the units of an experiment live: <c>&lt;experiment folder&gt;/units/&lt;index&gt;-&lt;name&gt;</c>.</summary>
public static class UnitFolders
{
    /// <summary>The folder of unit <paramref name="index"/> (the index zero-padded so the folders sort in unit order).</summary>
    public static string Path(string experimentFolder, IExperiment experiment, Preset preset, int index)
    {
        var units = experiment.Units(preset);
        if (index < 0 || index >= units.Count)
            throw new UsageException($"{experiment.Name} has {units.Count} unit{(units.Count == 1 ? "" : "s")} at preset {preset.ToString().ToLowerInvariant()} (0-{units.Count - 1}); there is no unit {index}");
        int digits = (units.Count - 1).ToString(CultureInfo.InvariantCulture).Length;
        return System.IO.Path.Combine(experimentFolder, "units", index.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0') + "-" + units[index].Name);
    }

    /// <summary>Whether unit <paramref name="index"/> has finished (its DONE marker exists).</summary>
    public static bool IsDone(string experimentFolder, IExperiment experiment, Preset preset, int index) =>
        File.Exists(System.IO.Path.Combine(Path(experimentFolder, experiment, preset, index), RunContext.DoneMarker));

    /// <summary>The indices of the units without a DONE marker, in order.</summary>
    public static List<int> Missing(string experimentFolder, IExperiment experiment, Preset preset) =>
        [.. Enumerable.Range(0, experiment.Units(preset).Count).Where(i => !IsDone(experimentFolder, experiment, preset, i))];
}
