using NUnit.Framework;
using TinyGrad.Experiments;

namespace TinyGrad.Tests.Experiments;

/// <summary>
/// What the partial-data tests share: an MNIST-only data folder, a complete one (MNIST and CIFAR-10), and one smoke report
/// run in one process on the complete data (made once, on first use), which partial runs completed later must equal.
/// </summary>
[SetUpFixture]
public sealed class ReferenceRuns
{
    /// <summary>The base seed of every partial-data run.</summary>
    public const string Seed = "5";

    private static readonly string Root = SweepFixtures.TempFolder("hw1-reference");
    private static readonly Lazy<string> Complete = new(RunCompleteReport);

    /// <summary>A folder with MNIST only (no CIFAR-10).</summary>
    public static string MnistOnly { get; } = Path.Combine(Root, "data-mnist");

    /// <summary>A folder with MNIST and CIFAR-10.</summary>
    public static string CompleteData { get; } = Path.Combine(Root, "data-complete");

    /// <summary>The folder of the one-process smoke report on <see cref="CompleteData"/> (run on first use).</summary>
    public static string CompleteReport => Complete.Value;

    /// <summary>Writes the data folders.</summary>
    [OneTimeSetUp]
    public void WriteData()
    {
        DataFolders.WriteMnist(MnistOnly);
        DataFolders.WriteMnist(CompleteData);
        DataFolders.WriteCifar(CompleteData);
    }

    /// <summary>Deletes the folders and the reference report.</summary>
    [OneTimeTearDown]
    public void Delete()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    /// <summary>A copy of <see cref="MnistOnly"/> that a test may add CIFAR-10 to.</summary>
    public static string CopyOfMnistOnly(string to)
    {
        DataFolders.WriteMnist(to);
        Assert.That(File.ReadAllBytes(Path.Combine(to, "mnist", "train-images-idx3-ubyte")), Is.EqualTo(File.ReadAllBytes(Path.Combine(MnistOnly, "mnist", "train-images-idx3-ubyte"))));
        return to;
    }

    /// <summary>Asserts that every experiment's metrics.csv in <paramref name="folder"/> equals the complete one-process report's, byte for byte.</summary>
    public static void AssertSameMetricsAsCompleteReport(string folder)
    {
        foreach (var e in TinyGrad.Experiments.Hw1.ExperimentRegistry.All)
            Assert.That(File.ReadAllBytes(Path.Combine(folder, e.Name, "metrics.csv")), Is.EqualTo(File.ReadAllBytes(Path.Combine(CompleteReport, e.Name, "metrics.csv"))),
                $"{e.Name}: {folder} vs the one-process run on the complete data");
    }

    private static string RunCompleteReport()
    {
        string folder = Path.Combine(Root, "complete-report");
        var (exit, log) = SweepFixtures.Hw1("report", "--preset", "smoke", "--seed", Seed, "--data-dir", CompleteData, "--out", folder);
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        return folder;
    }
}
