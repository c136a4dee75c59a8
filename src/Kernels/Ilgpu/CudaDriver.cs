using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The CUDA driver library, found one way for our probe and for ILGPU. ILGPU 1.5.3 imports the name
/// <c>cuda</c>, which the loader turns into <c>libcuda.so</c>, a link only the driver's development
/// package makes; a container given a GPU by NVIDIA's runtime usually has only <c>libcuda.so.1</c>.
/// A resolver on ILGPU's assembly hands ILGPU the library <see cref="Library"/> found (the first of
/// <see cref="Names"/>), unless ILGPU sets its own (on WSL) or the application set one: those are
/// left alone. When no device is listed, <see cref="WhyNoDevices"/> says why in the driver's words.
/// </summary>
internal static class CudaDriver
{
    /// <summary>The driver's file names, in the order they are tried.</summary>
    public static readonly string[] Names = OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"];

    /// <summary>Folders searched after the loader's own search: where drivers and container runtimes put libcuda.</summary>
    public static readonly string[] Folders = OperatingSystem.IsLinux()
        ? ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib"]
        : [];

    private static readonly Lazy<NativeLibraryFile?> Found = new(() => NativeLibraries.Find(Names, Folders));
    private static readonly Lazy<string> Installed = new(InstallResolver);

    /// <summary>The driver library of this process, or null when none of <see cref="Names"/> loads.</summary>
    public static NativeLibraryFile? Library => Found.Value;

    /// <summary>How ILGPU's <c>cuda</c> import is resolved, in words (installs our resolver on first use).</summary>
    public static string Resolution => Installed.Value;

    /// <summary>The library name ILGPU imports.</summary>
    private static string ImportName => OperatingSystem.IsWindows() ? CudaAPI.LibNameWindows : CudaAPI.LibNameLinux;

    /// <summary>Resolves ILGPU's <c>cuda</c> import to <see cref="Library"/>; anything else to the loader's default (zero).</summary>
    public static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == ImportName && Library is { } library ? library.Handle : IntPtr.Zero;

    private static string InstallResolver()
    {
        // ILGPU 1.5.3 sets its own resolver on its assembly on WSL, when its CUDA support starts
        // (CudaContextExtensions.CudaInternal): ours there would make that call throw.
        if (IlgpuSetsItsOwnResolver()) return $"ILGPU's own resolver (WSL: {ImportName} from /usr/lib/wsl/lib)";
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, Resolve);
            return $"our resolver on ILGPU's assembly: '{ImportName}' -> the first of {string.Join(", ", Names)} that loads";
        }
        catch (InvalidOperationException)
        {
            return $"left alone: ILGPU's assembly already had a DllImportResolver (not ours), which decides where '{ImportName}' comes from";
        }
    }

    private static bool IlgpuSetsItsOwnResolver()
    {
        try
        {
            return OperatingSystem.IsLinux() && Directory.Exists("/usr/lib/wsl/lib")
                && File.ReadAllText("/proc/version").Contains("Microsoft", StringComparison.OrdinalIgnoreCase);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Why ILGPU lists no CUDA device (<paramref name="listed"/> is what it listed): the library that
    /// loaded, and the driver's own answer to cuInit and cuDeviceGetCount.
    /// </summary>
    public static string WhyNoDevices(int listed = 0) => Library is { } library
        ? Why(library, listed)
        : $"CUDA driver not found (looked for {string.Join(", ", Names)} in the loader's search path and in {string.Join(", ", Folders)}; " +
          "a container sees the driver only when it is given a GPU, e.g. by NVIDIA's container runtime)";

    /// <summary>What the driver in <paramref name="library"/> says, for the case that ILGPU listed <paramref name="listed"/> devices.</summary>
    internal static string Why(NativeLibraryFile library, int listed)
    {
        var answer = DriverAnswer.Ask(library);
        string head = $"{library.Path} loaded; {answer}";
        if (answer.Init != 0 || answer.Count <= 0) return head;
        return $"{head}, but ILGPU listed {listed} (it lists only devices whose architecture and PTX ISA it supports, and none when its own '{ImportName}' import failed: {Resolution})";
    }
}

/// <summary>The driver's own answers: cuInit, cuDriverGetVersion and cuDeviceGetCount, called through the loaded library.</summary>
/// <param name="Init">cuInit(0)'s CUresult.</param>
/// <param name="InitName">Its name (cuGetErrorName).</param>
/// <param name="Version">The driver's CUDA version (e.g. 13000 for 13.0), or -1.</param>
/// <param name="Count">The devices cuDeviceGetCount reports, or -1 when not asked or it failed.</param>
internal readonly record struct DriverAnswer(int Init, string InitName, int Version, int Count)
{
    /// <summary>Calls the driver in <paramref name="library"/>.</summary>
    public static unsafe DriverAnswer Ask(NativeLibraryFile library)
    {
        if (!NativeLibrary.TryGetExport(library.Handle, "cuInit", out var init))
            return new(-1, "no cuInit export: not a CUDA driver", -1, -1);
        int result = ((delegate* unmanaged<uint, int>)init)(0);
        string name = $"CUresult {result}";
        byte* text = null;
        if (NativeLibrary.TryGetExport(library.Handle, "cuGetErrorName", out var errorName)
            && ((delegate* unmanaged<int, byte**, int>)errorName)(result, &text) == 0 && text != null)
            name = Marshal.PtrToStringUTF8((IntPtr)text) ?? name;
        int version = -1, count = -1;
        if (NativeLibrary.TryGetExport(library.Handle, "cuDriverGetVersion", out var getVersion)
            && ((delegate* unmanaged<int*, int>)getVersion)(&version) != 0)
            version = -1;
        if (result == 0 && NativeLibrary.TryGetExport(library.Handle, "cuDeviceGetCount", out var getCount)
            && ((delegate* unmanaged<int*, int>)getCount)(&count) != 0)
            count = -1;
        return new(result, name, version, count);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"driver version {(Version < 0 ? "unknown" : $"{Version / 1000}.{Version % 1000 / 10}")}; cuInit(0) returned {Init} ({InitName})" +
        (Init == 0 ? $"; cuDeviceGetCount: {Count} device(s)" : "");
}
