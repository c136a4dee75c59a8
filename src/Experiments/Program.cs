using System.CommandLine;
using TinyGrad.IO;
using TinyGrad.Experiments.Report;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments;

/// <summary>The homework program: <c>hw1 list | run &lt;name&gt; | report | devices</c>.</summary>
public static class Program
{
    /// <summary>Exit code for a bad command line (unknown experiment, preset or device).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when real data was asked for but is missing.</summary>
    public const int DataError = 3;

    /// <summary>Exit code when an experiment failed.</summary>
    public const int RunError = 1;

    /// <summary>Parses the command line and runs the chosen command; returns the process exit code.</summary>
    public static int Main(string[] args) => Run(args, Console.WriteLine, terminal: !Console.IsOutputRedirected);

    /// <summary>
    /// Runs the program with progress lines sent to <paramref name="log"/> (tests capture them); <paramref name="terminal"/> draws
    /// progress bars in place on the console instead of plain lines.
    /// </summary>
    public static int Run(string[] args, Action<string> log, bool terminal = false)
    {
        var preset = new Option<string>("--preset") { Description = "smoke (seconds, CI), quick (minutes, default) or full (homework settings)", DefaultValueFactory = _ => "quick", Recursive = true };
        preset.AcceptOnlyFromAmong("smoke", "quick", "full");
        var device = new Option<string>("--device") { Description = "cpu, opencl[:N], cuda[:N] or auto", DefaultValueFactory = _ => "cpu", Recursive = true };
        var seed = new Option<ulong>("--seed") { Description = "base random seed", DefaultValueFactory = _ => 0UL, Recursive = true };
        var output = new Option<string?>("--out") { Description = "output folder (default runs/<timestamp>-<name>); rerunning into a folder skips finished runs", Recursive = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "folder with real MNIST (IDX) / CIFAR-10 (binary) files; default: embedded synthetic data", Recursive = true };
        var resume = new Option<bool>("--resume") { Description = "continue unfinished runs from their last checkpoint", Recursive = true };

        var root = new RootCommand("hw1: the MLDS HW1 deep-learning theory experiments on TinyGrad.NET");
        foreach (var o in new Option[] { preset, device, seed, output, dataDir, resume }) root.Options.Add(o);

        RunOptions Options(ParseResult p) => new()
        {
            Preset = Enum.Parse<Preset>(p.GetValue(preset) ?? "quick", ignoreCase: true),
            Device = p.GetValue(device) ?? "cpu",
            Seed = p.GetValue(seed),
            Out = p.GetValue(output),
            DataDir = p.GetValue(dataDir),
            Resume = p.GetValue(resume),
            Log = log,
            TerminalProgress = terminal,
        };

        var list = new Command("list", "List the experiments with a one-line description");
        list.SetAction(_ =>
        {
            foreach (var e in ExperimentRunner.All) log($"{e.Name,-26} {e.Title}: {e.Description}");
            return 0;
        });

        var name = new Argument<string>("name") { Description = "experiment name (see 'hw1 list')" };
        var run = new Command("run", "Run one experiment into its folder (config.json, metrics.csv, SVG figures, section.json)");
        run.Arguments.Add(name);
        run.SetAction(p => Guard(() =>
        {
            var o = Options(p);
            var e = ExperimentRunner.Find(p.GetValue(name) ?? "") ?? throw new UsageException($"unknown experiment '{p.GetValue(name)}'; 'hw1 list' names them");
            SelectDevice(o.Device);
            ExperimentRunner.Run(e, o.Out ?? ExperimentRunner.DefaultOut(e.Name), o);
        }));

        var report = new Command("report", "Run every experiment (finished ones are skipped) and write report.html + report.md");
        report.SetAction(p => Guard(() =>
        {
            var o = Options(p);
            SelectDevice(o.Device);
            string folder = o.Out ?? ExperimentRunner.DefaultOut("report");
            var sections = new List<Section>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var e in ExperimentRunner.All) sections.Add(ExperimentRunner.Run(e, Path.Combine(folder, e.Name), o));
            ReportWriter.Write(folder, sections, o);
            log($"report: {Path.GetFullPath(Path.Combine(folder, "report.html"))} and report.md ({clock.Elapsed.TotalSeconds:0.0}s)");
        }));

        var devices = new Command("devices", "List the compute devices and why any is unavailable");
        devices.SetAction(_ =>
        {
            foreach (var (n, description, available) in Device.List())
                log($"{n,-8} {(available ? "available" : "unavailable"),-12} {description}");
            return 0;
        });

        root.Subcommands.Add(list);
        root.Subcommands.Add(run);
        root.Subcommands.Add(report);
        root.Subcommands.Add(devices);
        root.SetAction(_ =>
        {
            log("hw1: choose a command: list, run <name>, report, devices (see 'hw1 --help').");
            return 0;
        });
        return root.Parse(args).Invoke();
    }

    private static void SelectDevice(string name)
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

    private static int Guard(Action action)
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
            Console.Error.WriteLine("hw1: data unavailable: " + FirstLine(e.Message));
            return DataError;
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
