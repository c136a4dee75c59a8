namespace TinyGrad.Kernels;

/// <summary>
/// The on-disk cache of compiled kernel programs: $TINYGRAD_CACHE, else $XDG_CACHE_HOME/tinygrad,
/// else ~/.cache/tinygrad, one folder per runtime. Only an optimisation: failures to write are ignored.
/// </summary>
internal static class KernelCache
{
    public static string Directory(string runtime)
    {
        string? root = Environment.GetEnvironmentVariable("TINYGRAD_CACHE");
        if (string.IsNullOrEmpty(root))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "tinygrad")
                : Path.Combine(xdg, "tinygrad");
        }
        string dir = Path.Combine(root, runtime);
        try
        {
            System.IO.Directory.CreateDirectory(dir);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return dir;
    }

    /// <summary>Writes to a temp file and renames, so a concurrent reader never sees half a binary.</summary>
    public static void TryStore(string path, byte[] binary)
    {
        try
        {
            string temp = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temp, binary);
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
