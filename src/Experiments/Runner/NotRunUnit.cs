using System.Text.Json.Serialization;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// A unit (or an aggregation) not run because a real dataset it reads is missing: which one, and the message that says what
/// to put where. Saved in section.json; the summary table, the report and <c>sweep --status</c> show it.
/// </summary>
public sealed class NotRunUnit
{
    /// <summary>The unit's index, or null for the aggregation.</summary>
    public int? Index { get; set; }

    /// <summary>The unit's name, or "aggregation".</summary>
    public string Name { get; set; } = "";

    /// <summary>The missing datasets (e.g. "CIFAR-10", or "MNIST and CIFAR-10").</summary>
    public string Dataset { get; set; } = "";

    /// <summary>Why, per missing dataset: the files, the folder, where they come from, how to download or replace them.</summary>
    public string Reason { get; set; } = "";

    /// <summary>The status word of the unit, e.g. "not run: CIFAR-10 missing".</summary>
    [JsonIgnore]
    public string Status => $"not run: {Dataset} missing";

    /// <summary>What the unit is, e.g. "unit 4 (cifar-dnn-shallow)" or "aggregation".</summary>
    [JsonIgnore]
    public string What => Index is int i ? $"unit {i} ({Name})" : Name;

    /// <summary>The unit <paramref name="index"/> of <paramref name="experiment"/> if a dataset it reads is missing, else null.</summary>
    public static NotRunUnit? Of(IExperiment experiment, int index, RunOptions options)
    {
        var unit = experiment.Units(options.Preset)[index];
        return Blocked(index, unit.Name, unit.Data, options);
    }

    /// <summary>The units of <paramref name="experiment"/> not done in <paramref name="folder"/> whose data is missing, in order.</summary>
    public static List<NotRunUnit> Find(IExperiment experiment, string folder, RunOptions options) =>
        [.. UnitFolders.Missing(folder, experiment, options.Preset).Select(i => Of(experiment, i, options)).OfType<NotRunUnit>()];

    /// <summary>The aggregation of <paramref name="experiment"/> if a dataset it reads itself is missing, else null.</summary>
    public static NotRunUnit? Aggregation(IExperiment experiment, RunOptions options) =>
        Blocked(null, "aggregation", experiment.AggregationData(options.Preset), options);

    private static NotRunUnit? Blocked(int? index, string name, IReadOnlyList<RealDataset> data, RunOptions options)
    {
        var missing = data.Select(d => (d.Label, Reason: options.Data.Missing(d))).Where(m => m.Reason is not null).ToList();
        return missing.Count == 0 ? null : new NotRunUnit
        {
            Index = index, Name = name, Dataset = string.Join(" and ", missing.Select(m => m.Label)), Reason = string.Join("\n", missing.Select(m => m.Reason)),
        };
    }

    /// <summary>
    /// The not-run units of several experiments grouped by missing dataset: which units of which experiments (all of an
    /// experiment's units as "every unit"), and the reason once.
    /// </summary>
    public static List<(string Dataset, string Units, string Reason)> ByDataset(IEnumerable<(string Experiment, int Units, IReadOnlyList<NotRunUnit> NotRun)> experiments)
    {
        var all = experiments.SelectMany(e => e.NotRun.Select(u => (e.Experiment, e.Units, Unit: u))).ToList();
        return [.. all.GroupBy(x => x.Unit.Dataset).Select(g =>
        {
            var where = g.GroupBy(x => x.Experiment).Select(e =>
                e.Count(x => x.Unit.Index is not null) == e.First().Units ? $"{e.Key} (every unit)" : $"{e.Key}: {string.Join(", ", e.Select(x => x.Unit.What))}");
            return (g.Key, string.Join("; ", where), g.First().Unit.Reason);
        })];
    }
}
