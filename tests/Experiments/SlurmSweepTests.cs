using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;
using TinyGrad.Experiments.Runner;
using TinyGrad.Experiments.Hw1;
using TinyGrad.Experiments.Sweep;
using static TinyGrad.Tests.Experiments.SweepFixtures;

namespace TinyGrad.Tests.Experiments;

/// <summary>
/// <c>hw1 sweep --scheduler slurm</c> on a real Slurm cluster (<c>scripts/slurm.sh start</c>, which CI runs; SLURM_CONF
/// names it): job arrays and afterok aggregations give the one-process metrics bitwise, a failed unit is named by
/// --status, and the rerun submits only it. Without a cluster the test is ignored, or fails when TINYGRAD_REQUIRE names slurm.
/// </summary>
[NonParallelizable]
public sealed class SlurmSweepTests
{
    private const string Seed = "13";
    private string root = "";

    [OneTimeSetUp]
    public void FindCluster()
    {
        string? conf = Environment.GetEnvironmentVariable("SLURM_CONF");
        if (conf is null || !File.Exists(conf))
            TestDevices.Absent("slurm", "no Slurm cluster: run 'bash scripts/slurm.sh start' and export the SLURM_CONF it prints");
        try
        {
            SlurmClient.Queue();
        }
        catch (SchedulerException e)
        {
            TestDevices.Absent("slurm", $"the Slurm cluster of {conf} does not answer: {e.Message}");
        }
        root = TempFolder("hw1-slurm-sweep");
    }

    [OneTimeTearDown]
    public void DeleteRoot()
    {
        if (root.Length > 0 && Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private (string Array, string Units, string Aggregation, List<string> Log) Sweep(string name)
    {
        var (exit, log) = Hw1("sweep", name, "--preset", "smoke", "--seed", Seed, "--out", Path.Combine(root, "sweep"), "--max-parallel", "2");
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        var array = log.Select(l => Regex.Match(l, $@"^\[{name}\] submitted job array (\d+) \(--array=([^)]*)\)")).Single(m => m.Success);
        var aggregation = log.Select(l => Regex.Match(l, $@"^\[{name}\] submitted aggregation job (\d+) \(--dependency=afterok:(\d+)\)")).Single(m => m.Success);
        Assert.That(aggregation.Groups[2].Value, Is.EqualTo(array.Groups[1].Value), "the aggregation waits for the array");
        return (array.Groups[1].Value, array.Groups[2].Value, aggregation.Groups[1].Value, log);
    }

    private List<string> Status(string name) =>
        Hw1("sweep", name, "--preset", "smoke", "--seed", Seed, "--out", Path.Combine(root, "sweep"), "--status").Log;

    // Waits until Slurm's queue holds none of the jobs.
    private static void WaitFor(params string[] jobs)
    {
        var clock = Stopwatch.StartNew();
        while (SlurmClient.Queue().Any(q => jobs.Contains(q.JobId)))
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMinutes(5)), $"jobs {string.Join(", ", jobs)} still queued");
            Thread.Sleep(500);
        }
    }

    [Test]
    public void ASweepEqualsItsOneProcessRunAndARerunSubmitsOnlyTheFailedUnit()
    {
        // A sweep of one experiment equals its one-process run (the partial-data test compares a sweep of all with a one-process report).
        const string name = "minimal-ratio";
        string reference = OneProcess(name, Path.Combine(root, "one", name), int.Parse(Seed, System.Globalization.CultureInfo.InvariantCulture));
        int units = ExperimentRegistry.Find(name)!.Units(Preset.Smoke).Count;
        var (array, spec, aggregation, _) = Sweep(name);
        Assert.That(spec, Is.EqualTo($"0-{units - 1}%2"));
        WaitFor(array, aggregation);
        Assert.That(File.ReadAllText(Path.Combine(root, "sweep", name, "metrics.csv")), Is.EqualTo(reference), $"{name}: Slurm sweep vs one process");
        Assert.That(Status(name), Has.One.EqualTo($"[{name}] {units} units: {units} done, 0 running, 0 pending, 0 failed, 0 blocked, 0 not submitted; aggregation: done"));

        string folder = Path.Combine(root, "sweep", "minimal-ratio");
        string unitLog = Path.Combine(folder, "sweep", "logs", "unit-1.log");
        BreakUnit(folder, "minimal-ratio", 1);
        var broken = Sweep("minimal-ratio");
        Assert.That(broken.Units, Is.EqualTo("1%2"), "only the unit without DONE is submitted");
        WaitFor(broken.Array, broken.Aggregation);
        var status = Status("minimal-ratio");
        Assert.That(status, Has.One.EqualTo("[minimal-ratio] 4 units: 3 done, 0 running, 0 pending, 1 failed, 0 blocked, 0 not submitted; " +
                                            $"aggregation: ended CANCELLED (DependencyNeverSatisfied) (log: {folder}/sweep/logs/aggregate.log)"));
        Assert.That(status, Has.One.Match($@"^\W*1\s+\W\s+run1\s+\W\s+failed\s+\W\s+{Regex.Escape(unitLog)}\s"));
        Assert.That(File.ReadAllText(unitLog), Does.Contain("hw1: failed: IOException"));

        FixUnit(folder, "minimal-ratio", 1);
        var rerun = Sweep("minimal-ratio");
        Assert.That(rerun.Units, Is.EqualTo("1%2"));
        Assert.That(rerun.Log, Has.One.Contains("1 of 4 units"));
        WaitFor(rerun.Array, rerun.Aggregation);
        Assert.That(File.ReadAllText(Path.Combine(folder, "metrics.csv")), Is.EqualTo(File.ReadAllText(Path.Combine(root, "one", "minimal-ratio", "metrics.csv"))));
        Assert.That(Status("minimal-ratio"), Has.One.StartsWith("[minimal-ratio] 4 units: 4 done, 0 running, 0 pending, 0 failed, 0 blocked, 0 not submitted; aggregation: done"));
    }

    [Test]
    public void ASweepWithoutCifarEndsWithAReportAndTheRerunWithCifarSubmitsOnlyItsUnits()
    {
        // Waits for every job a sweep submitted.
        static void Wait(List<string> log) =>
            WaitFor([.. log.Select(l => Regex.Match(l, @"submitted (?:job array|aggregation job|report job) (\d+)")).Where(m => m.Success).Select(m => m.Groups[1].Value)]);
        var (first, completing) = PartialSweep.CompletesWhenTheDataArrives(Path.Combine(root, "partial"), ["--max-parallel", "2"], Wait);
        Assert.That(first, Has.One.Match(@"^\[actual-task\] submitted job array \d+ \(--array=0-3%2\): 4 of 8 units;"), "only the MNIST units");
        var submitted = completing.Where(l => l.Contains(" submitted ", StringComparison.Ordinal)).ToList();
        Assert.That(submitted, Has.Count.EqualTo(3), string.Join("\n", completing));
        var array = Regex.Match(submitted[0], @"^\[actual-task\] submitted job array (\d+) \(--array=4-7%2\): 4 of 8 units;");
        Assert.That(array.Success, submitted[0]);
        var aggregation = Regex.Match(submitted[1], $@"^\[actual-task\] submitted aggregation job (\d+) \(--dependency=afterok:{array.Groups[1].Value}\);");
        Assert.That(aggregation.Success, submitted[1]);
        Assert.That(submitted[2], Does.StartWith($"[report] submitted report job ").And.Contains($"(--dependency=afterok:{aggregation.Groups[1].Value})"));
    }
}
