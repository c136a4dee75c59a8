using System.Diagnostics;

namespace TinyGrad.Experiments.Runner;

/// <summary>The git commit the program was built from, for config.json.</summary>
public static class GitInfo
{
    private static readonly Lazy<string> Cached = new(Read);

    /// <summary>The HEAD commit (with "+dirty" when the tree has changes), or "unknown".</summary>
    public static string Commit => Cached.Value;

    private static string Read()
    {
        try
        {
            string head = RunGit("rev-parse HEAD");
            if (head.Length == 0) return "unknown";
            string dirty = RunGit("status --porcelain --untracked-files=no");
            return dirty.Length > 0 ? head + "+dirty" : head;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return "unknown";
        }
    }

    private static string RunGit(string args)
    {
        var psi = new ProcessStartInfo("git", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("git did not start");
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit(5000);
        return p.ExitCode == 0 ? output : "";
    }
}
