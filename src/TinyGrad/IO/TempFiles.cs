using System.Diagnostics;
using System.Globalization;

namespace TinyGrad.IO;

/// <summary>
/// Temp files of atomic writes, named <c>.&lt;target name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c> beside the target and
/// held open by their writer with <see cref="FileShare.None"/> (an exclusive flock on Unix) until renamed.
/// A process killed mid-write leaves its temp file; <see cref="RemoveStale"/> deletes those of a target
/// whose writer is gone: its pid is not a running process and the file's exclusive lock can be taken.
/// </summary>
internal static class TempFiles
{
    private const string Suffix = ".tmp";

    /// <summary>A unique temp name for <paramref name="fullPath"/> in its folder, carrying this process's id.</summary>
    public static string For(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath) ?? ".", $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}{Suffix}");

    /// <summary>
    /// Deletes the temp files of <paramref name="fullPath"/> that no live writer holds; returns how many.
    /// Best effort: a file it cannot judge, lock or delete is left alone.
    /// </summary>
    public static int RemoveStale(string fullPath)
    {
        string dir = Path.GetDirectoryName(fullPath) ?? ".", prefix = $".{Path.GetFileName(fullPath)}.";
        // Wildcards in the target's own name would widen the pattern; then every file is looked at.
        string pattern = prefix.AsSpan().IndexOfAny('*', '?') < 0 ? prefix + "*" + Suffix : "*";
        int removed = 0;
        try
        {
            foreach (string file in Directory.EnumerateFiles(dir, pattern))
            {
                string name = Path.GetFileName(file);
                if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(Suffix, StringComparison.Ordinal)) continue;
                if (!TryParseWriter(name.AsSpan(prefix.Length, name.Length - prefix.Length - Suffix.Length), out int? pid)) continue;
                if (pid is int p && IsRunning(p)) continue;
                if (TryDeleteUnheld(file)) removed++;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder could not be listed: nothing to clean.
        }
        return removed;
    }

    /// <summary>"&lt;pid&gt;.&lt;guid&gt;" (this format) or "&lt;guid&gt;" (before pids were recorded: no pid).</summary>
    private static bool TryParseWriter(ReadOnlySpan<char> middle, out int? pid)
    {
        pid = null;
        int dot = middle.LastIndexOf('.');
        var guid = dot < 0 ? middle : middle[(dot + 1)..];
        if (guid.Length != 32 || guid.ContainsAnyExcept("0123456789abcdef")) return false;
        if (dot < 0) return true;
        if (!int.TryParse(middle[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int id)) return false;
        pid = id;
        return true;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var p = Process.GetProcessById(pid);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Deletes <paramref name="file"/> if its exclusive lock can be taken (no writer holds it open).</summary>
    private static bool TryDeleteUnheld(string file)
    {
        try
        {
            using var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            return true;
        }
        catch (IOException)
        {
            return false; // held by a writer, or gone already
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
