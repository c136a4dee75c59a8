using NUnit.Framework;
using TinyGrad.Experiments;
using TinyGrad.Experiments.Hw1;
using TinyGrad.Experiments.Sweep;
using static TinyGrad.Tests.Experiments.SweepFixtures;

namespace TinyGrad.Tests.Experiments;

/// <summary>The sbatch script and commands of <c>hw1 sweep --dry-run</c>: options passed through, arrays, the hw1 command.</summary>
[NonParallelizable]
public sealed class SweepScriptTests
{
    private string root = "";

    [SetUp]
    public void CreateRoot() => root = TempFolder("hw1-sweep-script");

    [TearDown]
    public void DeleteRoot()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private List<string> DryRun(params string[] extra)
    {
        var (exit, log) = Hw1(["sweep", "params-vs-generalization", "--preset", "full", "--out", root, "--dry-run", .. extra]);
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        Assert.That(Directory.Exists(root), Is.False, "a dry run writes nothing");
        return [.. log.Select(l => l.Trim())];
    }

    [Test]
    public void DryRunPrintsTheScriptWithEveryPassedOptionAndTheSbatchCommands()
    {
        var log = DryRun("--max-parallel", "8", "--partition", "long", "--time", "04:00:00", "--cpus-per-task", "4", "--account", "lab42",
            "--sbatch-arg=--mem=8G", "--sbatch-arg=--qos=low");
        string dir = Path.GetFullPath(Path.Combine(root, "params-vs-generalization"));
        string script = Path.Combine(dir, "sweep", "job.sbatch");
        Assert.That(log, Has.One.EqualTo("#!/bin/bash"));
        foreach (var line in new[]
        {
            "#SBATCH --job-name=hw1-params-vs-generalization", $"#SBATCH --output={dir}/sweep/logs/unit-%a.log", "#SBATCH --partition=long",
            "#SBATCH --time=04:00:00", "#SBATCH --cpus-per-task=4", "#SBATCH --account=lab42", "#SBATCH --mem=8G", "#SBATCH --qos=low",
        })
            Assert.That(log, Has.One.EqualTo(line));
        Assert.That(log.Where(l => l.StartsWith("#SBATCH --gpus", StringComparison.Ordinal)), Is.Empty, "no GPU for a CPU run");
        // The full preset has 50 models; all are missing, 8 at a time.
        Assert.That(log, Has.One.EqualTo($"[params-vs-generalization] would run: sbatch --parsable --array=0-49%8 {script}"));
        Assert.That(log, Has.One.EqualTo($"[params-vs-generalization] would run: sbatch --parsable '--dependency=afterok:<array job id>' " +
                                         $"--job-name=hw1-params-vs-generalization-aggregate --output={dir}/sweep/logs/aggregate.log {script}"));
        // hw1 as a user would start it on a node: the dotnet host and hw1.dll, both existing files.
        var hw1 = log.Single(l => l.StartsWith("hw1=(", StringComparison.Ordinal))["hw1=(".Length..^1].Split(' ');
        Assert.That(hw1, Has.Length.EqualTo(2));
        Assert.That(File.Exists(hw1[0]) && Path.GetFileName(hw1[0]) == "dotnet", hw1[0]);
        Assert.That(hw1[1], Does.EndWith("hw1.dll").And.Matches<string>(File.Exists));
        Assert.That(log, Has.One.EqualTo($"args=(run params-vs-generalization --preset full --seed 0 --device cpu --out {dir})"));
    }

    [Test]
    public void TheDataChoiceReachesEveryJob()
    {
        var log = DryRun("--data-dir", ReferenceRuns.MnistOnly, "--synthetic", "cifar10");
        string dir = Path.GetFullPath(Path.Combine(root, "params-vs-generalization"));
        Assert.That(log, Has.One.EqualTo($"args=(run params-vs-generalization --preset full --seed 0 --device cpu --out {dir} --data-dir {ReferenceRuns.MnistOnly} --synthetic cifar10)"));
    }

    [Test]
    public void CudaRunsAskForAGpuUnlessTheUserSaysHow()
    {
        Assert.That(DryRun("--device", "cuda"), Has.One.EqualTo("#SBATCH --gpus=1"));
        var gres = DryRun("--device", "cuda", "--gres", "gpu:a100:1");
        Assert.That(gres, Has.One.EqualTo("#SBATCH --gres=gpu:a100:1"));
        Assert.That(gres.Where(l => l.StartsWith("#SBATCH --gpus", StringComparison.Ordinal)), Is.Empty);
        Assert.That(DryRun("--device", "cuda", "--gpus", "2"), Has.One.EqualTo("#SBATCH --gpus=2"));
        Assert.That(DryRun("--device", "cuda"), Has.One.Contains("--device cuda --out"));
    }

    [Test]
    public void BadSweepCommandLinesAreUsageErrors()
    {
        Assert.That(Hw1("sweep", "minimal-ratio", "--preset", "smoke", "--dry-run").Exit, Is.EqualTo(Program.UsageError), "no --out");
        Assert.That(Hw1("sweep", "minimal-ratio", "--out", root, "--gpus", "1", "--dry-run").Exit, Is.EqualTo(Program.UsageError), "GPUs for a CPU run");
        Assert.That(Hw1("sweep", "minimal-ratio", "--out", root, "--sbatch-arg", "mem=4G", "--dry-run").Exit, Is.EqualTo(Program.UsageError));
        Assert.That(Hw1("sweep", "minimal-ratio", "--out", root, "--max-parallel", "0", "--dry-run").Exit, Is.EqualTo(Program.UsageError));
        Assert.That(Hw1("sweep", "no-such", "--out", root, "--dry-run").Exit, Is.EqualTo(Program.UsageError));
    }

    [TestCase(new[] { 0, 1, 2, 3 }, null, "0-3")]
    [TestCase(new[] { 0, 1, 2, 5, 7, 8 }, 3, "0-2,5,7-8%3")]
    [TestCase(new[] { 4 }, 2, "4%2")]
    public void ArraysAreRangesOfTheMissingUnits(int[] units, int? max, string expected) =>
        Assert.That(SlurmScript.Array(units, max), Is.EqualTo(expected));

    [Test]
    public void SweepAllPrintsOneArrayPerExperimentAndAReportJobAfterTheAggregations()
    {
        var (exit, log) = Hw1("sweep", "all", "--preset", "smoke", "--out", root, "--dry-run");
        Assert.That(exit, Is.EqualTo(0));
        foreach (var e in ExperimentRegistry.All)
        {
            int n = e.Units(TinyGrad.Experiments.Runner.Preset.Smoke).Count;
            Assert.That(log, Has.One.Contains($"[{e.Name}] would run: sbatch --parsable --array={(n == 1 ? "0" : $"0-{n - 1}")} "), e.Name);
        }
        Assert.That(log, Has.One.EqualTo($"[report] would run: sbatch --parsable '--dependency=afterok:<aggregation job ids>' {Path.GetFullPath(root)}/sweep/report.sbatch"));
    }
}
