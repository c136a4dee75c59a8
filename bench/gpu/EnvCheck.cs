using System.Runtime.InteropServices;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Bench;

/// <summary>
/// The GPU check's first phase: what this process sees of the CUDA driver. Our probe (the libcuda
/// file it loaded and the driver's own cuInit answer), how ILGPU's <c>cuda</c> import is resolved,
/// the devices ILGPU lists (or why none), the libcuda files actually mapped afterwards, and where
/// cuBLAS would come from. run.sh prints the machine's side (nvidia-smi, ldconfig) before it.
/// </summary>
internal static class EnvCheck
{
    public static int Run()
    {
        Console.WriteLine($"env runtime: .NET {Environment.Version} on {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} CPUs");
        Console.WriteLine($"env libcuda names: {string.Join(", ", CudaDriver.Names)} (loader search, then {string.Join(", ", CudaDriver.Folders)})");
        var library = CudaDriver.Library;
        Console.WriteLine($"env libcuda probe: {(library is null ? "none loads" : $"{library.Name} -> {library.Path}")}");
        if (library is not null) Console.WriteLine($"env libcuda driver: {DriverAnswer.Ask(library)}");
        Console.WriteLine($"env libcuda import: {CudaDriver.Resolution}");
        GpuCheck.HangIfAsked("env");
        foreach (var kind in new[] { IlgpuKind.Cuda, IlgpuKind.OpenCl, IlgpuKind.Simulator })
        {
            var devices = IlgpuDevices.List(kind);
            foreach (var d in devices) Console.WriteLine($"env ilgpu {d.Name} {(d.Unusable is null ? "usable" : $"unusable ({d.Unusable})")}: {d.Description}");
            if (devices.Count == 0) Console.WriteLine($"env ilgpu {kind}: {IlgpuDevices.WhyNoDevices(kind)}");
        }
        var mapped = Mapped("libcuda");
        Console.WriteLine($"env libcuda mapped after ILGPU listed its devices: {(mapped.Count == 0 ? "none" : string.Join(", ", mapped))}");
        var cublas = CuBlasLibrary.Find();
        Console.WriteLine($"env cublas: {(cublas is null ? $"none loads (looked for {string.Join(", ", CuBlasLibrary.Names)} in the loader's path and {string.Join(", ", CuBlasLibrary.Folders())})" : $"{cublas.Name} -> {cublas.Path}")}");
        return 0;
    }

    /// <summary>The files this process has mapped whose name contains <paramref name="what"/> (Linux: /proc/self/maps).</summary>
    public static List<string> Mapped(string what)
    {
        if (!File.Exists("/proc/self/maps")) return [];
        var files = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0) continue;
            string file = line[slash..];
            if (file.Contains(what, StringComparison.Ordinal) && !files.Contains(file)) files.Add(file);
        }
        return files;
    }
}
