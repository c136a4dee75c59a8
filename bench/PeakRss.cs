using System.Diagnostics;
using System.Globalization;

namespace TinyGrad.Bench;

/// <summary>The peak resident set (VmHWM) of this process, and of a child running one read of this program.</summary>
public static class PeakRss
{
    /// <summary>VmHWM of this process in MiB (NaN where /proc is absent).</summary>
    public static double Mib()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    /// <summary>Runs this program with <paramref name="args"/> in a fresh process and returns its one line of output.</summary>
    public static string Child(params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") psi.ArgumentList.Add(typeof(PeakRss).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        string line = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        return line;
    }
}
