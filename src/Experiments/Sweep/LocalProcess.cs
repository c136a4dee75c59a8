using System.Diagnostics;

namespace TinyGrad.Experiments.Sweep;

/// <summary>Runs a command as a child process with its stdout and stderr appended to a log file.</summary>
public static class LocalProcess
{
    /// <summary>Starts <paramref name="command"/> + <paramref name="args"/>; completes with its exit code once it ended.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> command, IEnumerable<string> args, string log)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1).Concat(args)) psi.ArgumentList.Add(a);
        using var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        var gate = new object();
        void Write(string? line)
        {
            if (line is null) return;
            lock (gate) writer.WriteLine(line);
        }
        Write($"hw1 sweep: {Hw1Command.Join([command[0], .. psi.ArgumentList])} at {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}");
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => Write(e.Data);
        p.ErrorDataReceived += (_, e) => Write(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        await p.WaitForExitAsync().ConfigureAwait(false);
        return p.ExitCode;
    }
}
