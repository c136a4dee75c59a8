using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>A native library found by a list of file names, and the file the loader took it from.</summary>
/// <param name="Name">The name that loaded.</param>
/// <param name="Handle">The loader's handle (kept open for the process).</param>
/// <param name="Path">The file the loader opened.</param>
internal sealed record NativeLibraryFile(string Name, IntPtr Handle, string Path);

/// <summary>Finding native libraries the way the GPU runtimes need: by several file names, in order.</summary>
internal static partial class NativeLibraries
{
    /// <summary>
    /// The first of <paramref name="names"/> that loads: each name through the loader's own search
    /// (LD_LIBRARY_PATH, the ld.so cache) when <paramref name="loaderSearch"/>, then from each of
    /// <paramref name="folders"/>. Null when none does.
    /// </summary>
    public static NativeLibraryFile? Find(IReadOnlyList<string> names, IReadOnlyList<string> folders, bool loaderSearch = true)
    {
        foreach (var name in names)
        {
            if (loaderSearch && NativeLibrary.TryLoad(name, out var handle)) return new(name, handle, PathOf(handle) ?? name);
            foreach (var folder in folders)
            {
                string path = System.IO.Path.Combine(folder, name);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out handle)) return new(name, handle, PathOf(handle) ?? path);
            }
        }
        return null;
    }

    /// <summary>The file a loaded library came from (Linux: the loader's link map), or null where unknown.</summary>
    public static string? PathOf(IntPtr handle)
    {
        const int linkMap = 2; // RTLD_DI_LINKMAP: a struct link_map { ElfW(Addr) l_addr; char *l_name; ... }
        if (!OperatingSystem.IsLinux() || DlInfo(handle, linkMap, out var map) != 0 || map == 0) return null;
        return Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(map, IntPtr.Size));
    }

    [LibraryImport("libc", EntryPoint = "dlinfo")]
    private static partial int DlInfo(IntPtr handle, int request, out IntPtr info);
}
