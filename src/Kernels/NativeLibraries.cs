using System.Reflection;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels;

/// <summary>
/// Resolves the logical native library names used by our P/Invoke bindings ("OpenCL", "cuda",
/// "nvrtc") to the files each OS ships, trying each candidate in order.
/// </summary>
public static class NativeLibraries
{
    private static readonly Dictionary<string, string[]> Candidates = new()
    {
        ["OpenCL"] = OperatingSystem.IsWindows() ? ["OpenCL.dll"]
            : OperatingSystem.IsMacOS() ? ["/System/Library/Frameworks/OpenCL.framework/OpenCL"]
            : ["libOpenCL.so.1", "libOpenCL.so"],
        ["cuda"] = OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"],
        ["nvrtc"] = OperatingSystem.IsWindows() ? ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"]
            : ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"],
    };

    private static readonly Dictionary<string, nint> Loaded = [];
    private static readonly Lock Gate = new();

    static NativeLibraries() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);

    /// <summary>The files tried for a logical name, for error messages.</summary>
    public static string Describe(string logicalName) => string.Join(", ", Candidates[logicalName]);

    /// <summary>Loads the library (once) or throws <see cref="BackendUnavailableException"/> "<paramref name="runtime"/> not found (looked for ...)".</summary>
    public static nint Require(string logicalName, string runtime) => Require(logicalName, runtime, Candidates[logicalName]);

    /// <summary>As <see cref="Require(string, string)"/> with an explicit candidate list (tests use a missing one).</summary>
    internal static nint Require(string logicalName, string runtime, IReadOnlyList<string> candidates)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(logicalName, out var handle)) return handle;
            foreach (var candidate in candidates)
            {
                if (NativeLibrary.TryLoad(candidate, out handle))
                {
                    Loaded[logicalName] = handle;
                    return handle;
                }
            }
        }
        throw new BackendUnavailableException($"{runtime} not found (looked for {string.Join(", ", candidates)})");
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        Candidates.ContainsKey(name) ? Require(name, name + " library") : 0;
}
