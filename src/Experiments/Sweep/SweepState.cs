using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Sweep;

/// <summary>Where a unit stands in a sweep.</summary>
public enum UnitState
{
    /// <summary>Its DONE marker exists.</summary>
    Done,
    /// <summary>Its job runs (Slurm's queue says so).</summary>
    Running,
    /// <summary>Its job waits in Slurm's queue.</summary>
    Pending,
    /// <summary>It was handed to a scheduler, is no longer queued, and left no DONE marker.</summary>
    Failed,
    /// <summary>It is neither done nor queued, and a dataset it reads is missing: it is not submitted until the data is there.</summary>
    Blocked,
    /// <summary>It was never handed to a scheduler.</summary>
    NotSubmitted,
}

/// <summary>
/// The state of one experiment's sweep, from its DONE markers, its journal and (for Slurm jobs) the scheduler's queue.
/// </summary>
public sealed class SweepState
{
    // Built by Of with an object initializer, each value named where it is set (no constructor restating them).
    private SweepState()
    {
    }

    /// <summary>The experiment.</summary>
    public required IExperiment Experiment { get; init; }

    /// <summary>Each unit's state, by index.</summary>
    public required IReadOnlyList<UnitState> Units { get; init; }

    /// <summary>The aggregation's state: done, pending, running, how it ended, or not submitted (after the latest units).</summary>
    public required string Aggregation { get; init; }

    /// <summary>
    /// Whether the experiment is aggregated from every unit that can run, the others blocked for missing data (the same
    /// units its section names): nothing to submit until the data is there.
    /// </summary>
    public required bool Partial { get; init; }

    /// <summary>The blocked units: which dataset is missing and why.</summary>
    public required IReadOnlyList<NotRunUnit> Blocked { get; init; }

    /// <summary>Array jobs of this sweep that still have units in the queue.</summary>
    public required IReadOnlyList<string> QueuedArrays { get; init; }

    /// <summary>Aggregation jobs of this sweep still in the queue.</summary>
    public required IReadOnlyList<string> QueuedAggregations { get; init; }

    /// <summary>The indices of the units in <paramref name="state"/>.</summary>
    public List<int> In(UnitState state) => [.. Enumerable.Range(0, Units.Count).Where(i => Units[i] == state)];

    // How an aggregation that left the queue ended: Slurm's word while it remembers the job, else failed or cancelled.
    private static string Ended(string scheduler, string job) =>
        scheduler == "slurm" && SlurmClient.JobState(job) is string state ? $"ended {state}" : "failed or cancelled";

    /// <summary>Reads the state of every experiment of the sweep; <paramref name="queue"/> as for <see cref="Of"/>.</summary>
    public static List<SweepState> All(SweepOptions o, IReadOnlyList<QueuedJob> queue) => [.. o.Experiments.Select(e => Of(o, e, queue))];

    /// <summary>Reads the state of experiment <paramref name="e"/>; <paramref name="queue"/> is Slurm's queue (empty when only local runs were made).</summary>
    public static SweepState Of(SweepOptions o, IExperiment e, IReadOnlyList<QueuedJob> queue)
    {
        string folder = o.Folder(e);
        var journal = SweepJournal.Read(SweepJournal.PathOf(o, e));
        var arrays = journal.Submissions.Select(s => s.ArrayJob).OfType<string>().ToHashSet();
        var aggregations = journal.Submissions.Select(s => s.AggregateJob).OfType<string>().ToHashSet();
        int count = e.Units(o.Run.Preset).Count;
        var units = new UnitState[count];
        var blocked = new NotRunUnit?[count];
        for (int i = 0; i < count; i++)
        {
            var job = queue.FirstOrDefault(q => q.ArrayTask == i && arrays.Contains(q.JobId));
            units[i] = UnitFolders.IsDone(folder, e, o.Run.Preset, i) ? UnitState.Done
                : job.JobId is not null ? (job.Pending ? UnitState.Pending : UnitState.Running)
                : (blocked[i] = NotRunUnit.Of(e, i, o.Run)) is not null ? UnitState.Blocked
                : journal.Submitted(i) ? UnitState.Failed
                : UnitState.NotSubmitted;
        }
        var queuedAggregations = queue.Where(q => q.ArrayTask is null && aggregations.Contains(q.JobId)).ToList();
        bool partial = IsPartial(folder, units, blocked);
        string aggregation = File.Exists(Path.Combine(folder, RunContext.DoneMarker)) ? "done"
            : queuedAggregations.Count > 0 ? (queuedAggregations[0].Pending ? "pending" : "running") + $" (job {queuedAggregations[0].JobId})"
            : partial ? RunContext.ReadSection(folder).Status
            : journal.Submissions.LastOrDefault()?.AggregateJob is string last ? $"{Ended(journal.Submissions[^1].Scheduler, last)} (log: {o.AggregateLog(e)})"
            : "not submitted";
        return new SweepState
        {
            Experiment = e,
            Units = units,
            Blocked = [.. blocked.OfType<NotRunUnit>()],
            Aggregation = aggregation,
            Partial = partial && queuedAggregations.Count == 0,
            QueuedArrays = [.. queue.Where(q => q.ArrayTask is not null && arrays.Contains(q.JobId)).Select(q => q.JobId).Distinct()],
            QueuedAggregations = [.. queuedAggregations.Select(q => q.JobId)],
        };
    }

    // Aggregated without DONE from exactly the units that are done, the blocked ones named as not run.
    private static bool IsPartial(string folder, UnitState[] units, NotRunUnit?[] blocked)
    {
        if (!units.Contains(UnitState.Blocked) || units.Any(u => u is not (UnitState.Done or UnitState.Blocked))) return false;
        if (File.Exists(Path.Combine(folder, RunContext.DoneMarker)) || !File.Exists(Path.Combine(folder, "section.json"))) return false;
        var notRun = RunContext.ReadSection(folder).NotRun.Select(u => u.Index).ToHashSet();
        return notRun.SetEquals(blocked.OfType<NotRunUnit>().Select(u => u.Index));
    }
}
