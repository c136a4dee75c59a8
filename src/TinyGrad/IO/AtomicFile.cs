namespace TinyGrad.IO;

/// <summary>
/// Writes files so that readers see either the old contents or the complete new contents, never a
/// partial file: data goes to a temp file in the same folder (same file system, so the rename is
/// atomic), is flushed to disk, then renamed over the target. Temp files left by killed writers of the
/// same target are removed by the next write (those whose process is gone and whose file no process holds open).
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Runs <paramref name="write"/> on a temp file beside <paramref name="path"/>, flushes it to disk and
    /// renames it over <paramref name="path"/>. If <paramref name="write"/> throws, the temp file is deleted,
    /// the exception propagates, and any existing file at <paramref name="path"/> is untouched. Stale temp
    /// files of <paramref name="path"/> (their writer was killed) are deleted first.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        TempFiles.RemoveStale(full);
        string temp = TempPathFor(full);
        try
        {
            // FileShare.None: the exclusive lock tells other writers this temp file is alive.
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                // Flush(true) pushes the OS cache to the device so a crash after the rename cannot leave an empty file.
                fs.Flush(true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> atomically (see <see cref="Write(string, Action{Stream})"/>).</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>A unique temp name in the target's folder (see <see cref="TempFiles.For"/>).</summary>
    internal static string TempPathFor(string fullPath) => TempFiles.For(fullPath);

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort: the original error matters more than a leftover temp file
        }
        catch (UnauthorizedAccessException)
        {
            // same
        }
    }
}
