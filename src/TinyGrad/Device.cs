using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;
using TinyGrad.Kernels.Cuda;
using TinyGrad.Kernels.OpenCl;

namespace TinyGrad;

/// <summary>
/// Where a tensor's memory lives and its kernels run. Devices are named as on the command line:
/// <c>cpu</c>, <c>opencl[:N]</c>, <c>cuda[:N]</c>, or <c>auto</c> (the best one present).
/// </summary>
public sealed class Device
{
    private static readonly Dictionary<string, Device> Opened = [];
    private static readonly Lock Gate = new();
    private static Device? defaultDevice;

    private Device(IBackend backend) => Backend = backend;

    /// <summary>The host CPU backend (always present).</summary>
    public static Device Cpu { get; } = new(new CpuBackend());

    /// <summary>
    /// The device new tensors land on when none is named: the <c>TINYGRAD_DEVICE</c> environment
    /// variable if set, else <see cref="Cpu"/>. Settable (e.g. from a <c>--device</c> option).
    /// </summary>
    public static Device Default
    {
        get => defaultDevice ??= Parse(Environment.GetEnvironmentVariable("TINYGRAD_DEVICE") ?? "cpu");
        set => defaultDevice = value;
    }

    /// <summary>The kernels behind this device.</summary>
    public IBackend Backend { get; }

    /// <summary>Command-line name, e.g. "cpu" or "opencl:0".</summary>
    public string Name => Backend.Name;

    /// <summary>
    /// Resolves a device name: <c>cpu</c>, <c>opencl[:N]</c>, <c>cuda[:N]</c> or <c>auto</c> (CUDA, else an
    /// OpenCL GPU, else the CPU; a CPU OpenCL device such as PoCL is used only when named). A device that
    /// is named but absent throws <see cref="ArgumentException"/> saying what was looked for.
    /// </summary>
    public static Device Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Trim().ToLowerInvariant().Split(':');
        if (parts.Length > 2) throw new ArgumentException($"unknown device '{name}': expected cpu, opencl[:N], cuda[:N] or auto");
        int index = 0;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out index) || index < 0))
            throw new ArgumentException($"device '{name}': '{parts[1]}' is not a device number");
        return parts[0] switch
        {
            "cpu" when parts.Length == 1 => Cpu,
            "auto" when parts.Length == 1 => Auto(),
            "opencl" => Open($"opencl:{index}", () => new OpenClBackend(index)),
            "cuda" => Open($"cuda:{index}", () => new CudaBackend(index)),
            _ => throw new ArgumentException($"unknown device '{name}': expected cpu, opencl[:N], cuda[:N] or auto"),
        };
    }

    private static Device Open(string key, Func<IBackend> create)
    {
        lock (Gate)
        {
            if (Opened.TryGetValue(key, out var device)) return device;
            try
            {
                device = new Device(create());
            }
            catch (BackendUnavailableException e)
            {
                throw new ArgumentException($"device '{key}': {e.Message}", e);
            }
            Opened[key] = device;
            return device;
        }
    }

    /// <summary>CUDA, else an OpenCL GPU, else the CPU; a fallback says why in one line on stderr.</summary>
    private static Device Auto()
    {
        string cuda, opencl;
        try
        {
            if (CudaDevices.List().Count > 0) return Open("cuda:0", () => new CudaBackend(0));
            cuda = "no CUDA device";
        }
        catch (Exception e) when (e is BackendUnavailableException or InvalidOperationException or ArgumentException)
        {
            cuda = e.Message;
        }
        try
        {
            var gpu = OpenClDevices.List().FirstOrDefault(d => d.IsGpu);
            if (gpu is not null) return Open($"opencl:{gpu.Index}", () => new OpenClBackend(gpu.Index));
            opencl = "no OpenCL GPU";
        }
        catch (Exception e) when (e is BackendUnavailableException or InvalidOperationException)
        {
            opencl = e.Message;
        }
        Console.Error.WriteLine($"device auto: using cpu ({cuda}; {opencl})");
        return Cpu;
    }

    /// <summary>Every device kind with its devices; unavailable kinds say why.</summary>
    public static IReadOnlyList<(string Name, string Description, bool Available)> List()
    {
        var result = new List<(string, string, bool)> { (Cpu.Name, Cpu.Backend.Description, true) };
        try
        {
            var devices = OpenClDevices.List();
            if (devices.Count == 0) result.Add(("opencl", "no OpenCL platform or device found", false));
            foreach (var d in devices)
                result.Add(($"opencl:{d.Index}", $"{d.Name} ({d.Platform}{(d.IsGpu ? ", GPU" : ", CPU device: used only when named")}{(d.HasFloat64 ? ", fp64" : "")})", true));
        }
        catch (BackendUnavailableException e)
        {
            result.Add(("opencl", e.Message, false));
        }
        try
        {
            var devices = CudaDevices.List();
            if (devices.Count == 0) result.Add(("cuda", "the CUDA driver reports no devices", false));
            foreach (var d in devices)
                result.Add(($"cuda:{d.Index}", $"{d.Name} ({d.Architecture}, {d.TotalMemoryBytes >> 20} MiB)", true));
        }
        catch (Exception e) when (e is BackendUnavailableException or InvalidOperationException)
        {
            result.Add(("cuda", e.Message, false));
        }
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
