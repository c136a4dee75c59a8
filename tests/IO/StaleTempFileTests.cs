using System.Diagnostics;
using NUnit.Framework;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>
/// A save killed mid-write leaves its temp file; the next save to the same target removes temp files of
/// that target that no live writer holds, and never touches a live writer's or another target's.
/// </summary>
public sealed class StaleTempFileTests : TempDirectoryFixture
{
    private static void Save(string path, int step) =>
        Checkpoint.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray(new float[] { step, 2 }, [2]) },
            new Dictionary<string, string> { ["step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    private string[] Files() => Directory.GetFiles(Dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>A child process stopped in the middle of a save to <paramref name="path"/> (its temp file written and open).</summary>
    private static Process HangInSave(string path)
    {
        var child = ChildProcess.Start("hang-in-save", path);
        var line = child.StandardOutput.ReadLineAsync();
        if (!line.Wait(60_000) || line.Result != "writing")
        {
            child.Kill();
            Assert.Fail($"child did not reach the save: {line.Result ?? "(no output)"} {child.StandardError.ReadToEnd()}");
        }
        return child;
    }

    private static void KillHard(Process child)
    {
        child.Kill(); // SIGKILL on Unix: no finally block, no cleanup
        child.WaitForExit();
        child.Dispose();
    }

    [Test]
    public void NextSaveRemovesTheTempFileOfAKilledSave()
    {
        string p = Path.Combine(Dir, "ckpt.safetensors");
        Save(p, 1);
        KillHard(HangInSave(p));
        Assert.That(Files(), Has.Length.EqualTo(2), "the killed save left its temp file");
        Assert.That(Files(), Has.Some.Match(@"^\.ckpt\.safetensors\..*\.tmp$"));
        Save(p, 2);
        Assert.That(Files(), Is.EqualTo(new[] { "ckpt.safetensors" }));
        Assert.That(Checkpoint.Load(p).Metadata["step"], Is.EqualTo("2"));
    }

    [Test]
    public void ALiveWritersTempFileIsKept()
    {
        string p = Path.Combine(Dir, "ckpt.safetensors");
        var child = HangInSave(p);
        try
        {
            string[] temps = Files();
            Assert.That(temps, Has.Length.EqualTo(1));
            Save(p, 1);
            Assert.That(Files(), Is.EqualTo(new[] { temps[0], "ckpt.safetensors" }.Order(StringComparer.Ordinal)), "the live writer's temp file stays");
        }
        finally
        {
            KillHard(child);
        }
        Save(p, 2);
        Assert.That(Files(), Is.EqualTo(new[] { "ckpt.safetensors" }));
    }

    [Test]
    public void KilledSaveLoopLeavesOnlyTheFinalFileAfterTheNextSave()
    {
        // A child saving a 16 MB checkpoint over and over, SIGKILLed while a temp file exists.
        string p = Path.Combine(Dir, "ckpt.safetensors");
        bool leftTemp = false;
        for (int attempt = 0; attempt < 10 && !leftTemp; attempt++)
        {
            var child = ChildProcess.Start("save-loop", p, "16");
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(60) && !child.HasExited && !Files().Any(f => f.EndsWith(".tmp", StringComparison.Ordinal))) Thread.Sleep(1);
            Assert.That(child.HasExited, Is.False, () => "child exited: " + child.StandardError.ReadToEnd());
            KillHard(child);
            leftTemp = Files().Any(f => f.EndsWith(".tmp", StringComparison.Ordinal));
        }
        Assume.That(leftTemp, "no kill landed inside a save in 10 attempts");
        Save(p, 7);
        Assert.That(Files(), Is.EqualTo(new[] { "ckpt.safetensors" }));
        Assert.That(Checkpoint.Load(p).Metadata["step"], Is.EqualTo("7"));
    }

    /// <summary>The id of a process that has exited.</summary>
    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    [Test]
    public void OnlyStaleTempFilesOfTheSameTargetAreRemoved()
    {
        string p = Path.Combine(Dir, "ckpt.safetensors");
        int dead = DeadPid(), live = Environment.ProcessId;
        string guid = Guid.NewGuid().ToString("N");
        string[] stale = [$".ckpt.safetensors.{dead}.{guid}.tmp", $".ckpt.safetensors.{guid}.tmp"];
        string[] kept =
        [
            $".ckpt.safetensors.{live}.{guid}.tmp",       // a live process: it may be between creating and locking its file
            $".ckpt.safetensors.x.{dead}.{guid}.tmp",     // the temp file of target "ckpt.safetensors.x"
            $".other.safetensors.{dead}.{guid}.tmp",      // another target
            $"ckpt.safetensors.{dead}.{guid}.tmp",        // not hidden: not ours
            $".ckpt.safetensors.{dead}.{guid}.tmp.keep",  // not a temp name
        ];
        foreach (string f in stale.Concat(kept)) File.WriteAllText(Path.Combine(Dir, f), "partial");
        Save(p, 1);
        Assert.That(Files(), Is.EqualTo(kept.Append("ckpt.safetensors").Order(StringComparer.Ordinal)));
    }
}
