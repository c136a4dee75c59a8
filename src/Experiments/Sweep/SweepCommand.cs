using System.CommandLine;
using TinyGrad.Experiments.Output;
using TinyGrad.Experiments.Hw1;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Sweep;

/// <summary>The <c>hw1 sweep</c> command line.</summary>
public static class SweepCommand
{
    /// <summary>Creates the command; <paramref name="runOptions"/> reads the options shared with <c>run</c> (preset, seed, device, out, data).</summary>
    public static Command Create(RunOutput output, Func<ParseResult, RunOptions> runOptions)
    {
        var target = new Argument<string>("experiment") { Description = "an experiment name (see 'hw1 list') or 'all'" };
        var scheduler = new Option<string>("--scheduler") { Description = "slurm (job arrays + an afterok aggregation job) or local (--jobs processes on this machine)", DefaultValueFactory = _ => "slurm" };
        scheduler.AcceptOnlyFromAmong("slurm", "local");
        var jobs = new Option<int>("--jobs") { Description = "local: units run at once", DefaultValueFactory = _ => Environment.ProcessorCount };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "slurm: at most K array tasks at once (--array=...%K)" };
        var partition = new Option<string?>("--partition") { Description = "slurm: sbatch --partition" };
        var time = new Option<string?>("--time") { Description = "slurm: sbatch --time per job (e.g. 02:00:00)" };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "slurm: sbatch --cpus-per-task" };
        var gres = new Option<string?>("--gres") { Description = "slurm: sbatch --gres (e.g. gpu:1; with --device cuda)" };
        var gpus = new Option<string?>("--gpus") { Description = "slurm: sbatch --gpus (with --device cuda; default 1 there)" };
        var account = new Option<string?>("--account") { Description = "slurm: sbatch --account" };
        var sbatchArgs = new Option<string[]>("--sbatch-arg") { Description = "slurm: any further sbatch option, written as an #SBATCH line; repeatable, e.g. --sbatch-arg=--mem=4G" };
        var program = new Option<string?>("--program") { Description = "how jobs start hw1 (default: this hw1, e.g. 'dotnet /path/hw1.dll'); it must work on every node" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the sbatch scripts and commands; write and submit nothing" };
        var status = new Option<bool>("--status") { Description = "show units done / running / pending / failed (with their logs) instead of submitting" };
        var sweep = new Command("sweep",
            "Spread the units of an experiment (or all) over a Slurm cluster or local processes, then aggregate. Rerunning submits only " +
            "what is neither done nor queued. --out DIR is required and must be on a filesystem every node shares (DIR/<experiment>/units, logs, DONE markers).");
        sweep.Arguments.Add(target);
        foreach (var o in new Option[] { scheduler, jobs, maxParallel, partition, time, cpus, gres, gpus, account, sbatchArgs, program, dryRun, status }) sweep.Options.Add(o);
        sweep.SetAction(p => Program.Guard(() =>
        {
            var run = runOptions(p);
            string name = p.GetValue(target) ?? "";
            bool all = name == "all";
            if (run.Out is null) throw new UsageException("sweep needs --out DIR, a folder every node of the cluster shares");
            if (p.GetValue(jobs) < 1 || p.GetValue(maxParallel) < 1) throw new UsageException("--jobs and --max-parallel must be at least 1");
            var extra = p.GetValue(sbatchArgs) ?? [];
            if (extra.FirstOrDefault(a => !a.StartsWith('-')) is string bad) throw new UsageException($"--sbatch-arg '{bad}' is not an sbatch option (write --sbatch-arg=--mem=4G)");
            bool wantsGpu = p.GetValue(gpus) is not null || (p.GetValue(gres) ?? "").Contains("gpu", StringComparison.Ordinal);
            if (wantsGpu && run.Device == "cpu") throw new UsageException("--gpus/--gres gpu ask Slurm for GPUs but hw1 would run on the CPU: add --device cuda");
            var o = new SweepOptions
            {
                Experiments = all ? ExperimentRegistry.All : [Program.Find(name)],
                All = all, Out = run.Out, Run = run,
                Scheduler = p.GetValue(scheduler) == "local" ? SchedulerKind.Local : SchedulerKind.Slurm,
                Jobs = p.GetValue(jobs), MaxParallel = p.GetValue(maxParallel), Partition = p.GetValue(partition), Time = p.GetValue(time),
                CpusPerTask = p.GetValue(cpus), Gres = p.GetValue(gres), Gpus = p.GetValue(gpus), Account = p.GetValue(account), SbatchArgs = extra,
                Program = p.GetValue(program) is string cmd ? Hw1Command.Parse(cmd) : Hw1Command.Current(),
                DryRun = p.GetValue(dryRun), Status = p.GetValue(status),
            };
            int code = o.Status ? SweepStatus.Show(o, output)
                : o.Scheduler == SchedulerKind.Local ? (o.DryRun ? throw new UsageException("--dry-run is for --scheduler slurm") : LocalSweep.Run(o, output))
                : SlurmSweep.Submit(o, output);
            if (code == Program.DataError)
                throw new TinyGrad.IO.DataUnavailableException("units blocked by missing data were not run (named above); add the data and run the same 'hw1 sweep' again");
            if (code != 0) throw new SweepFailedException("some units or aggregations failed; 'hw1 sweep ... --status' lists them");
        }));
        return sweep;
    }
}

/// <summary>A local sweep finished with failed units or aggregations.</summary>
public sealed class SweepFailedException(string message) : Exception(message);
