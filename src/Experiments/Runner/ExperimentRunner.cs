using System.Globalization;
using TinyGrad.IO;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// Running an experiment's units and its aggregation into its folder. Everything is idempotent: a folder with a DONE
/// marker (an experiment's or a unit's) is skipped.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>A default output folder name: runs/&lt;timestamp&gt;-&lt;suffix&gt;.</summary>
    public static string DefaultOut(string suffix) =>
        Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + suffix);

    /// <summary>
    /// Runs every unit of <paramref name="experiment"/> that is not done and has its data, then the aggregation, into
    /// <paramref name="folder"/> unless it already holds a DONE marker; returns the section (read back from disk when
    /// skipped). Units whose data is missing are not run: the section names them (<see cref="Section.NotRun"/>), the
    /// aggregation uses the units that ran, and no DONE marker is written, so a later run with the data completes it.
    /// </summary>
    public static Section Run(IExperiment experiment, string folder, RunOptions options)
    {
        if (File.Exists(Path.Combine(folder, RunContext.DoneMarker)))
        {
            options.Output.Line($"[{experiment.Name}] already done in {folder}; skipping (delete {RunContext.DoneMarker} to rerun)");
            return RunContext.ReadSection(folder);
        }
        var notRun = NotRunUnit.Find(experiment, folder, options);
        int count = experiment.Units(options.Preset).Count;
        if (notRun.Count == count) return NotRunAtAll(experiment, options, notRun);
        options.Output.ExperimentStarted(experiment.Name, $"{experiment.Title} — preset {Lower(options.Preset)}, seed {options.Seed}, device {Device.Default.Name} → {Path.GetFullPath(folder)}");
        for (int i = 0; i < count; i++)
            if (!notRun.Any(u => u.Index == i)) RunUnitQuietly(experiment, folder, i, options);
        if (NotRunUnit.Aggregation(experiment, options) is NotRunUnit aggregation) return NotRunAtAll(experiment, options, [.. notRun, aggregation]);
        var section = AggregateQuietly(experiment, folder, options, notRun);
        options.Output.ExperimentFinished(experiment.Name, section.Seconds);
        return section;
    }

    /// <summary>
    /// Runs unit <paramref name="index"/> of <paramref name="experiment"/> (skipped when done), with start and end lines;
    /// throws <see cref="DataUnavailableException"/> before starting when a dataset it reads is missing.
    /// </summary>
    public static void RunUnit(IExperiment experiment, string folder, int index, RunOptions options)
    {
        string name = $"{experiment.Name} unit {index}";
        string unitFolder = UnitFolders.Path(folder, experiment, options.Preset, index);
        if (UnitFolders.IsDone(folder, experiment, options.Preset, index))
        {
            CheckSameRun(UnitResult.Read(unitFolder), options);
            options.Output.Line($"[{name}] already done in {unitFolder}; skipping (delete {RunContext.DoneMarker} to rerun)");
            return;
        }
        if (NotRunUnit.Of(experiment, index, options) is NotRunUnit blocked)
            throw new DataUnavailableException($"{name} ({blocked.Name}) {blocked.Status}. {blocked.Reason}");
        options.Output.ExperimentStarted(name, $"{experiment.Units(options.Preset)[index].Name} of {experiment.Title} — preset {Lower(options.Preset)}, seed {options.Seed}, device {Device.Default.Name} → {Path.GetFullPath(unitFolder)}");
        var result = RunUnitQuietly(experiment, folder, index, options);
        options.Output.ExperimentFinished(name, result.Seconds);
    }

    /// <summary>
    /// Builds the experiment's metrics.csv, figures and section from its finished units (skipped when done). Units not done
    /// because their data is missing are named in the section as not run (no DONE marker then); any other unit not done
    /// throws <see cref="MissingUnitsException"/> naming them, and so does missing data of the aggregation itself.
    /// </summary>
    public static Section Aggregate(IExperiment experiment, string folder, RunOptions options)
    {
        if (File.Exists(Path.Combine(folder, RunContext.DoneMarker)))
        {
            options.Output.Line($"[{experiment.Name}] already done in {folder}; skipping (delete {RunContext.DoneMarker} to rerun)");
            return RunContext.ReadSection(folder);
        }
        var notRun = NotRunUnit.Find(experiment, folder, options);
        var blocked = NotRunUnit.Aggregation(experiment, options);
        if (notRun.Count == experiment.Units(options.Preset).Count || blocked is not null)
        {
            var all = blocked is null ? notRun : [.. notRun, blocked];
            throw new DataUnavailableException($"{experiment.Name}: nothing to aggregate, {string.Join(", ", all.Select(u => u.What))} {all[0].Status}. {all[0].Reason}");
        }
        options.Output.ExperimentStarted(experiment.Name, $"aggregating {experiment.Title} from {Path.GetFullPath(Path.Combine(folder, "units"))}");
        var section = AggregateQuietly(experiment, folder, options, notRun);
        options.Output.ExperimentFinished(experiment.Name, section.Seconds);
        return section;
    }

    // The section of an experiment of which nothing can run, said in one line.
    private static Section NotRunAtAll(IExperiment experiment, RunOptions options, List<NotRunUnit> notRun)
    {
        var section = Section.NotRunAtAll(experiment, options.Preset, notRun);
        options.Output.Line($"[{experiment.Name}] {section.Status}");
        return section;
    }

    private static UnitResult RunUnitQuietly(IExperiment experiment, string folder, int index, RunOptions options)
    {
        string unitFolder = UnitFolders.Path(folder, experiment, options.Preset, index);
        if (File.Exists(Path.Combine(unitFolder, RunContext.DoneMarker)))
        {
            var done = UnitResult.Read(unitFolder);
            CheckSameRun(done, options);
            return done;
        }
        if (!options.Resume && Directory.Exists(Path.Combine(unitFolder, "checkpoints")))
            Directory.Delete(Path.Combine(unitFolder, "checkpoints"), recursive: true);
        var ctx = new UnitContext(experiment, folder, index, options);
        ctx.LogFile($"unit {index} ({ctx.Name}) of {experiment.Name}: preset {Lower(options.Preset)}, seed {options.Seed}, device {Device.Default.Name}, host {Environment.MachineName}, pid {Environment.ProcessId}");
        experiment.RunUnit(ctx);
        return ctx.Finish();
    }

    private static Section AggregateQuietly(IExperiment experiment, string folder, RunOptions options, List<NotRunUnit> notRun)
    {
        var missing = UnitFolders.Missing(folder, experiment, options.Preset).Where(i => !notRun.Any(u => u.Index == i)).ToList();
        if (missing.Count > 0) throw new MissingUnitsException(experiment, folder, options.Preset, missing);
        int count = experiment.Units(options.Preset).Count;
        var units = Enumerable.Range(0, count).Where(i => !notRun.Any(u => u.Index == i))
            .Select(i => UnitResult.Read(UnitFolders.Path(folder, experiment, options.Preset, i))).ToList();
        foreach (var u in units) CheckSameRun(u, options);
        var ctx = new RunContext(experiment, folder, options);
        ctx.Section.Units = count;
        ctx.Section.UnitsRun = units.Count;
        ctx.Section.NotRun = notRun;
        ctx.WriteConfig();
        foreach (var u in units)
        {
            ctx.Metrics.AddRange(u.Metrics.Rows);
            ctx.Models.AddRange(u.Models);
            foreach (var d in u.DataSources) ctx.UsesData(d);
            ctx.UnitSeconds += u.Seconds;
        }
        experiment.Aggregate(ctx, units);
        ctx.Finish();
        return ctx.Section;
    }

    // A folder reused with another preset or seed would mix two runs.
    private static void CheckSameRun(UnitResult unit, RunOptions options)
    {
        if (unit.Preset != Lower(options.Preset) || unit.Seed != options.Seed)
            throw new UsageException($"{unit.Folder} was run with preset {unit.Preset}, seed {unit.Seed}, not preset {Lower(options.Preset)}, seed {options.Seed}; use another --out");
    }

    private static string Lower(Preset p) => p.ToString().ToLowerInvariant();
}

/// <summary>Thrown when an aggregation finds units without a DONE marker; the message names them.</summary>
public sealed class MissingUnitsException(IExperiment experiment, string folder, Preset preset, IReadOnlyList<int> missing)
    : Exception($"{experiment.Name}: {missing.Count} of {experiment.Units(preset).Count} units not done in {Path.GetFullPath(Path.Combine(folder, "units"))}: " +
                string.Join(", ", missing.Select(i => $"{i} ({experiment.Units(preset)[i].Name})")) + "; run them with 'hw1 run " + experiment.Name + " --unit I' or 'hw1 sweep'")
{
    /// <summary>The indices of the missing units.</summary>
    public IReadOnlyList<int> Missing { get; } = missing;
}
