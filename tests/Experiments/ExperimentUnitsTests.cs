using NUnit.Framework;
using TinyGrad.Experiments;
using TinyGrad.Experiments.Hw1;
using TinyGrad.Experiments.Output;
using TinyGrad.Experiments.Runner;
using static TinyGrad.Tests.Experiments.SweepFixtures;

namespace TinyGrad.Tests.Experiments;

/// <summary>Experiments as units: --unit, --aggregate, and the same numbers whichever way and in whatever order units ran.</summary>
[NonParallelizable]
public sealed class ExperimentUnitsTests
{
    private string root = "";

    [SetUp]
    public void CreateRoot() => root = TempFolder("hw1-units");

    [TearDown]
    public void DeleteRoot()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [TestCase("trajectory")]
    [TestCase("interpolation")]
    [TestCase("sharpness")]
    public void UnitsRunOneByOneInReverseGiveTheOneProcessResultBitwise(string name)
    {
        string whole = Path.Combine(root, "whole"), split = Path.Combine(root, "split");
        string reference = OneProcess(name, whole, 7);
        int units = ExperimentRegistry.Find(name)!.Units(Preset.Smoke).Count;
        Assert.That(units, Is.GreaterThan(1), "the experiment splits");
        for (int i = units - 1; i >= 0; i--)
        {
            var (exit, log) = Hw1("run", name, "--preset", "smoke", "--seed", "7", "--out", split, "--unit", $"{i}");
            Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
            Assert.That(File.Exists(Path.Combine(split, RunContext.DoneMarker)), Is.False, "a unit does not aggregate");
        }
        Assert.That(Hw1("run", name, "--preset", "smoke", "--seed", "7", "--out", split, "--aggregate").Exit, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(split, "metrics.csv")), Is.EqualTo(reference));
        foreach (var svg in RunContext.ReadSection(whole).Figures)
            Assert.That(File.ReadAllText(Path.Combine(split, svg)), Is.EqualTo(File.ReadAllText(Path.Combine(whole, svg))), svg);
    }

    [Test]
    public void UnitsDifferFromEachOtherAndWithTheSeed()
    {
        string a = Path.Combine(root, "a"), b = Path.Combine(root, "b");
        OneProcess("minimal-ratio", a, 1);
        OneProcess("minimal-ratio", b, 2);
        double Loss(string folder, int unit) => Metrics.FromCsv(File.ReadAllText(Path.Combine(UnitFolder(folder, "minimal-ratio", unit), "metrics.csv"))).Last($"run{unit}", "loss");
        // Each unit has its own initialisation; another base seed changes every unit.
        Assert.That(Loss(a, 0), Is.Not.EqualTo(Loss(a, 1)));
        Assert.That(Loss(a, 0), Is.Not.EqualTo(Loss(b, 0)));
        Assert.That(Loss(a, 1), Is.Not.EqualTo(Loss(b, 1)));
    }

    [Test]
    public void AggregationRefusesAndNamesTheMissingUnits()
    {
        string folder = Path.Combine(root, "partial");
        foreach (int i in new[] { 0, 2 }) Assert.That(Hw1("run", "minimal-ratio", "--preset", "smoke", "--out", folder, "--unit", $"{i}").Exit, Is.EqualTo(0));
        var e = ExperimentRegistry.Find("minimal-ratio")!;
        var options = new RunOptions { Preset = Preset.Smoke, Output = new PlainOutput(_ => { }) };
        var error = Assert.Throws<MissingUnitsException>(() => ExperimentRunner.Aggregate(e, folder, options))!;
        Assert.That(error.Missing, Is.EqualTo(new[] { 1, 3 }));
        Assert.That(error.Message, Does.Contain("2 of 4 units not done").And.Contain("1 (run1), 3 (run3)"));
        Assert.That(Hw1("run", "minimal-ratio", "--preset", "smoke", "--out", folder, "--aggregate").Exit, Is.EqualTo(Program.RunError));
        Assert.That(File.Exists(Path.Combine(folder, "metrics.csv")), Is.False);
        Assert.That(File.Exists(Path.Combine(folder, RunContext.DoneMarker)), Is.False);
    }

    [Test]
    public void AFinishedUnitIsSkippedAndAFolderOfAnotherSeedIsRefused()
    {
        string folder = Path.Combine(root, "one");
        Assert.That(Hw1("run", "grad-norm", "--preset", "smoke", "--seed", "1", "--out", folder, "--unit", "1").Exit, Is.EqualTo(0));
        string metrics = Path.Combine(UnitFolder(folder, "grad-norm", 1), "metrics.csv");
        var stamp = File.GetLastWriteTimeUtc(metrics);
        var (exit, log) = Hw1("run", "grad-norm", "--preset", "smoke", "--seed", "1", "--out", folder, "--unit", "1");
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(log, Has.Some.Contains("already done"));
        Assert.That(File.GetLastWriteTimeUtc(metrics), Is.EqualTo(stamp));
        Assert.That(Hw1("run", "grad-norm", "--preset", "smoke", "--seed", "2", "--out", folder, "--unit", "1").Exit, Is.EqualTo(Program.UsageError));
    }

    [Test]
    public void BadUnitIndicesAndMissingOutAreUsageErrors()
    {
        Assert.That(Hw1("run", "minimal-ratio", "--preset", "smoke", "--out", root, "--unit", "4").Exit, Is.EqualTo(Program.UsageError));
        Assert.That(Hw1("run", "minimal-ratio", "--preset", "smoke", "--out", root, "--unit", "-1").Exit, Is.EqualTo(Program.UsageError));
        Assert.That(Hw1("run", "minimal-ratio", "--preset", "smoke", "--unit", "0").Exit, Is.EqualTo(Program.UsageError));
    }

    [Test]
    public void UnitsListsEveryUnitWithItsIndex()
    {
        var (exit, log) = Hw1("run", "params-vs-generalization", "--preset", "quick", "--units");
        Assert.That(exit, Is.EqualTo(0));
        var names = ExperimentRegistry.Find("params-vs-generalization")!.Units(Preset.Quick);
        Assert.That(names, Has.Count.EqualTo(12));
        for (int i = 0; i < names.Count; i++)
            Assert.That(log, Has.One.Match($@"^\W*{i}\s+\W\s+{names[i].Name}\s+\W\s+MNIST\s"), names[i].Name);
        // The datasets each unit declares: actual-task's are MNIST, then CIFAR-10.
        (exit, log) = Hw1("run", "actual-task", "--preset", "smoke", "--units");
        Assert.That(exit, Is.EqualTo(0));
        foreach (var (i, data) in new[] { (0, "MNIST"), (3, "MNIST"), (4, "CIFAR-10"), (7, "CIFAR-10") })
            Assert.That(log, Has.One.Match($@"^\W*{i}\s+\W\s+(mnist|cifar)-\S+\s+\W\s+{data}\s"), $"unit {i}");
    }

    [Test]
    public void AUnitThatReadsADatasetItDoesNotDeclareFails()
    {
        var options = new RunOptions { Preset = Preset.Smoke, Output = new PlainOutput(_ => { }) };
        var e = Assert.Throws<InvalidOperationException>(() => ExperimentRunner.Run(new Undeclared(), Path.Combine(root, "undeclared"), options))!;
        Assert.That(e.Message, Is.EqualTo("undeclared unit 0 (reads-digits) reads MNIST but does not declare it (IExperiment.Units / AggregationData)"));
        Assert.That(File.Exists(Path.Combine(root, "undeclared", "units", "0-reads-digits", RunContext.DoneMarker)), Is.False);
    }

    // An experiment whose unit reads MNIST (synthetic digits here) without declaring it.
    private sealed class Undeclared : IExperiment
    {
        public string Name => "undeclared";

        public string Title => "a unit reading data it does not declare";

        public string Description => Title;

        public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [new("reads-digits")];

        public void RunUnit(UnitContext ctx) => DataSources.Digits(ctx, train: true, 8);

        public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units) => ctx.Observe("unreachable");
    }
}
