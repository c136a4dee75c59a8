using System.Globalization;
using Spectre.Console;
using TinyGrad.Experiments.Output;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Sweep;

/// <summary>
/// <c>hw1 sweep ... --status</c>: per experiment, how many units are done, running, pending, failed, blocked by missing data,
/// and the failed and running units with their logs and the blocked ones with their missing dataset.
/// </summary>
public static class SweepStatus
{
    /// <summary>Prints the state of every experiment of the sweep; Slurm's queue is asked when the sweep submitted Slurm jobs.</summary>
    public static int Show(SweepOptions o, RunOutput output)
    {
        bool slurm = o.Experiments.Any(e => SweepJournal.Read(SweepJournal.PathOf(o, e)).Submissions.Any(s => s.Scheduler == "slurm"));
        IReadOnlyList<QueuedJob> queue = slurm ? SlurmClient.Queue() : [];
        var states = SweepState.All(o, queue);
        foreach (var state in states)
        {
            var e = state.Experiment;
            var names = e.Units(o.Run.Preset);
            string Count(UnitState s) => state.In(s).Count.ToString(CultureInfo.InvariantCulture);
            output.Line($"[{e.Name}] {names.Count} units: {Count(UnitState.Done)} done, {Count(UnitState.Running)} running, {Count(UnitState.Pending)} pending, " +
                        $"{Count(UnitState.Failed)} failed, {Count(UnitState.Blocked)} blocked, {Count(UnitState.NotSubmitted)} not submitted; aggregation: {state.Aggregation}");
            // The units with a log to read or data to add; pending and not submitted ones are only counted.
            var open = Enumerable.Range(0, names.Count).Where(i => state.Units[i] is UnitState.Failed or UnitState.Running or UnitState.Blocked).ToList();
            if (open.Count == 0) continue;
            var table = new Table().AddColumns("unit", "name", "state", "log");
            foreach (int i in open)
            {
                var s = state.Units[i];
                string word = s == UnitState.Blocked ? $"blocked: {state.Blocked.First(u => u.Index == i).Dataset} missing" : Name(s);
                table.AddRow(new Text(i.ToString(CultureInfo.InvariantCulture)), new Text(names[i].Name), new Text(word), new Text(s == UnitState.Blocked ? "" : o.UnitLog(e, i)));
            }
            output.Table(table);
        }
        // What to put where, once per missing dataset.
        foreach (var (dataset, _, reason) in NotRunUnit.ByDataset(states.Select(s => (s.Experiment.Name, s.Units.Count, s.Blocked))))
            output.Line($"{dataset} missing: {reason.Replace("\n", " ", StringComparison.Ordinal)}");
        return 0;
    }

    /// <summary>The word --status prints for a state.</summary>
    public static string Name(UnitState s) => s switch
    {
        UnitState.NotSubmitted => "not submitted",
        _ => s.ToString().ToLowerInvariant(),
    };
}
