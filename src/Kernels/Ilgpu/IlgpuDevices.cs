using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>The kinds of accelerator ILGPU runs our kernels on.</summary>
public enum IlgpuKind
{
    /// <summary>NVIDIA GPUs through the CUDA driver (PTX from ILGPU).</summary>
    Cuda,

    /// <summary>OpenCL devices with the generic address space ILGPU's OpenCL C needs (AMD and Intel GPUs).</summary>
    OpenCl,

    /// <summary>ILGPU's CPU accelerator: the same kernels on CPU threads (correct, slow; for tests).</summary>
    Simulator,
}

/// <summary>One device ILGPU sees, whether it can run our kernels, and why not when it cannot.</summary>
/// <param name="Kind">The accelerator kind.</param>
/// <param name="Index">Position among the devices of its kind (the N of <c>cuda:N</c>).</param>
/// <param name="Name">Command-line name, e.g. <c>cuda:0</c>.</param>
/// <param name="Description">Hardware and capabilities in words.</param>
/// <param name="IsGpu">Whether the device is a GPU (auto picks only GPUs).</param>
/// <param name="Unusable">Why the device cannot run the kernels, or null when it can.</param>
public sealed record IlgpuDeviceInfo(IlgpuKind Kind, int Index, string Name, string Description, bool IsGpu, string? Unusable);

/// <summary>
/// The process-wide ILGPU context and the devices it finds. Driver libraries are probed first so
/// that a missing driver is reported by name instead of as "no devices"; ILGPU's CUDA import is
/// resolved to the same libcuda our probe found (<see cref="CudaDriver"/>).
/// </summary>
public static class IlgpuDevices
{
    /// <summary>The simulator's command-line name.</summary>
    public const string SimulatorName = "ilgpu-cpu";

    private static readonly string[] OpenClLibraries = OperatingSystem.IsWindows() ? ["OpenCL.dll"] : ["libOpenCL.so"];
    private static readonly Lazy<bool> OpenClLoads = new(() => NativeLibraries.Find(OpenClLibraries, []) is not null);

    // 16 simulated threads per group: every simulated thread is an OS thread, and a barrier wakes them all.
    private static readonly CPUDevice SimulatorDevice = new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1);

    private static readonly Lazy<Context> Shared = new(() => Context.Create(builder =>
    {
        builder.CPU(SimulatorDevice).EnableAlgorithms().Optimize(OptimizationLevel.O2);
        _ = CudaDriver.Resolution; // before ILGPU's CUDA support first loads its import
        if (CudaDriver.Library is not null) builder.Cuda();
        if (OpenClLoads.Value) builder.OpenCL(_ => true);
    }));

    /// <summary>The ILGPU context every accelerator of this process belongs to.</summary>
    internal static Context Context => Shared.Value;

    /// <summary>Why no device of <paramref name="kind"/> can be listed (driver missing), or null.</summary>
    public static string? DriverMissing(IlgpuKind kind) => kind switch
    {
        IlgpuKind.Cuda when CudaDriver.Library is null => CudaDriver.WhyNoDevices(),
        IlgpuKind.OpenCl when !OpenClLoads.Value => $"OpenCL runtime not found (looked for {string.Join(", ", OpenClLibraries)}; Debian: ocl-icd-opencl-dev)",
        _ => null,
    };

    /// <summary>Why no device of <paramref name="kind"/> is listed: for CUDA, the driver library and its own answer.</summary>
    public static string WhyNoDevices(IlgpuKind kind) => kind switch
    {
        IlgpuKind.Cuda => DriverMissing(kind) ?? $"no CUDA device listed: {CudaDriver.WhyNoDevices(List(kind).Count)}",
        IlgpuKind.OpenCl => DriverMissing(kind) ?? "no OpenCL device found",
        _ => "",
    };

    /// <summary>Every device of <paramref name="kind"/>, usable or not.</summary>
    public static IReadOnlyList<IlgpuDeviceInfo> List(IlgpuKind kind)
    {
        if (DriverMissing(kind) is not null) return [];
        var result = new List<IlgpuDeviceInfo>();
        switch (kind)
        {
            case IlgpuKind.Cuda:
                foreach (var d in Context.GetCudaDevices())
                    result.Add(new(kind, result.Count, $"cuda:{result.Count}", $"{d.Name} ({d.Architecture}, {d.MemorySize >> 20} MiB, {d.NumMultiprocessors} SMs)", true, null));
                break;
            case IlgpuKind.OpenCl:
                foreach (var d in Context.GetCLDevices())
                {
                    bool gpu = d.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU;
                    string? why = d.CVersion < ILGPU.Backends.OpenCL.CLBackend.MinimumVersion ? $"OpenCL C {d.CVersion} is older than the {ILGPU.Backends.OpenCL.CLBackend.MinimumVersion} ILGPU needs"
                        : !d.Capabilities.GenericAddressSpace ? "lacks the generic address space ILGPU's OpenCL kernels need (NVIDIA GPUs: use cuda)"
                        : null;
                    string what = gpu ? "GPU" : "CPU device: used only when named";
                    result.Add(new(kind, result.Count, $"opencl:{result.Count}", $"{d.Name} ({d.PlatformName}, {what}{(d.Capabilities.Float64 ? ", fp64" : "")})", gpu, why));
                }
                break;
            default:
                result.Add(new(kind, 0, SimulatorName,
                    $"ILGPU CPU simulator: one simulated multiprocessor of {SimulatorDevice.MaxNumThreads} GPU threads, each an OS thread, " +
                    $"taking turns on this machine's {Environment.ProcessorCount} cores (slow; for tests)", false, null));
                break;
        }
        return result;
    }

    /// <summary>Creates an accelerator for device <paramref name="index"/> of <paramref name="kind"/>, with the device as listed.</summary>
    /// <exception cref="BackendUnavailableException">The driver is missing, the device does not exist or cannot run the kernels.</exception>
    internal static (Accelerator Accelerator, IlgpuDeviceInfo Info) Open(IlgpuKind kind, int index)
    {
        if (DriverMissing(kind) is { } missing) throw new BackendUnavailableException(missing);
        var devices = List(kind);
        if (index >= devices.Count)
            throw new BackendUnavailableException(devices.Count == 0 ? WhyNoDevices(kind) : $"only {devices.Count} {kind} device(s) found");
        if (devices[index].Unusable is { } why) throw new BackendUnavailableException($"{devices[index].Description} {why}");
        Accelerator accelerator = kind switch
        {
            IlgpuKind.Cuda => Context.GetCudaDevice(index).CreateCudaAccelerator(Context),
            IlgpuKind.OpenCl => Context.GetCLDevice(index).CreateCLAccelerator(Context),
            _ => Context.GetCPUDevice(0).CreateCPUAccelerator(Context, CPUAcceleratorMode.Parallel),
        };
        return (accelerator, devices[index]);
    }
}
