using System.Text.RegularExpressions;
using NUnit.Framework;
using TinyGrad.Experiments;
using TinyGrad.Experiments.Hw1;
using static TinyGrad.Tests.Experiments.ReferenceRuns;
using static TinyGrad.Tests.Experiments.SweepFixtures;

namespace TinyGrad.Tests.Experiments;

/// <summary>
/// <c>hw1 sweep all</c> on a folder with MNIST but no CIFAR-10, for either scheduler: it ends with a report, the CIFAR-10
/// units are blocked (not failed), a rerun without the data submits nothing, and once CIFAR-10 is written the rerun submits
/// only them (and a new aggregation and report), ending with the metrics of a one-process run on the complete data.
/// </summary>
public static class PartialSweep
{
    /// <summary>
    /// Runs the scenario in <paramref name="root"/> with <paramref name="scheduler"/> (the sweep's scheduler options);
    /// <paramref name="wait"/> waits for what a sweep submitted, given its log (nothing to do for local sweeps). Returns the
    /// logs of the first sweep and of the one after CIFAR-10 was added, for the scheduler's own checks.
    /// </summary>
    public static (List<string> First, List<string> Completing) CompletesWhenTheDataArrives(string root, string[] scheduler, Action<List<string>> wait)
    {
        string data = CopyOfMnistOnly(Path.Combine(root, "data")), sweep = Path.Combine(root, "sweep");
        (int Exit, List<string> Log) Sweep(params string[] extra) =>
            Hw1(["sweep", "all", "--preset", "smoke", "--seed", Seed, "--data-dir", data, "--out", sweep, .. scheduler, .. extra]);

        var (exit, log) = Sweep();
        var first = log;
        Assert.That(exit, Is.EqualTo(Program.DataError), string.Join("\n", log));
        Assert.That(log, Has.One.EqualTo("blocked: CIFAR-10 missing: actual-task: unit 4 (cifar-dnn-shallow), unit 5 (cifar-dnn-deep), unit 6 (cifar-cnn-shallow), " +
                                         "unit 7 (cifar-cnn-deep); not submitted (add the data and run the same 'hw1 sweep' again)"));
        wait(log);
        Assert.That(File.Exists(Path.Combine(sweep, "report.html")), string.Join("\n", log));
        Assert.That(File.ReadAllText(Path.Combine(sweep, "report.html")), Does.Contain("<td>partial: 4 of 8 units ran (CIFAR-10 missing)</td>"));
        var status = Sweep("--status").Log;
        Assert.That(status, Has.One.EqualTo("[actual-task] 8 units: 4 done, 0 running, 0 pending, 0 failed, 4 blocked, 0 not submitted; aggregation: partial: 4 of 8 units ran (CIFAR-10 missing)"));
        foreach (var (i, name) in new[] { (4, "cifar-dnn-shallow"), (5, "cifar-dnn-deep"), (6, "cifar-cnn-shallow"), (7, "cifar-cnn-deep") })
            Assert.That(status, Has.One.Match($@"^\W*{i}\s+\W\s+{name}\s+\W\s+blocked: CIFAR-10 missing\s"), name);
        foreach (var e in ExperimentRegistry.All.Where(e => e.Name != "actual-task"))
        {
            int n = e.Units(TinyGrad.Experiments.Runner.Preset.Smoke).Count;
            Assert.That(status, Has.One.EqualTo($"[{e.Name}] {n} units: {n} done, 0 running, 0 pending, 0 failed, 0 blocked, 0 not submitted; aggregation: done"), e.Name);
        }

        (exit, log) = Sweep();
        Assert.That(exit, Is.EqualTo(Program.DataError));
        Assert.That(log, Has.One.StartsWith("[actual-task] partial: 4 of 8 units ran (CIFAR-10 missing) in ").And.EndsWith("; nothing to submit until the data is there")
            .Or.EndsWith("; nothing to run until the data is there"));
        Assert.That(log.Where(l => Regex.IsMatch(l, @" submitted (job array|aggregation job|report job) |^running \d+ units")), Is.Empty, "without the data nothing new is submitted");
        wait(log);

        DataFolders.WriteCifar(data);
        (exit, log) = Sweep();
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        Assert.That(log.Where(l => l.StartsWith("blocked:", StringComparison.Ordinal)), Is.Empty);
        wait(log);
        AssertSameMetricsAsCompleteReport(sweep);
        Assert.That(Sweep("--status").Log, Has.One.EqualTo("[actual-task] 8 units: 8 done, 0 running, 0 pending, 0 failed, 0 blocked, 0 not submitted; aggregation: done"));
        Assert.That(File.ReadAllText(Path.Combine(sweep, "report.html")), Does.Not.Contain("Not run: data missing"));
        return (first, log);
    }
}
