using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;
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
            "cuda" => throw new ArgumentException($"device '{name}': CUDA driver not found (looked for {NativeLibraries.Describe("cuda")}); the CUDA backend is not part of this build yet"),
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

    private static Device Auto()
    {
        try
        {
            var gpu = OpenClDevices.List().FirstOrDefault(d => d.IsGpu);
            if (gpu is not null) return Open($"opencl:{gpu.Index}", () => new OpenClBackend(gpu.Index));
        }
        catch (BackendUnavailableException)
        {
        }
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
        result.Add(("cuda", $"CUDA driver not found (looked for {NativeLibraries.Describe("cuda")}); the CUDA backend is not part of this build yet", false));
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
