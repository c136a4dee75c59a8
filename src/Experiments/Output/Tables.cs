using System.Globalization;
using Spectre.Console;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Output;

/// <summary>The tables hw1 prints: the experiments (<c>hw1 list</c>), the devices (<c>hw1 devices</c>) and the run summary.</summary>
public static class Tables
{
    /// <summary>One row per experiment: name, homework part and title, description.</summary>
    public static Table Experiments(IEnumerable<IExperiment> experiments)
    {
        var table = new Table().AddColumns("experiment", "homework part", "what it does");
        foreach (var e in experiments) table.AddRow(Cells(e.Name, e.Title, e.Description));
        return table;
    }

    /// <summary>One row per device kind or device: name, whether it can be used, and what it is or why not.</summary>
    public static Table Devices(IEnumerable<DeviceListing> devices)
    {
        var table = new Table().AddColumns("device", "status", "description");
        foreach (var (name, description, available, _) in devices)
            table.AddRow(new Text(name), new Markup(available ? "[green]available[/]" : "[red]unavailable[/]"), new Text(description));
        return table;
    }

    /// <summary>
    /// One row per experiment of a run: whether it ran, was already done, ran only some units or none, its time, figures and
    /// data source; below an experiment that ran only some units, one row per unit not run with the reason.
    /// </summary>
    public static Table Summary(IEnumerable<(Section Section, bool Skipped)> runs)
    {
        var table = new Table().AddColumns("experiment", "status", "time (s)", "figures", "data");
        table.Columns[2].RightAligned();
        table.Columns[3].RightAligned();
        foreach (var (s, skipped) in runs)
        {
            string status = s.NotRun.Count > 0 ? s.Status : skipped ? "already done" : "ran";
            table.AddRow(Cells(s.Name, status, s.Seconds.ToString("0.0", CultureInfo.InvariantCulture), s.Figures.Count.ToString(CultureInfo.InvariantCulture), s.DataSource));
            if (s.UnitsRun == 0) continue;
            foreach (var u in s.NotRun) table.AddRow(Cells($"{s.Name} {u.What}", u.Status, "", "", ""));
        }
        return table;
    }

    /// <summary>One row per unit of an experiment at a preset: index, name, the datasets it reads, and whether it is done in <paramref name="folder"/>.</summary>
    public static Table Units(IExperiment experiment, string? folder, Preset preset)
    {
        var table = new Table().AddColumns("unit", "name", "data", "status");
        var units = experiment.Units(preset);
        for (int i = 0; i < units.Count; i++)
            table.AddRow(Cells(i.ToString(CultureInfo.InvariantCulture), units[i].Name, string.Join(", ", units[i].Data.Select(d => d.Label)),
                folder is null ? "" : UnitFolders.IsDone(folder, experiment, preset, i) ? "done" : "not done"));
        return table;
    }

    // Plain text cells (no markup: names and descriptions may contain brackets).
    private static Text[] Cells(params string[] cells) => [.. cells.Select(c => new Text(c))];
}
