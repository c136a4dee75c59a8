using System.Globalization;
using Spectre.Console;
using TinyGrad.Experiments.Output;

namespace TinyGrad.Experiments.Sweep;

/// <summary><c>hw1 sweep ... --status</c>: per experiment, how many units are done, running, pending, failed, and the units not done.</summary>
public static class SweepStatus
{
    /// <summary>Prints the state of every experiment of the sweep; Slurm's queue is asked when the sweep submitted Slurm jobs.</summary>
    public static int Show(SweepOptions o, RunOutput output)
    {
        bool slurm = o.Experiments.Any(e => SweepJournal.Read(SweepJournal.PathOf(o, e)).Submissions.Any(s => s.Scheduler == "slurm"));
        IReadOnlyList<QueuedJob> queue = slurm ? SlurmClient.Queue() : [];
        foreach (var e in o.Experiments)
        {
            var state = SweepState.Of(o, e, queue);
            var names = e.Units(o.Run.Preset);
            string Count(UnitState s) => state.In(s).Count.ToString(CultureInfo.InvariantCulture);
            output.Line($"[{e.Name}] {names.Count} units: {Count(UnitState.Done)} done, {Count(UnitState.Running)} running, {Count(UnitState.Pending)} pending, " +
                        $"{Count(UnitState.Failed)} failed, {Count(UnitState.NotSubmitted)} not submitted; aggregation: {state.Aggregation}");
            var open = Enumerable.Range(0, names.Count).Where(i => state.Units[i] != UnitState.Done).ToList();
            if (open.Count == 0) continue;
            var table = new Table().AddColumns("unit", "name", "state", "log");
            foreach (int i in open)
            {
                var s = state.Units[i];
                string log = s is UnitState.Failed or UnitState.Running ? o.UnitLog(e, i) : "";
                table.AddRow(new Text(i.ToString(CultureInfo.InvariantCulture)), new Text(names[i]), new Text(Name(s)), new Text(log));
            }
            output.Table(table);
        }
        return 0;
    }

    /// <summary>The word --status prints for a state.</summary>
    public static string Name(UnitState s) => s switch
    {
        UnitState.NotSubmitted => "not submitted",
        _ => s.ToString().ToLowerInvariant(),
    };
}
