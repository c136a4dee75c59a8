using System.Text.Json;
using System.Text.RegularExpressions;
using NUnit.Framework;
using TinyGrad.Experiments;
using TinyGrad.Experiments.Hw1;
using TinyGrad.Experiments.Runner;
using static TinyGrad.Tests.Experiments.ReferenceRuns;
using static TinyGrad.Tests.Experiments.SweepFixtures;

namespace TinyGrad.Tests.Experiments;

/// <summary>
/// <c>hw1 report</c> with MNIST but no CIFAR-10: everything that has its data runs, the CIFAR-10 units are named as not run
/// (table, report top, actual-task's figures and observations), exit code 3; adding CIFAR-10 and rerunning completes it with
/// the numbers of a one-process run on the complete data; <c>--synthetic cifar10</c> runs everything.
/// </summary>
[NonParallelizable]
public sealed class PartialDataTests
{
    private static readonly IExperiment ActualTask = ExperimentRegistry.Find("actual-task")!;

    private string root = "";
    private string partial = "";
    private int partialExit;
    private List<string> partialLog = [];

    // The CIFAR-10 units of actual-task: (index, name).
    private static List<(int Index, string Name)> CifarUnits =>
        [.. ActualTask.Units(Preset.Smoke).Select((u, i) => (i, u)).Where(x => x.u.Data.Contains(RealDataset.Cifar10)).Select(x => (x.i, x.u.Name))];

    [OneTimeSetUp]
    public void RunPartialReport()
    {
        root = TempFolder("hw1-partial");
        partial = Path.Combine(root, "partial");
        (partialExit, partialLog) = Hw1("report", "--preset", "smoke", "--seed", Seed, "--data-dir", MnistOnly, "--out", partial);
    }

    [OneTimeTearDown]
    public void DeleteRoot()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [Test]
    public void TheReportHasEverySectionAndExitsThree()
    {
        Assert.That(partialExit, Is.EqualTo(Program.DataError), string.Join("\n", partialLog.TakeLast(20)));
        string html = File.ReadAllText(Path.Combine(partial, "report.html"));
        foreach (var e in ExperimentRegistry.All)
        {
            Assert.That(html, Does.Contain($"<h2 id=\"{e.Name}\">"), e.Name);
            bool complete = e != ActualTask;
            Assert.That(File.Exists(Path.Combine(partial, e.Name, RunContext.DoneMarker)), Is.EqualTo(complete), $"{e.Name}: DONE only when complete");
            var section = RunContext.ReadSection(Path.Combine(partial, e.Name));
            Assert.That(section.Figures, Is.Not.Empty, e.Name);
            Assert.That(section.NotRun, complete ? Is.Empty : Has.Count.EqualTo(CifarUnits.Count), e.Name);
        }
    }

    [Test]
    public void TheSummaryTableSaysNotRunCifarMissingForTheCifarUnits()
    {
        Assert.That(CifarUnits, Has.Count.EqualTo(4));
        foreach (var (i, name) in CifarUnits)
            Assert.That(partialLog, Has.One.Match($@"^\W*actual-task unit {i} \({name}\)\s+\W\s+not run: CIFAR-10 missing\s"), name);
        Assert.That(partialLog, Has.One.Match(@"^\W*actual-task\s+\W\s+partial: 4 of 8 units ran \(CIFAR-10 missing\)\s"));
        foreach (var e in ExperimentRegistry.All.Where(e => e != ActualTask))
            Assert.That(partialLog, Has.One.Match($@"^\W*{e.Name}\s+\W\s+ran\s"), e.Name);
        // Said before anything ran, with what to put where.
        int notice = partialLog.FindIndex(l => l.StartsWith("not run: CIFAR-10 missing: actual-task: unit 4 (cifar-dnn-shallow)", StringComparison.Ordinal));
        Assert.That(notice, Is.GreaterThanOrEqualTo(0).And.LessThan(partialLog.FindIndex(l => l.Contains("start:", StringComparison.Ordinal))), string.Join("\n", partialLog));
        Assert.That(partialLog[notice + 1], Does.Contain($"into {MnistOnly}").And.Contain("cifar-10-binary.tar.gz").And.Contain("https://www.cs.toronto.edu/")
            .And.Contain("--download").And.Contain("--synthetic cifar10"));
    }

    [Test]
    public void TheReportSaysAtTheTopWhatWasNotRunAndWhy()
    {
        string html = File.ReadAllText(Path.Combine(partial, "report.html"));
        int top = html.IndexOf("Not run: data missing.", StringComparison.Ordinal);
        Assert.That(top, Is.GreaterThan(0).And.LessThan(html.IndexOf("<h2 ", StringComparison.Ordinal)), "before the first section");
        string box = html[top..html.IndexOf("</div>", top, StringComparison.Ordinal)];
        Assert.That(box, Does.Contain("CIFAR-10 missing").And.Contain(string.Join(", ", CifarUnits.Select(u => $"unit {u.Index} ({u.Name})")))
            .And.Contain(MnistOnly).And.Contain("data_batch_1.bin").And.Contain("--synthetic cifar10"));
        Assert.That(html, Does.Contain("<td>partial: 4 of 8 units ran (CIFAR-10 missing)</td>"));
        string md = File.ReadAllText(Path.Combine(partial, "report.md"));
        Assert.That(md, Does.Contain("- **CIFAR-10 missing**: actual-task: unit 4 (cifar-dnn-shallow)"));
    }

    [Test]
    public void ActualTaskDrawsItsMnistPanelsAndNamesTheCifarPartAsMissing()
    {
        string folder = Path.Combine(partial, "actual-task");
        var section = RunContext.ReadSection(folder);
        Assert.That(section.Figures, Is.EqualTo(new[] { "mnist-curves.svg" }));
        Assert.That(File.ReadAllText(Path.Combine(folder, "mnist-curves.svg")), Does.Contain("MNIST: shallow vs deep"));
        Assert.That(section.MissingFigures, Has.One.EqualTo(new[] { "CIFAR-10: shallow vs deep", "CIFAR-10 missing" }));
        Assert.That(section.Observations, Has.One.EqualTo("CIFAR-10: not run (CIFAR-10 missing); the 4 CIFAR-10 models are not trained"));
        Assert.That(section.Observations.Count(o => o.StartsWith("MNIST: ", StringComparison.Ordinal)), Is.EqualTo(2));
        Assert.That((section.Units, section.UnitsRun), Is.EqualTo((8, 4)));
        Assert.That(section.NotRun.Select(u => (u.Index, u.Name, u.Dataset)), Is.EqualTo(CifarUnits.Select(u => ((int?)u.Index, u.Name, "CIFAR-10"))));
        var metrics = Metrics.FromCsv(File.ReadAllText(Path.Combine(folder, "metrics.csv")));
        Assert.That(metrics.Rows.Select(r => r.Series).Distinct(), Is.EquivalentTo(new[] { "mnist/dnn-shallow", "mnist/dnn-deep", "mnist/cnn-shallow", "mnist/cnn-deep" }));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.That(config.RootElement.GetProperty("data_source").GetString(), Is.EqualTo("real: MNIST test; real: MNIST train (256 of 300)"));
        string html = File.ReadAllText(Path.Combine(partial, "report.html"));
        Assert.That(html, Does.Contain("<div class=\"missing\">Figure <b>CIFAR-10: shallow vs deep</b> not drawn: CIFAR-10 missing.</div>"));
    }

    [Test]
    public void AddingCifarAndRerunningRunsOnlyTheCifarUnitsAndEqualsTheCompleteRun()
    {
        // A copy of the partial report, and of its data folder, that CIFAR-10 is added to.
        string out2 = Path.Combine(root, "completed"), data = CopyOfMnistOnly(Path.Combine(root, "data"));
        CopyFolder(partial, out2);
        var (exit, log) = Hw1("report", "--preset", "smoke", "--seed", Seed, "--data-dir", data, "--out", out2);
        Assert.That(exit, Is.EqualTo(Program.DataError), "still missing: nothing new ran");
        Assert.That(log.Where(l => l.Contains("start:", StringComparison.Ordinal)), Has.One.StartsWith("[actual-task] start:"), "only actual-task aggregates again");
        DataFolders.WriteCifar(data);
        (exit, log) = Hw1("report", "--preset", "smoke", "--seed", Seed, "--data-dir", data, "--out", out2);
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        Assert.That(log.Where(l => l.Contains("start:", StringComparison.Ordinal)), Has.One.StartsWith("[actual-task] start:"));
        // Each unit ran once in all: the MNIST units in the partial run, the CIFAR-10 units now (a run appends its start line to the unit's log).
        for (int i = 0; i < 8; i++)
            Assert.That(Regex.Count(File.ReadAllText(Path.Combine(UnitFolders.Path(Path.Combine(out2, "actual-task"), ActualTask, Preset.Smoke, i), "log.txt")), $@"unit {i} \("), Is.EqualTo(1), $"unit {i}");
        Assert.That(File.Exists(Path.Combine(out2, "actual-task", RunContext.DoneMarker)));
        Assert.That(RunContext.ReadSection(Path.Combine(out2, "actual-task")).Figures, Is.EqualTo(new[] { "mnist-curves.svg", "cifar-curves.svg" }));
        AssertSameMetricsAsCompleteReport(out2);
        // The MNIST units ran in the partial run: their numbers are those of the complete run, bitwise.
        for (int i = 0; i < 4; i++)
            Assert.That(File.ReadAllBytes(Path.Combine(UnitFolders.Path(Path.Combine(out2, "actual-task"), ActualTask, Preset.Smoke, i), "metrics.csv")),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(UnitFolders.Path(Path.Combine(CompleteReport, "actual-task"), ActualTask, Preset.Smoke, i), "metrics.csv"))));
    }

    [Test]
    public void SyntheticCifarWithAnMnistFolderRunsEverythingAndTheCifarPanelsSaySynthetic()
    {
        string folder = Path.Combine(root, "synthetic-cifar");
        var (exit, log) = Hw1("report", "--preset", "smoke", "--seed", Seed, "--data-dir", MnistOnly, "--synthetic", "cifar10", "--out", folder);
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        foreach (var e in ExperimentRegistry.All) Assert.That(File.Exists(Path.Combine(folder, e.Name, RunContext.DoneMarker)), e.Name);
        string actual = Path.Combine(folder, "actual-task");
        Assert.That(File.ReadAllText(Path.Combine(actual, "cifar-curves.svg")), Does.Contain("CIFAR-10 (synthetic): shallow vs deep"));
        Assert.That(File.ReadAllText(Path.Combine(actual, "mnist-curves.svg")), Does.Contain("MNIST: shallow vs deep"));
        Assert.That(RunContext.ReadSection(actual).Observations, Has.Some.StartsWith("CIFAR-10 (synthetic): "));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(actual, "config.json")));
        Assert.That(config.RootElement.GetProperty("data_source").GetString(), Does.Contain("real: MNIST train").And.Contain("synthetic: synthetic CIFAR"));
        Assert.That(config.RootElement.GetProperty("synthetic").GetString(), Is.EqualTo("cifar10"));
        // A unit's numbers do not depend on what the other units read: the MNIST units equal the partial run's.
        for (int i = 0; i < 4; i++)
            Assert.That(File.ReadAllBytes(Path.Combine(UnitFolders.Path(actual, ActualTask, Preset.Smoke, i), "metrics.csv")),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(UnitFolders.Path(Path.Combine(partial, "actual-task"), ActualTask, Preset.Smoke, i), "metrics.csv"))), $"unit {i}");
    }

    [Test]
    public void AUnitWithoutItsDataExitsThreeAndAnAggregationOfTheOthersSucceedsWithoutDone()
    {
        string folder = Path.Combine(root, "units");
        string[] Run(params string[] extra) => ["run", "actual-task", "--preset", "smoke", "--seed", Seed, "--data-dir", MnistOnly, "--out", folder, .. extra];
        Assert.That(Hw1(Run("--unit", "4")).Exit, Is.EqualTo(Program.DataError));
        Assert.That(Directory.Exists(UnitFolders.Path(folder, ActualTask, Preset.Smoke, 4)), Is.False, "nothing started");
        Assert.That(Hw1(Run("--unit", "0")).Exit, Is.EqualTo(0));
        Assert.That(Hw1(Run("--aggregate")).Exit, Is.EqualTo(Program.RunError), "units 1-3 have their data but are not done");
        foreach (int i in new[] { 1, 2, 3 }) Assert.That(Hw1(Run("--unit", $"{i}")).Exit, Is.EqualTo(0));
        var (exit, log) = Hw1(Run("--aggregate"));
        Assert.That(exit, Is.EqualTo(0), "what a sweep's aggregation job runs: it aggregates the units that could run");
        Assert.That(log, Has.One.Match(@"^\W*actual-task\s+\W\s+partial: 4 of 8 units ran \(CIFAR-10 missing\)\s"));
        Assert.That(File.Exists(Path.Combine(folder, RunContext.DoneMarker)), Is.False);
        Assert.That(File.ReadAllBytes(Path.Combine(folder, "metrics.csv")), Is.EqualTo(File.ReadAllBytes(Path.Combine(partial, "actual-task", "metrics.csv"))));
        Assert.That(Hw1(Run()).Exit, Is.EqualTo(Program.DataError), "a whole run with units left out");
    }

    [Test]
    public void WithoutMnistItsExperimentsAreNotRunAndTheOthersRunOrAggregateWhatTheyHave()
    {
        string data = Path.Combine(root, "cifar-only"), folder = Path.Combine(root, "without-mnist");
        DataFolders.WriteCifar(data);
        var (exit, log) = Hw1("report", "--preset", "smoke", "--seed", Seed, "--data-dir", data, "--out", folder);
        Assert.That(exit, Is.EqualTo(Program.DataError));
        string html = File.ReadAllText(Path.Combine(folder, "report.html"));
        foreach (var e in ExperimentRegistry.All)
        {
            var units = e.Units(Preset.Smoke);
            int mnist = units.Count(u => u.Data.Contains(RealDataset.Mnist));
            string status = mnist == 0 ? "ran" : mnist == units.Count ? "not run: MNIST missing" : $"partial: {units.Count - mnist} of {units.Count} units ran \\(MNIST missing\\)";
            Assert.That(log, Has.One.Match($@"^\W*{e.Name}\s+\W\s+{status}\s"), e.Name);
            Assert.That(html, Does.Contain($"<h2 id=\"{e.Name}\">"), e.Name);
            Assert.That(Directory.Exists(Path.Combine(folder, e.Name)), Is.EqualTo(mnist < units.Count), $"{e.Name}: a folder only when something ran");
        }
        var gradNorm = RunContext.ReadSection(Path.Combine(folder, "grad-norm"));
        Assert.That(gradNorm.Figures, Is.EqualTo(new[] { "grad-norm-fit.svg" }));
        Assert.That(gradNorm.MissingFigures, Has.One.EqualTo(new[] { "MNIST: gradient norm and loss per iteration", "MNIST missing" }));
        Assert.That(gradNorm.Observations, Has.One.EqualTo("MNIST: not run (MNIST missing)"));
        Assert.That(RunContext.ReadSection(Path.Combine(folder, "actual-task")).Figures, Is.EqualTo(new[] { "cifar-curves.svg" }));
        Assert.That(html, Does.Contain("<td>not run: MNIST missing</td>"));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }
}
