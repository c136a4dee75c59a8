using System.CommandLine;
using Spectre.Console;
using TinyGrad.IO;
using TinyGrad.Experiments.Output;
using TinyGrad.Experiments.Report;
using TinyGrad.Experiments.Hw1;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments;

/// <summary>The homework program: <c>hw1 list | run &lt;name&gt; | report | sweep &lt;name|all&gt; | devices</c>.</summary>
public static class Program
{
    /// <summary>Exit code for a bad command line (unknown experiment, preset or device).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when real data was asked for but is missing.</summary>
    public const int DataError = 3;

    /// <summary>Exit code when an experiment failed.</summary>
    public const int RunError = 1;

    /// <summary>Parses the command line and runs the chosen command; returns the process exit code.</summary>
    public static int Main(string[] args) =>
        Run(args, TerminalOutput.IsTerminal ? new TerminalOutput(AnsiConsole.Console) : new PlainOutput(Console.WriteLine));

    /// <summary>Runs the program with its output as plain lines sent to <paramref name="log"/> (tests capture them).</summary>
    public static int Run(string[] args, Action<string> log) => Run(args, new PlainOutput(log));

    /// <summary>Runs the program with its messages, tables and progress going to <paramref name="output"/>.</summary>
    public static int Run(string[] args, RunOutput output)
    {
        var preset = new Option<string>("--preset") { Description = "smoke (seconds, CI), quick (minutes, default) or full (homework settings)", DefaultValueFactory = _ => "quick", Recursive = true };
        preset.AcceptOnlyFromAmong("smoke", "quick", "full");
        var device = new Option<string>("--device") { Description = DeviceKind.Syntax, DefaultValueFactory = _ => "cpu", Recursive = true };
        var seed = new Option<ulong>("--seed") { Description = "base random seed", DefaultValueFactory = _ => 0UL, Recursive = true };
        var outFolder = new Option<string?>("--out") { Description = "output folder (default runs/<timestamp>-<name>); rerunning into a folder skips finished runs", Recursive = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "folder with real MNIST (IDX) / CIFAR-10 (binary) files, loose or in its subfolders " + string.Join(", ", RealDataset.All.Select(d => d.Key + "/")) + "; default: embedded synthetic data", Recursive = true };
        var synthetic = new Option<string[]>("--synthetic") { Description = "with --data-dir: use the synthetic stand-in of this dataset on purpose (" + string.Join(", ", RealDataset.All.Select(d => d.Key)) + "); repeatable", Recursive = true };
        synthetic.AcceptOnlyFromAmong([.. RealDataset.All.Select(d => d.Key)]);
        var download = new Option<bool>("--download") { Description = "with --data-dir: download missing MNIST / CIFAR-10 files into it (SHA-256 checked) before running", Recursive = true };
        var resume = new Option<bool>("--resume") { Description = "continue unfinished runs from their last checkpoint", Recursive = true };

        var root = new RootCommand("hw1: the MLDS HW1 deep-learning theory experiments on TinyGrad.NET");
        foreach (var o in new Option[] { preset, device, seed, outFolder, dataDir, synthetic, download, resume }) root.Options.Add(o);

        RunOptions Options(ParseResult p) => new()
        {
            Preset = Enum.Parse<Preset>(p.GetValue(preset) ?? "quick", ignoreCase: true),
            Device = p.GetValue(device) ?? "cpu",
            Seed = p.GetValue(seed),
            Out = p.GetValue(outFolder),
            Data = Data(p.GetValue(dataDir), p.GetValue(synthetic) ?? [], p.GetValue(download)),
            Resume = p.GetValue(resume),
            Output = output,
        };

        var list = new Command("list", "List the experiments with a one-line description");
        list.SetAction(_ =>
        {
            output.Table(Tables.Experiments(ExperimentRegistry.All));
            return 0;
        });

        var name = new Argument<string>("name") { Description = "experiment name (see 'hw1 list')" };
        var unit = new Option<int?>("--unit") { Description = "run only unit I (0-based; 'hw1 run <name> --units' lists them) into <out>/units/; no aggregation" };
        var aggregate = new Option<bool>("--aggregate") { Description = "only build metrics.csv, figures and the section from the finished units (fails naming missing ones; units whose data is missing are named as not run)" };
        var listUnits = new Option<bool>("--units") { Description = "list the experiment's units at the preset, the datasets each reads, and whether each is done in --out" };
        var run = new Command("run", "Run one experiment (every unit, then the aggregation) into its folder (config.json, metrics.csv, figures, section.json, units/)");
        run.Arguments.Add(name);
        foreach (var o in new Option[] { unit, aggregate, listUnits }) run.Options.Add(o);
        run.SetAction(p => Guard(() =>
        {
            var o = Options(p);
            var e = Find(p.GetValue(name));
            if (p.GetValue(listUnits))
            {
                output.Table(Tables.Units(e, o.Out, o.Preset));
                return;
            }
            if ((p.GetValue(unit) is not null || p.GetValue(aggregate)) && o.Out is null)
                throw new UsageException("--unit and --aggregate need --out (the experiment folder the units share)");
            SelectDevice(o.Device);
            string folder = o.Out ?? ExperimentRunner.DefaultOut(e.Name);
            if (p.GetValue(unit) is int i)
            {
                if (p.GetValue(aggregate)) throw new UsageException("--unit and --aggregate exclude each other");
                o.Output.Live(1, () => ExperimentRunner.RunUnit(e, folder, i, o));
            }
            // An aggregation of the units that ran succeeds (a sweep's report waits on it); a run with units left out does not.
            else if (p.GetValue(aggregate)) RunAll([(e, folder)], o, aggregateOnly: true);
            else ThrowIfNotRun(RunAll([(e, folder)], o));
        }));

        var report = new Command("report", "Run every experiment (finished ones are skipped) and write report.html + report.md");
        report.SetAction(p => Guard(() =>
        {
            var o = Options(p);
            SelectDevice(o.Device);
            string folder = o.Out ?? ExperimentRunner.DefaultOut("report");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var sections = RunAll([.. ExperimentRegistry.All.Select(e => (e, Path.Combine(folder, e.Name)))], o);
            ReportWriter.Write(folder, sections, o);
            output.Line($"report: {Path.GetFullPath(Path.Combine(folder, "report.html"))} and report.md ({clock.Elapsed.TotalSeconds:0.0}s)");
            ThrowIfNotRun(sections);
        }));

        var devices = new Command("devices", "List the compute devices and why any is unavailable");
        devices.SetAction(_ =>
        {
            output.Table(Tables.Devices(Device.List()));
            return 0;
        });

        root.Subcommands.Add(list);
        root.Subcommands.Add(run);
        root.Subcommands.Add(report);
        root.Subcommands.Add(devices);
        root.Subcommands.Add(Sweep.SweepCommand.Create(output, Options));
        root.SetAction(_ =>
        {
            output.Line("hw1: choose a command: list, run <name>, report, sweep <name|all>, devices (see 'hw1 --help').");
            return 0;
        });
        return root.Parse(args).Invoke();
    }

    // Checks the data of every unit still to run, says which will not run and why, then runs the experiments into their
    // folders with the progress display shown, and prints the summary table.
    private static List<Section> RunAll(IReadOnlyList<(IExperiment Experiment, string Folder)> runs, RunOptions options, bool aggregateOnly = false)
    {
        var plan = runs.Where(r => !File.Exists(Path.Combine(r.Folder, RunContext.DoneMarker)))
            .Select(r => (r.Experiment.Name, r.Experiment.Units(options.Preset).Count, (IReadOnlyList<NotRunUnit>)NotRunUnit.Find(r.Experiment, r.Folder, options)));
        foreach (var (dataset, units, reason) in NotRunUnit.ByDataset(plan))
        {
            options.Output.Line($"not run: {dataset} missing: {units}");
            foreach (var line in reason.Split('\n')) options.Output.Line("  " + line);
        }
        var done = new List<(Section, bool)>();
        options.Output.Live(runs.Count, () =>
        {
            foreach (var (e, folder) in runs)
            {
                bool skipped = File.Exists(Path.Combine(folder, RunContext.DoneMarker));
                done.Add((aggregateOnly ? ExperimentRunner.Aggregate(e, folder, options) : ExperimentRunner.Run(e, folder, options), skipped));
            }
        });
        options.Output.Table(Tables.Summary(done));
        return [.. done.Select(d => d.Item1)];
    }

    // A data folder that does not exist is a typo, not missing data: nothing should run for hours on stand-ins.
    private static DataChoice Data(string? dir, string[] synthetic, bool download)
    {
        if (dir is null)
        {
            if (download) throw new UsageException("--download needs --data-dir, the folder to download into");
            return new DataChoice(synthetic: synthetic.Select(k => RealDataset.Find(k)!));
        }
        if (download) Directory.CreateDirectory(dir);
        else if (!Directory.Exists(dir)) throw new UsageException($"--data-dir {Path.GetFullPath(dir)}: no such folder (add --download to create it and fetch the data)");
        return new DataChoice(dir, synthetic.Select(k => RealDataset.Find(k)!), download);
    }

    // Exit code 3 at the end when units were left out for missing data (everything else ran and was reported).
    private static void ThrowIfNotRun(List<Section> sections)
    {
        var missing = NotRunUnit.ByDataset(sections.Select(s => (s.Name, s.Units, (IReadOnlyList<NotRunUnit>)s.NotRun)));
        if (missing.Count > 0)
            throw new DataUnavailableException("not run for missing data: " + string.Join("; ", missing.Select(m => $"{m.Dataset} missing ({m.Units})")) +
                                               "; the summary table and the report say what to put where");
    }

    /// <summary>The experiment named <paramref name="name"/>; a usage error when there is none.</summary>
    internal static IExperiment Find(string? name) =>
        ExperimentRegistry.Find(name ?? "") ?? throw new UsageException($"unknown experiment '{name}'; 'hw1 list' names them");

    internal static void SelectDevice(string name)
    {
        try
        {
            Device.Default = Device.Parse(name);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException or TinyGrad.Kernels.BackendUnavailableException)
        {
            throw new UsageException(e.Message);
        }
    }

    internal static int Guard(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine("hw1: " + e.Message);
            return UsageError;
        }
        catch (DataUnavailableException e)
        {
            // The whole message: it says which files to put into which folder (several lines after a failed download).
            Console.Error.WriteLine("hw1: data unavailable: " + e.Message.TrimEnd());
            return DataError;
        }
        catch (Exception e) when (e is MissingUnitsException or Sweep.SchedulerException or Sweep.SweepFailedException)
        {
            Console.Error.WriteLine("hw1: " + e.Message);
            return RunError;
        }
        catch (RunInterruptedException e)
        {
            Console.Error.WriteLine("hw1: " + e.Message + "; rerun with --resume to continue");
            return RunError;
        }
        catch (Exception e)
        {
            // Any failure ends as one line and a non-zero exit code; the run folder keeps what was written (no DONE).
            Console.Error.WriteLine($"hw1: failed: {e.GetType().Name}: {FirstLine(e.Message)}");
            return RunError;
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

/// <summary>A command-line mistake, reported as one line with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
