using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Sweep;

/// <summary>The schedulers <c>hw1 sweep</c> can hand units to.</summary>
public enum SchedulerKind
{
    /// <summary>Slurm: one job array over the missing units and an afterok aggregation job per experiment.</summary>
    Slurm,
    /// <summary>N local processes, one unit each, then the aggregations.</summary>
    Local,
}

/// <summary>What <c>hw1 sweep</c> was asked to do.</summary>
public sealed record SweepOptions
{
    /// <summary>The experiments to sweep (one, or all of them).</summary>
    public required IReadOnlyList<IExperiment> Experiments { get; init; }

    /// <summary>Whether all experiments were asked for (then a report job follows their aggregations).</summary>
    public bool All { get; init; }

    /// <summary>The folder every node shares: <c>DIR/&lt;experiment&gt;</c> holds each experiment.</summary>
    public required string Out { get; init; }

    /// <summary>Options every unit runs with (preset, seed, device, data folder).</summary>
    public required RunOptions Run { get; init; }

    /// <summary>The scheduler.</summary>
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Slurm;

    /// <summary>Local processes at once (<c>--jobs</c>).</summary>
    public int Jobs { get; init; } = Environment.ProcessorCount;

    /// <summary>At most this many array tasks run at once (the <c>%K</c> of <c>--array</c>); null: no limit.</summary>
    public int? MaxParallel { get; init; }

    /// <summary>sbatch <c>--partition</c>.</summary>
    public string? Partition { get; init; }

    /// <summary>sbatch <c>--time</c> per job.</summary>
    public string? Time { get; init; }

    /// <summary>sbatch <c>--cpus-per-task</c>.</summary>
    public int? CpusPerTask { get; init; }

    /// <summary>sbatch <c>--gres</c> (e.g. gpu:1).</summary>
    public string? Gres { get; init; }

    /// <summary>sbatch <c>--gpus</c> (e.g. 1).</summary>
    public string? Gpus { get; init; }

    /// <summary>sbatch <c>--account</c>.</summary>
    public string? Account { get; init; }

    /// <summary>Further sbatch options, each written as an <c>#SBATCH</c> line (e.g. --mem=4G).</summary>
    public IReadOnlyList<string> SbatchArgs { get; init; } = [];

    /// <summary>How job scripts and local processes start hw1; by default the program running now.</summary>
    public IReadOnlyList<string> Program { get; init; } = Hw1Command.Current();

    /// <summary>Print the scripts and sbatch commands without writing or submitting anything.</summary>
    public bool DryRun { get; init; }

    /// <summary>Show the state of the units instead of submitting.</summary>
    public bool Status { get; init; }

    /// <summary>The folder of experiment <paramref name="e"/>.</summary>
    public string Folder(IExperiment e) => Path.Combine(Path.GetFullPath(Out), e.Name);

    /// <summary>The folder of an experiment's sweep files: scripts, jobs.json, logs/.</summary>
    public string SweepFolder(IExperiment e) => Path.Combine(Folder(e), "sweep");

    /// <summary>The log of unit <paramref name="index"/> (the job's or process's stdout and stderr).</summary>
    public string UnitLog(IExperiment e, int index) => Path.Combine(SweepFolder(e), "logs", $"unit-{index}.log");

    /// <summary>The log of the aggregation job or process.</summary>
    public string AggregateLog(IExperiment e) => Path.Combine(SweepFolder(e), "logs", "aggregate.log");

    /// <summary>The hw1 arguments shared by a unit and the aggregation of <paramref name="e"/>: name, preset, seed, device, data, folder.</summary>
    public List<string> RunArgs(IExperiment e)
    {
        var args = new List<string> { "run", e.Name, "--preset", Run.Preset.ToString().ToLowerInvariant(), "--seed", Run.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device", Run.Device, "--out", Folder(e) };
        args.AddRange(Run.Data.Args());
        // A unit retried after its job was killed (e.g. out of time) continues from its last checkpoint.
        if (Run.Resume) args.Add("--resume");
        return args;
    }
}
