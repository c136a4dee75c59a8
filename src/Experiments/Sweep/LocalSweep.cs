using System.Diagnostics;
using System.Globalization;
using TinyGrad.Experiments.Output;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Sweep;

/// <summary>
/// <c>hw1 sweep --scheduler local --jobs N</c>: runs the missing units as hw1 processes, N at a time, into the same
/// folders a Slurm sweep uses; then each experiment's aggregation (and for <c>all</c> the report) as one more process.
/// Units whose data is missing are not run; the aggregation uses the others.
/// </summary>
public static class LocalSweep
{
    /// <summary>
    /// Runs what is missing; returns 0 when everything finished, <see cref="Program.RunError"/> when a unit or an
    /// aggregation failed, <see cref="Program.DataError"/> when units were not run because their data is missing.
    /// </summary>
    public static int Run(SweepOptions o, RunOutput output)
    {
        // Every unit's data is checked before anything starts.
        var states = SweepState.All(o, []);
        bool blocked = BlockedUnits.Say(states, output);
        foreach (var s in states.Where(s => s.Aggregation == "done")) output.Line($"[{s.Experiment.Name}] done in {o.Folder(s.Experiment)}; nothing to run");
        foreach (var s in states.Where(s => s.Partial)) output.Line($"[{s.Experiment.Name}] {s.Aggregation} in {o.Folder(s.Experiment)}; nothing to run until the data is there");
        var todo = states.Where(s => s.Aggregation != "done" && !s.Partial && s.In(UnitState.Blocked).Count < s.Units.Count).ToList();
        var units = new List<(IExperiment E, int Index)>();
        foreach (var s in todo)
        {
            var missing = s.In(UnitState.Failed).Concat(s.In(UnitState.NotSubmitted)).Order().ToList();
            units.AddRange(missing.Select(i => (s.Experiment, i)));
            if (missing.Count > 0) Record(o, s.Experiment, missing, aggregate: false);
        }
        if (units.Count > 0) output.Line($"running {units.Count} units as {Math.Min(o.Jobs, units.Count)} parallel processes");
        int failed = Pool(units.Select(u => (Func<Task<bool>>)(() => Unit(o, u.E, u.Index, output))), o.Jobs);
        // The aggregations whose units are done, but for those blocked by missing data.
        var ready = todo.Where(s => UnitFolders.Missing(o.Folder(s.Experiment), s.Experiment, o.Run.Preset).All(i => s.Units[i] == UnitState.Blocked))
            .Select(s => s.Experiment).ToList();
        foreach (var e in ready) Record(o, e, [], aggregate: true);
        failed += Pool(ready.Select(e => (Func<Task<bool>>)(() => Aggregate(o, e, output))), o.Jobs);
        if (o.All && failed == 0)
        {
            var args = new List<string> { "report", "--preset", o.Run.Preset.ToString().ToLowerInvariant(), "--seed", o.Run.Seed.ToString(CultureInfo.InvariantCulture), "--device", o.Run.Device, "--out", Path.GetFullPath(o.Out) };
            args.AddRange(o.Run.Data.Args());
            string log = Path.Combine(Path.GetFullPath(o.Out), "sweep", "report.log");
            int code = LocalProcess.RunAsync(o.Program, args, log).GetAwaiter().GetResult();
            // With units blocked, the report is written and names them; its exit code 3 says so.
            bool written = code == 0 || (blocked && code == Program.DataError);
            output.Line(written ? $"[report] {Path.Combine(Path.GetFullPath(o.Out), "report.html")}" : $"[report] failed (exit {code}); log: {log}");
            failed += written ? 0 : 1;
        }
        return failed > 0 ? Program.RunError : blocked ? Program.DataError : 0;
    }

    private static async Task<bool> Unit(SweepOptions o, IExperiment e, int index, RunOutput output)
    {
        var clock = Stopwatch.StartNew();
        string log = o.UnitLog(e, index);
        int code = await LocalProcess.RunAsync(o.Program, [.. o.RunArgs(e), "--unit", index.ToString(CultureInfo.InvariantCulture)], log).ConfigureAwait(false);
        bool ok = code == 0 && UnitFolders.IsDone(o.Folder(e), e, o.Run.Preset, index);
        Say(output, ok ? string.Create(CultureInfo.InvariantCulture, $"[{e.Name} unit {index}] done in {clock.Elapsed.TotalSeconds:0.0}s")
            : $"[{e.Name} unit {index}] failed (exit {code}); log: {log}");
        return ok;
    }

    private static async Task<bool> Aggregate(SweepOptions o, IExperiment e, RunOutput output)
    {
        string log = o.AggregateLog(e);
        int code = await LocalProcess.RunAsync(o.Program, [.. o.RunArgs(e), "--aggregate"], log).ConfigureAwait(false);
        Say(output, code == 0 ? $"[{e.Name}] aggregated into {o.Folder(e)}" : $"[{e.Name}] aggregation failed (exit {code}); log: {log}");
        return code == 0;
    }

    private static readonly Lock OutputGate = new();

    // Processes finish on pool threads; one line at a time.
    private static void Say(RunOutput output, string line)
    {
        lock (OutputGate) output.Line(line);
    }

    // Runs the tasks with at most `jobs` at once; returns how many failed.
    private static int Pool(IEnumerable<Func<Task<bool>>> tasks, int jobs)
    {
        using var slots = new SemaphoreSlim(jobs);
        var running = tasks.Select(async t =>
        {
            await slots.WaitAsync().ConfigureAwait(false);
            try
            {
                return await t().ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        return Task.WhenAll(running).GetAwaiter().GetResult().Count(ok => !ok);
    }

    private static void Record(SweepOptions o, IExperiment e, List<int> units, bool aggregate) =>
        SweepJournal.Append(SweepJournal.PathOf(o, e), new Submission
        {
            Scheduler = "local", Time = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), Units = units, AggregateJob = aggregate ? "local" : null,
        });
}
