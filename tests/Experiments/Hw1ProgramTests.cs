using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NUnit.Framework;
using SkiaSharp;
using TinyGrad.Experiments;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Hw1;
using TinyGrad.Experiments.Output;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Tests.Experiments;

/// <summary>The hw1 program end to end: list, the smoke report (run once for the fixture), idempotency, resume, exit codes.</summary>
[NonParallelizable]
public sealed class Hw1ProgramTests
{
    // Every experiment of the registry; nothing here lists or counts them again.
    private static readonly string[] Names = [.. ExperimentRegistry.All.Select(e => e.Name)];

    private string root = "";
    private string report = "";
    private int reportExit;
    private readonly List<string> reportLog = [];

    [OneTimeSetUp]
    public void RunSmokeReport()
    {
        root = Path.Combine(Path.GetTempPath(), "hw1-tests-" + Guid.NewGuid().ToString("N"));
        report = Path.Combine(root, "report");
        reportExit = Program.Run(["report", "--preset", "smoke", "--out", report, "--seed", "3"], reportLog.Add);
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static (int Exit, List<string> Log) Hw1(params string[] args)
    {
        var log = new List<string>();
        int exit = Program.Run(args, log.Add);
        return (exit, log);
    }

    [Test]
    public void HelpListsEveryRegisteredDeviceKind()
    {
        var saved = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        int exit;
        try
        {
            exit = Program.Run(["--help"], _ => { });
        }
        finally
        {
            Console.SetOut(saved);
        }
        Assert.That(exit, Is.EqualTo(0));
        string help = captured.ToString();
        Assert.That(help, Does.Contain("--device"));
        foreach (var kind in DeviceKind.All) Assert.That(help, Does.Contain(kind.Usage), $"hw1 --help does not name {kind.Usage}:\n{help}");
    }

    [Test]
    public void ListNamesEveryRegisteredExperimentInATableInRegistryOrder()
    {
        var (exit, log) = Hw1("list");
        Assert.That(exit, Is.EqualTo(0));
        // A row is one line: the name in the first cell, then the title.
        var rows = ExperimentRegistry.All.Select(e =>
        {
            var lines = log.Select((l, i) => (l, i)).Where(x => Regex.IsMatch(x.l, $@"^\W*{Regex.Escape(e.Name)}\s+\W\s+{Regex.Escape(e.Title)}\s")).ToList();
            Assert.That(lines, Has.Count.EqualTo(1), $"'{e.Name}' listed once");
            return lines[0].i;
        }).ToList();
        Assert.That(rows, Is.Ordered.Ascending, "homework order");
        Assert.That(Names, Is.Unique);
        Assert.That(Names, Has.All.Matches("^[a-z0-9]+(-[a-z0-9]+)*$"), "command-line names");
        foreach (var e in ExperimentRegistry.All) Assert.That(ExperimentRegistry.Find(e.Name.ToUpperInvariant()), Is.SameAs(e));
        Assert.That(ExperimentRegistry.Find("no-such"), Is.Null);
    }

    [Test]
    public void DevicesListsTheCpuAsAvailable()
    {
        var (exit, log) = Hw1("devices");
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(log.Count(l => Regex.IsMatch(l, @"^\W*cpu\s+\W\s+available\s")), Is.EqualTo(1), string.Join("\n", log));
    }

    [Test]
    public void SmokeReportLogIsShort()
    {
        // Not a terminal: one start and one end line (with its time) per experiment, the summary table and the report line.
        foreach (var n in Names)
        {
            Assert.That(reportLog.Count(l => l.StartsWith($"[{n}] start: ", StringComparison.Ordinal)), Is.EqualTo(1), n);
            Assert.That(reportLog.Count(l => Regex.IsMatch(l, $@"^\[{n}\] done in \d+\.\ds$")), Is.EqualTo(1), n);
            Assert.That(reportLog.Count(l => Regex.IsMatch(l, $@"^\W*{n}\s+\W\s+ran\s")), Is.EqualTo(1), $"{n} in the summary table");
        }
        Assert.That(reportLog.Count(l => l.StartsWith("report: ", StringComparison.Ordinal)), Is.EqualTo(1));
        // Two lines per experiment, a table of a row per experiment plus 4 border and header lines, the report line;
        // progress lines come at most every 10 s.
        Assert.That(reportLog, Has.Count.LessThanOrEqualTo(2 * Names.Length + Names.Length + 4 + 1 + 6), string.Join("\n", reportLog));
    }

    [Test]
    public void SmokeFiguresExistAsSvgAndPngOfTheExpectedSize()
    {
        int figures = 0;
        foreach (var n in Names)
        {
            string dir = Path.Combine(report, n);
            var section = RunContext.ReadSection(dir);
            Assert.That(section.Figures, Is.Not.Empty, n);
            Assert.That(Directory.GetFiles(dir, "*.svg").Select(Path.GetFileName), Is.EquivalentTo(section.Figures), $"{n}: the SVG files are the section's figures");
            foreach (var f in section.Figures)
            {
                var svg = XDocument.Load(Path.Combine(dir, f)).Root!;
                double w = double.Parse(svg.Attribute("width")!.Value, CultureInfo.InvariantCulture), h = double.Parse(svg.Attribute("height")!.Value, CultureInfo.InvariantCulture);
                Assert.That(svg.Attribute("viewBox")?.Value, Is.EqualTo($"0 0 {w.ToString(CultureInfo.InvariantCulture)} {h.ToString(CultureInfo.InvariantCulture)}"), f);
                string png = Path.Combine(dir, Path.ChangeExtension(f, ".png"));
                Assert.That(File.Exists(png), $"{n}/{f}: PNG beside the SVG");
                using var bitmap = SKBitmap.Decode(png);
                Assert.That(bitmap, Is.Not.Null, $"{png} decodes");
                Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo(((int)Math.Ceiling(w * FigurePng.Scale), (int)Math.Ceiling(h * FigurePng.Scale))), png);
                // Drawn, not blank: text and axes (grey) and data (coloured: series colours, colour maps). OxyPlot's error
                // text instead of a panel would have no colour.
                var pixels = bitmap.Pixels;
                Assert.That(pixels.Count(p => p.Red < 200 && p.Green < 200 && p.Blue < 200), Is.GreaterThan(pixels.Length / 100), $"{png} has text and axes");
                Assert.That(pixels.Count(p => Math.Abs(p.Red - p.Green) + Math.Abs(p.Green - p.Blue) > 80), Is.GreaterThan(500), $"{png} has coloured data");
                figures++;
            }
        }
        // Every figure of every section is inlined in the HTML report, once.
        Assert.That(Regex.Count(File.ReadAllText(Path.Combine(report, "report.html")), "<svg "), Is.EqualTo(figures));
    }

    [Test]
    public void SmokeReportWritesReportsFiguresAndFiniteMetrics()
    {
        Assert.That(reportExit, Is.EqualTo(0), string.Join("\n", reportLog.TakeLast(20)));
        string html = File.ReadAllText(Path.Combine(report, "report.html"));
        string md = File.ReadAllText(Path.Combine(report, "report.md"));
        foreach (var n in Names)
        {
            string dir = Path.Combine(report, n);
            Assert.That(File.Exists(Path.Combine(dir, RunContext.DoneMarker)), $"{n}: DONE");
            Assert.That(html, Does.Contain($"id=\"{n}\""));
            Assert.That(md, Does.Contain($"(`{n}`)"));
            var metrics = Metrics.FromCsv(File.ReadAllText(Path.Combine(dir, "metrics.csv")));
            Assert.That(metrics.Rows, Is.Not.Empty, $"{n}: metrics");
            Assert.That(metrics.Rows.Where(r => !double.IsFinite(r.Value) || !double.IsFinite(r.X)), Is.Empty, $"{n}: finite metrics");
            var svgs = Directory.GetFiles(dir, "*.svg");
            Assert.That(svgs, Is.Not.Empty, $"{n}: figures");
            foreach (var svg in svgs) Assert.DoesNotThrow(() => XDocument.Load(svg), svg);
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
            Assert.That(config.RootElement.GetProperty("seed").GetUInt64(), Is.EqualTo(3UL));
            Assert.That(config.RootElement.GetProperty("device").GetString(), Is.EqualTo("cpu"));
            Assert.That(config.RootElement.GetProperty("data_source").GetString(), Does.StartWith("synthetic"), $"{n}: embedded data is marked synthetic");
            Assert.That(config.RootElement.GetProperty("git_commit").GetString(), Is.Not.Empty);
            var section = RunContext.ReadSection(dir);
            Assert.That(section.Observations, Is.Not.Empty, $"{n}: observations");
            Assert.That(section.Settings, Is.Not.Empty, $"{n}: settings");
        }
        Assert.That(html, Does.Not.Contain("<?xml"));
    }

    [Test]
    public void SmokeMinimalRatiosLieInTheUnitInterval()
    {
        var metrics = Metrics.FromCsv(File.ReadAllText(Path.Combine(report, "minimal-ratio", "metrics.csv")));
        var ratios = metrics.Rows.Where(r => r.Metric == "minimal_ratio").Select(r => r.Value).ToList();
        Assert.That(ratios, Is.Not.Empty);
        Assert.That(ratios, Has.All.InRange(0.0, 1.0));
    }

    [Test]
    public void FinishedRunsAreSkipped()
    {
        string dir = Path.Combine(report, "grad-norm");
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir, "metrics.csv"));
        string done = File.ReadAllText(Path.Combine(dir, RunContext.DoneMarker));
        var (exit, log) = Hw1("run", "grad-norm", "--preset", "smoke", "--out", dir);
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(log, Has.Some.Contains("already done"));
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(dir, "metrics.csv")), Is.EqualTo(stamp));
        Assert.That(File.ReadAllText(Path.Combine(dir, RunContext.DoneMarker)), Is.EqualTo(done));
    }

    [Test]
    public void ResumeContinuesFromTheLastCheckpoint()
    {
        var experiment = ExperimentRegistry.Find("random-labels")!;
        var log = new List<string>();
        var options = new RunOptions { Preset = Preset.Smoke, Seed = 3, Output = new PlainOutput(log.Add) };
        string fresh = Path.Combine(root, "fresh"), resumed = Path.Combine(root, "resumed");
        ExperimentRunner.Run(experiment, fresh, options);

        Assert.Throws<RunInterruptedException>(() => ExperimentRunner.Run(experiment, resumed, options with { InterruptAfterEpochs = 2 }));
        Assert.That(File.Exists(Path.Combine(resumed, RunContext.DoneMarker)), Is.False);
        Assert.That(File.Exists(Path.Combine(resumed, "units", "0-random", "checkpoints", "random.safetensors")));

        ExperimentRunner.Run(experiment, resumed, options with { Resume = true });
        Assert.That(log, Has.Some.Contains("resumed 'random' from checkpoint after epoch 2"));
        Assert.That(File.Exists(Path.Combine(resumed, RunContext.DoneMarker)));
        // Same seed, same data order, restored optimizer state: the resumed run ends where the uninterrupted one did.
        var a = Metrics.FromCsv(File.ReadAllText(Path.Combine(fresh, "metrics.csv"))).Rows;
        var b = Metrics.FromCsv(File.ReadAllText(Path.Combine(resumed, "metrics.csv"))).Rows;
        Assert.That(b.Select(r => (r.Series, r.X, r.Metric)), Is.EqualTo(a.Select(r => (r.Series, r.X, r.Metric))));
        for (int i = 0; i < a.Count; i++)
            Assert.That(b[i].Value, Is.EqualTo(a[i].Value).Within(1e-5).Percent, $"{a[i].Metric} at epoch {a[i].X.ToString(CultureInfo.InvariantCulture)}");
    }

    [Test]
    public void BadCommandLinesFailWithNonZeroExitCodes()
    {
        Assert.That(Hw1("run", "no-such-experiment", "--preset", "smoke", "--out", Path.Combine(root, "x")).Exit, Is.EqualTo(Program.UsageError));
        Assert.That(Hw1("run", "grad-norm", "--preset", "huge").Exit, Is.Not.EqualTo(0));
        Assert.That(Hw1("run", "grad-norm", "--device", "cuda:99", "--preset", "smoke", "--out", Path.Combine(root, "y")).Exit, Is.EqualTo(Program.UsageError));
        // A data folder that does not exist is a typo; an existing one without the files is missing data.
        Assert.That(Hw1("run", "grad-norm", "--preset", "smoke", "--data-dir", Path.Combine(root, "nothing-here"), "--out", Path.Combine(root, "z")).Exit, Is.EqualTo(Program.UsageError));
        Assert.That(Hw1("run", "grad-norm", "--preset", "smoke", "--download", "--out", Path.Combine(root, "z")).Exit, Is.EqualTo(Program.UsageError), "--download without --data-dir");
        Assert.That(Hw1("run", "grad-norm", "--preset", "smoke", "--synthetic", "imagenet", "--out", Path.Combine(root, "z")).Exit, Is.Not.EqualTo(0));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        Assert.That(Hw1("run", "grad-norm", "--preset", "smoke", "--data-dir", Path.Combine(root, "empty"), "--out", Path.Combine(root, "z")).Exit, Is.EqualTo(Program.DataError));
    }

    [Test]
    public void ObservationNumbersHaveThreeSignificantDigits()
    {
        Assert.That(Common.N(0.00123456), Is.EqualTo("0.00123"));
        Assert.That(Common.N(1234.5), Is.EqualTo("1235"));
        Assert.That(Common.N(2.5e-5), Is.EqualTo("2.50e-5"));
        Assert.That(Common.N(double.NaN), Is.EqualTo("NaN"));
    }

    [Test]
    public void EqualParameterModelsAgreeWithinOnePercent()
    {
        // The (parameter budget, depth) pairs the presets use.
        foreach (var (target, deep) in new[] { (200, 6), (500, 7), (800, 8) })
            foreach (int layers in new[] { 1, 4, deep })
            {
                int p = Models.MlpParams(1, Models.WidthsFor(1, 1, layers, target), 1);
                Assert.That(Math.Abs(p - target), Is.LessThanOrEqualTo(Math.Max(2, target / 100)), $"{layers} layers for {target}: {p}");
            }
    }
}

[NonParallelizable]
public sealed class Hw1RealDataTests
{
    [Test]
    public void DataDirUsesRealMnistFilesAndSaysSo()
    {
        string root = Path.Combine(Path.GetTempPath(), "hw1-real-" + Guid.NewGuid().ToString("N"));
        try
        {
            DataFolders.WriteMnist(Path.Combine(root, "data"), train: 200, test: 100);
            string run = Path.Combine(root, "run");
            int exit = Program.Run(["run", "random-labels", "--preset", "smoke", "--data-dir", Path.Combine(root, "data"), "--out", run], _ => { });
            Assert.That(exit, Is.EqualTo(0));
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
            Assert.That(config.RootElement.GetProperty("data_source").GetString(), Does.StartWith("real: MNIST"));
            Assert.That(File.ReadAllText(Path.Combine(run, "section.json")), Does.Not.Contain("synthetic"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
