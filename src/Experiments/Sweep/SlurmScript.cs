using System.Globalization;
using System.Text;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Sweep;

/// <summary>
/// The sbatch scripts <c>hw1 sweep --scheduler slurm</c> writes: one per experiment (an array task runs the unit named by
/// <c>SLURM_ARRAY_TASK_ID</c>; the job without an array index aggregates) and, for <c>all</c>, one that writes the report.
/// </summary>
public static class SlurmScript
{
    /// <summary>The path of experiment <paramref name="e"/>'s script.</summary>
    public static string Path(SweepOptions o, IExperiment e) => System.IO.Path.Combine(o.SweepFolder(e), "job.sbatch");

    /// <summary>The path of the report script of a sweep over all experiments.</summary>
    public static string ReportPath(SweepOptions o) => System.IO.Path.Combine(System.IO.Path.GetFullPath(o.Out), "sweep", "report.sbatch");

    /// <summary>The script of experiment <paramref name="e"/>.</summary>
    public static string Experiment(SweepOptions o, IExperiment e, IReadOnlyList<string> hw1)
    {
        int count = e.Units(o.Run.Preset).Count;
        string path = Path(o, e);
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append(CultureInfo.InvariantCulture, $"# hw1 sweep of {e.Name} ({e.Title}): {count} units, preset {Preset(o)}, seed {o.Run.Seed}, device {o.Run.Device}.\n");
        s.Append("# Written by 'hw1 sweep' (rewritten on each sweep). An array task runs the unit SLURM_ARRAY_TASK_ID\n");
        s.Append(CultureInfo.InvariantCulture, $"# ('hw1 run {e.Name} --units --preset {Preset(o)}' lists them); the job without an array index aggregates.\n");
        s.Append("# To submit it yourself:\n");
        s.Append(CultureInfo.InvariantCulture, $"#   sbatch --array={ArrayRange(count)}{Throttle(o)} {Hw1Command.Quote(path)}\n");
        s.Append(CultureInfo.InvariantCulture, $"#   sbatch --dependency=afterok:<array job id> {Hw1Command.Join(AggregateArgs(o, e))} {Hw1Command.Quote(path)}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --job-name=hw1-{e.Name}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --output={o.UnitLog(e, 0)[..^"0.log".Length]}%a.log\n");
        s.Append("#SBATCH --open-mode=append\n");
        Resources(s, o);
        s.Append("set -euo pipefail\n");
        s.Append(CultureInfo.InvariantCulture, $"hw1=({Hw1Command.Join(hw1)})\n");
        s.Append(CultureInfo.InvariantCulture, $"args=({Hw1Command.Join(o.RunArgs(e))})\n");
        s.Append("echo \"hw1 sweep: ${SLURM_ARRAY_TASK_ID:+unit $SLURM_ARRAY_TASK_ID, }job ${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}${SLURM_ARRAY_TASK_ID:+_$SLURM_ARRAY_TASK_ID} on $(hostname) at $(date -u +%FT%TZ)\"\n");
        s.Append("if [ -n \"${SLURM_ARRAY_TASK_ID:-}\" ]; then\n");
        s.Append("  exec \"${hw1[@]}\" \"${args[@]}\" --unit \"$SLURM_ARRAY_TASK_ID\"\n");
        s.Append("else\n");
        s.Append("  exec \"${hw1[@]}\" \"${args[@]}\" --aggregate\n");
        s.Append("fi\n");
        return s.ToString();
    }

    /// <summary>The script that writes report.html and report.md once every experiment is aggregated.</summary>
    public static string Report(SweepOptions o, IReadOnlyList<string> hw1)
    {
        string dir = System.IO.Path.GetFullPath(o.Out);
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append(CultureInfo.InvariantCulture, $"# hw1 sweep of all experiments: the report (every experiment is aggregated by then, from the units that could run), preset {Preset(o)}, seed {o.Run.Seed}.\n");
        s.Append("# Written by 'hw1 sweep all'; submitted with --dependency=afterok on the aggregation jobs.\n");
        s.Append("#SBATCH --job-name=hw1-report\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --output={System.IO.Path.Combine(dir, "sweep", "report.log")}\n");
        s.Append("#SBATCH --open-mode=append\n");
        Resources(s, o);
        s.Append("set -euo pipefail\n");
        var args = new List<string> { "report", "--preset", Preset(o), "--seed", o.Run.Seed.ToString(CultureInfo.InvariantCulture), "--device", o.Run.Device, "--out", dir };
        args.AddRange(o.Run.Data.Args());
        s.Append(CultureInfo.InvariantCulture, $"exec {Hw1Command.Join(hw1)} {Hw1Command.Join(args)}\n");
        return s.ToString();
    }

    /// <summary>The sbatch options of an aggregation job besides its dependency: its name and log.</summary>
    public static List<string> AggregateArgs(SweepOptions o, IExperiment e) => [$"--job-name=hw1-{e.Name}-aggregate", $"--output={o.AggregateLog(e)}"];

    /// <summary>The <c>--array</c> value for <paramref name="units"/>: ranges where consecutive, and the throttle.</summary>
    public static string Array(IReadOnlyList<int> units, int? maxParallel)
    {
        var parts = new List<string>();
        for (int i = 0; i < units.Count;)
        {
            int j = i;
            while (j + 1 < units.Count && units[j + 1] == units[j] + 1) j++;
            parts.Add(j == i ? units[i].ToString(CultureInfo.InvariantCulture) : $"{units[i]}-{units[j]}");
            i = j + 1;
        }
        return string.Join(",", parts) + (maxParallel is int k ? $"%{k}" : "");
    }

    private static string ArrayRange(int count) => count == 1 ? "0" : $"0-{count - 1}";

    private static string Throttle(SweepOptions o) => o.MaxParallel is int k ? $"%{k}" : "";

    private static string Preset(SweepOptions o) => o.Run.Preset.ToString().ToLowerInvariant();

    // The resources every job of the sweep asks for, as #SBATCH lines.
    private static void Resources(StringBuilder s, SweepOptions o)
    {
        foreach (var (name, value) in new (string, string?)[]
        {
            ("partition", o.Partition), ("account", o.Account), ("time", o.Time),
            ("cpus-per-task", o.CpusPerTask?.ToString(CultureInfo.InvariantCulture)), ("gres", o.Gres), ("gpus", Gpus(o)),
        })
            if (value is not null) s.Append(CultureInfo.InvariantCulture, $"#SBATCH --{name}={value}\n");
        foreach (var arg in o.SbatchArgs) s.Append(CultureInfo.InvariantCulture, $"#SBATCH {arg}\n");
    }

    // A CUDA run needs a GPU: one per job unless --gpus or --gres says otherwise.
    private static string? Gpus(SweepOptions o) =>
        o.Gpus ?? (o.Gres is null && o.Run.Device.StartsWith("cuda", StringComparison.Ordinal) ? "1" : null);
}
