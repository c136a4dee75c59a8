using NUnit.Framework;
using TinyGrad.Experiments;
using TinyGrad.Experiments.Hw1;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Tests.Experiments;

/// <summary>What the sweep tests share: hw1 in process with its log captured, one-process reference runs, a unit made to fail.</summary>
public static class SweepFixtures
{
    /// <summary>Runs hw1 with <paramref name="args"/> in this process; returns the exit code and the log lines.</summary>
    public static (int Exit, List<string> Log) Hw1(params string[] args)
    {
        var log = new List<string>();
        int exit = Program.Run(args, log.Add);
        return (exit, log);
    }

    /// <summary>A fresh temporary folder.</summary>
    public static string TempFolder(string prefix) => Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");

    /// <summary>Runs <paramref name="experiment"/> in one process (units, then aggregation) into <paramref name="folder"/>; returns its metrics.csv text.</summary>
    public static string OneProcess(string experiment, string folder, int seed)
    {
        var (exit, log) = Hw1("run", experiment, "--preset", "smoke", "--seed", $"{seed}", "--out", folder);
        Assert.That(exit, Is.EqualTo(0), string.Join("\n", log));
        return File.ReadAllText(Path.Combine(folder, "metrics.csv"));
    }

    /// <summary>The folder of unit <paramref name="index"/> of a smoke run of <paramref name="experiment"/> under <paramref name="folder"/>.</summary>
    public static string UnitFolder(string folder, string experiment, int index) =>
        UnitFolders.Path(folder, ExperimentRegistry.Find(experiment)!, Preset.Smoke, index);

    /// <summary>
    /// Makes unit <paramref name="index"/> fail when run again: removes its DONE marker and the experiment's, and puts a
    /// folder where the unit writes its metrics.csv (writing it then fails, as on a broken disk).
    /// </summary>
    public static void BreakUnit(string folder, string experiment, int index)
    {
        string unit = UnitFolder(folder, experiment, index);
        File.Delete(Path.Combine(folder, RunContext.DoneMarker));
        File.Delete(Path.Combine(unit, RunContext.DoneMarker));
        File.Delete(Path.Combine(unit, "metrics.csv"));
        Directory.CreateDirectory(Path.Combine(unit, "metrics.csv"));
    }

    /// <summary>Undoes <see cref="BreakUnit"/>.</summary>
    public static void FixUnit(string folder, string experiment, int index) =>
        Directory.Delete(Path.Combine(UnitFolder(folder, experiment, index), "metrics.csv"));
}
