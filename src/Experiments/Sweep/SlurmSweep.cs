using TinyGrad.Experiments.Output;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Sweep;

/// <summary>
/// <c>hw1 sweep --scheduler slurm</c>: per experiment, writes its sbatch script, submits one job array over the units that
/// are neither done nor queued nor blocked by missing data, and an aggregation job with <c>--dependency=afterok</c> on the
/// arrays still running (of the units that ran, when some are blocked); for <c>all</c>, a report job after the
/// aggregations. Prints the job ids.
/// </summary>
public static class SlurmSweep
{
    /// <summary>
    /// Submits (or with --dry-run prints) what is missing; returns the exit code: 0, or <see cref="Program.DataError"/> when
    /// units were not submitted because their data is missing (everything else was).
    /// </summary>
    public static int Submit(SweepOptions o, RunOutput output)
    {
        IReadOnlyList<QueuedJob> queue = o.DryRun ? [] : SlurmClient.Queue();
        // Every unit's data is checked before anything is submitted.
        var states = SweepState.All(o, queue);
        bool blocked = BlockedUnits.Say(states, output);
        var aggregations = new List<string>();
        bool pending = false;
        foreach (var state in states)
        {
            var e = state.Experiment;
            if (state.Aggregation == "done")
            {
                output.Line($"[{e.Name}] done in {o.Folder(e)}; nothing to submit");
                continue;
            }
            if (state.Partial)
            {
                output.Line($"[{e.Name}] {state.Aggregation} in {o.Folder(e)}; nothing to submit until the data is there");
                continue;
            }
            // Nothing ran and nothing can: no aggregation either (the blocked units were named above).
            if (state.In(UnitState.Blocked).Count == state.Units.Count) continue;
            pending = true;
            var missing = state.In(UnitState.Failed).Concat(state.In(UnitState.NotSubmitted)).Order().ToList();
            string script = SlurmScript.Path(o, e);
            string text = SlurmScript.Experiment(o, e, o.Program);
            List<string> arrayArgs = [$"--array={SlurmScript.Array(missing, o.MaxParallel)}"];
            if (o.DryRun)
            {
                output.Line($"[{e.Name}] {script}:");
                foreach (var line in text.TrimEnd().Split('\n')) output.Line("  " + line);
                if (missing.Count > 0) output.Line($"[{e.Name}] would run: {SlurmClient.CommandLine(["--parsable", .. arrayArgs], script)}");
                output.Line($"[{e.Name}] would run: {SlurmClient.CommandLine(["--parsable", "--dependency=afterok:<array job id>", .. SlurmScript.AggregateArgs(o, e)], script)}");
                continue;
            }
            Directory.CreateDirectory(Path.Combine(o.SweepFolder(e), "logs"));
            File.WriteAllText(script, text);
            string? array = null;
            if (missing.Count > 0)
            {
                array = SlurmClient.Submit(arrayArgs, script);
                output.Line($"[{e.Name}] submitted job array {array} ({arrayArgs[0]}): {missing.Count} of {state.Units.Count} units; logs {Path.GetDirectoryName(o.UnitLog(e, 0))}/unit-<i>.log");
            }
            if (state.In(UnitState.Running).Count + state.In(UnitState.Pending).Count > 0)
                output.Line($"[{e.Name}] already queued: units {string.Join(",", state.In(UnitState.Running).Concat(state.In(UnitState.Pending)).Order())} (job arrays {string.Join(", ", state.QueuedArrays)})");
            string aggregation;
            if (array is null && state.QueuedAggregations.Count > 0)
            {
                aggregation = state.QueuedAggregations[0];
                output.Line($"[{e.Name}] aggregation job {aggregation} already queued");
            }
            else
            {
                // An aggregation job waiting on other arrays would not wait for the new one: replace it.
                foreach (var old in state.QueuedAggregations) SlurmClient.Cancel(old);
                var after = state.QueuedArrays.Concat(array is null ? [] : [array]).ToList();
                List<string> args = [.. after.Count > 0 ? [$"--dependency=afterok:{string.Join(":", after)}"] : Array.Empty<string>(), .. SlurmScript.AggregateArgs(o, e)];
                aggregation = SlurmClient.Submit(args, script);
                output.Line($"[{e.Name}] submitted aggregation job {aggregation}{(after.Count > 0 ? $" ({args[0]})" : "")}; log {o.AggregateLog(e)}");
            }
            aggregations.Add(aggregation);
            SweepJournal.Append(SweepJournal.PathOf(o, e), new Submission
            {
                Scheduler = "slurm", Time = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                Units = missing, ArrayJob = array, AggregateJob = aggregation,
            });
        }
        if (o.All && (pending || !File.Exists(Path.Combine(o.Out, "report.html")))) SubmitReport(o, output, aggregations);
        return blocked ? Program.DataError : 0;
    }

    // The report job of a sweep over all experiments, after every aggregation job.
    private static void SubmitReport(SweepOptions o, RunOutput output, List<string> aggregations)
    {
        string script = SlurmScript.ReportPath(o);
        List<string> args = aggregations.Count > 0 ? [$"--dependency=afterok:{string.Join(":", aggregations)}"] : [];
        if (o.DryRun)
        {
            args = ["--dependency=afterok:<aggregation job ids>"];
            output.Line($"[report] would run: {SlurmClient.CommandLine(["--parsable", .. args], script)}");
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        File.WriteAllText(script, SlurmScript.Report(o, o.Program));
        string job = SlurmClient.Submit(args, script);
        SweepJournal.Append(SweepJournal.ReportPath(o), new Submission
        {
            Scheduler = "slurm", Time = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture), AggregateJob = job,
        });
        output.Line($"[report] submitted report job {job}{(args.Count > 0 ? $" ({args[0]})" : "")}; writes {Path.Combine(Path.GetFullPath(o.Out), "report.html")}");
    }
}
