using System.Runtime.InteropServices;

namespace TinyGrad.Experiments.Sweep;

/// <summary>How a job script or a local process starts hw1: the apphost (<c>/path/hw1</c>) or <c>dotnet /path/hw1.dll</c>.</summary>
public static class Hw1Command
{
    /// <summary>
    /// The command of the hw1 running now: its apphost when it was started through it, else the dotnet host and hw1.dll
    /// (also when hw1 runs inside another program, e.g. the tests).
    /// </summary>
    public static IReadOnlyList<string> Current()
    {
        string dll = typeof(Program).Assembly.Location;
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "hw1") return [process];
        return [DotnetHost(process), dll];
    }

    private static string DotnetHost(string? process)
    {
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet") return process;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        // The runtime lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string dotnet = Path.Combine(root, "dotnet");
        return File.Exists(dotnet) ? dotnet : "dotnet";
    }

    /// <summary>Splits a command line given as text on spaces (no quoting; paths with spaces are not supported there).</summary>
    public static IReadOnlyList<string> Parse(string command) => command.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A word quoted for bash when it holds anything but letters, digits and <c>-_./:=,%@+</c>.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,%@+".Contains(c)) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Words joined into one bash command line.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(" ", words.Select(Quote));
}
