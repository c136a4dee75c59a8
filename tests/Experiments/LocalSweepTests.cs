using System.Text.RegularExpressions;
using NUnit.Framework;
using TinyGrad.Experiments;
using TinyGrad.Experiments.Hw1;
using static TinyGrad.Tests.Experiments.SweepFixtures;

namespace TinyGrad.Tests.Experiments;

/// <summary>
/// <c>hw1 sweep --scheduler local --jobs 2</c>: units as hw1 processes give the one-process metrics bitwise; a failed unit is
/// named by --status and the rerun runs only it.
/// </summary>
[NonParallelizable]
public sealed class LocalSweepTests
{
    private string root = "";

    [OneTimeSetUp]
    public void CreateRoot() => root = TempFolder("hw1-local-sweep");

    [OneTimeTearDown]
    public void DeleteRoot()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private (int Exit, List<string> Log) Sweep(string name, params string[] extra) =>
        Hw1(["sweep", name, "--preset", "smoke", "--seed", "11", "--out", Path.Combine(root, "sweep"), "--scheduler", "local", "--jobs", "2", .. extra]);

    // Sweeps one experiment and checks it against a one-process run.
    private void SweepEqualsOneProcessRun(string name)
    {
        string reference = OneProcess(name, Path.Combine(root, "one", name), 11);
        var (exit, log) = Sweep(name);
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        int units = ExperimentRegistry.Find(name)!.Units(TinyGrad.Experiments.Runner.Preset.Smoke).Count;
        Assert.That(log, Has.One.EqualTo($"running {units} units as 2 parallel processes"));
        Assert.That(log.Count(l => Regex.IsMatch(l, $@"^\[{name} unit \d+\] done in ")), Is.EqualTo(units));
        Assert.That(File.ReadAllText(Path.Combine(root, "sweep", name, "metrics.csv")), Is.EqualTo(reference));
        Assert.That(Sweep(name).Log, Has.One.Contains($"[{name}] done in"), "a finished sweep runs nothing");
    }

    [Test]
    public void MinimalRatioSweepEqualsTheOneProcessRunAndAFailedUnitIsNamedAndRerunAlone()
    {
        SweepEqualsOneProcessRun("minimal-ratio");
        string folder = Path.Combine(root, "sweep", "minimal-ratio");
        BreakUnit(folder, "minimal-ratio", 2);
        var (exit, log) = Sweep("minimal-ratio");
        Assert.That(exit, Is.EqualTo(Program.RunError));
        string unitLog = Path.Combine(folder, "sweep", "logs", "unit-2.log");
        Assert.That(log, Has.One.EqualTo($"[minimal-ratio unit 2] failed (exit 1); log: {unitLog}"));
        Assert.That(File.ReadAllText(unitLog), Does.Contain("hw1: failed: IOException"));

        var status = Sweep("minimal-ratio", "--status").Log;
        Assert.That(status, Has.One.StartsWith("[minimal-ratio] 4 units: 3 done, 0 running, 0 pending, 1 failed, 0 blocked, 0 not submitted; aggregation: not submitted"));
        Assert.That(status, Has.One.Match($@"^\W*2\s+\W\s+run2\s+\W\s+failed\s+\W\s+{Regex.Escape(unitLog)}\s"));

        FixUnit(folder, "minimal-ratio", 2);
        (exit, log) = Sweep("minimal-ratio");
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        Assert.That(log, Has.One.EqualTo("running 1 units as 1 parallel processes"));
        Assert.That(log, Has.One.StartsWith("[minimal-ratio unit 2] done in "));
        Assert.That(File.ReadAllText(Path.Combine(folder, "metrics.csv")), Is.EqualTo(File.ReadAllText(Path.Combine(root, "one", "minimal-ratio", "metrics.csv"))));
    }

    [Test]
    public void ASweepWithoutCifarEndsWithAReportAndTheRerunWithCifarRunsOnlyItsUnits()
    {
        var (first, completing) = PartialSweep.CompletesWhenTheDataArrives(Path.Combine(root, "partial"), ["--scheduler", "local", "--jobs", "2"], _ => { });
        Assert.That(first, Has.One.Match(@"^running \d+ units as 2 parallel processes$"));
        Assert.That(ActualTaskUnitsRun(first), Is.EqualTo(new[] { 0, 1, 2, 3 }), "the MNIST units");
        Assert.That(completing, Has.One.EqualTo("running 4 units as 2 parallel processes"));
        Assert.That(ActualTaskUnitsRun(completing), Is.EqualTo(new[] { 4, 5, 6, 7 }), "the CIFAR-10 units");
        Assert.That(completing.Where(l => l.Contains("] aggregated into ", StringComparison.Ordinal)), Has.One.StartsWith("[actual-task] aggregated into "));
        Assert.That(completing, Has.One.StartsWith("[report] ").And.EndsWith("report.html"));
    }

    private static List<int> ActualTaskUnitsRun(List<string> log) =>
        [.. log.Select(l => Regex.Match(l, @"^\[actual-task unit (\d+)\] done in ")).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Order()];
}
