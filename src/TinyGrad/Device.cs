using TinyGrad.Kernels;

namespace TinyGrad;

/// <summary>
/// Where a tensor's memory lives and its kernels run. Devices are named as on the command line:
/// <c>cpu</c> (the SIMD backend), <c>cuda[:N]</c> and <c>opencl[:N]</c> (ILGPU kernels on a GPU),
/// <c>ilgpu-cpu</c> (the same kernels in ILGPU's CPU simulator), or <c>auto</c> (the best one present).
/// The kinds are registered in one place, <see cref="DeviceKind.All"/>; <see cref="List"/> says which are present.
/// </summary>
public sealed class Device
{
    private static readonly Dictionary<string, Device> Opened = [];
    private static readonly Lock Gate = new();
    private static Device? defaultDevice;

    /// <summary>A device over <paramref name="backend"/> (tests: a backend opened with settings of their own).</summary>
    internal Device(Backend backend) => Backend = backend;

    /// <summary>The host CPU backend (always present).</summary>
    public static Device Cpu { get; } = Open(DeviceKind.Cpu, 0);

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
    public Backend Backend { get; }

    /// <summary>Command-line name, e.g. "cpu" or "cuda:0".</summary>
    public string Name => Backend.Name;

    /// <summary>
    /// Resolves a device name: <c>cpu</c>, <c>cuda[:N]</c>, <c>opencl[:N]</c>, <c>ilgpu-cpu</c> or <c>auto</c>
    /// (a CUDA GPU, else an OpenCL GPU, else the CPU). A device that is named but absent throws
    /// <see cref="ArgumentException"/> saying what was looked for.
    /// </summary>
    public static Device Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Trim().ToLowerInvariant().Split(':');
        if (parts[0] == "auto" && parts.Length == 1) return Auto();
        var kind = DeviceKind.All.FirstOrDefault(k => k.Name == parts[0]);
        if (kind is null || parts.Length > 2 || (parts.Length == 2 && !kind.Indexed))
            throw new ArgumentException($"unknown device '{name}': expected {DeviceKind.Syntax}");
        int index = 0;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out index) || index < 0))
            throw new ArgumentException($"device '{name}': '{parts[1]}' is not a device number");
        return Open(kind, index);
    }

    private static Device Open(DeviceKind kind, int index)
    {
        string key = kind.Indexed ? $"{kind.Name}:{index}" : kind.Name;
        lock (Gate)
        {
            if (Opened.TryGetValue(key, out var device)) return device;
            try
            {
                device = new Device(kind.Open(index));
            }
            catch (BackendUnavailableException e)
            {
                throw new ArgumentException($"device '{key}': {e.Message}", e);
            }
            Opened[key] = device;
            return device;
        }
    }

    /// <summary>
    /// The first device, in the kinds' order of preference, that its kind lets <c>auto</c> pick (a GPU,
    /// else the CPU); falling back to a device that is not a GPU says why in one line on stderr.
    /// </summary>
    private static Device Auto()
    {
        var reasons = new List<string>();
        foreach (var kind in DeviceKind.All)
        {
            var listed = kind.List();
            var pick = listed.FirstOrDefault(kind.AutoPicks);
            if (pick != default)
            {
                if (!pick.IsGpu) Console.Error.WriteLine($"device auto: using {pick.Name} ({string.Join("; ", reasons)})");
                return Parse(pick.Name);
            }
            if (kind.IsGpu) reasons.Add(listed.All(l => !l.Available) ? listed[0].Description : $"no {kind.Name} GPU");
        }
        throw new InvalidOperationException("device auto: no device kind can be picked");
    }

    /// <summary>Every device of every kind; a kind with no device present says why.</summary>
    public static IReadOnlyList<DeviceListing> List()
    {
        var result = new List<DeviceListing>();
        foreach (var kind in DeviceKind.All.Reverse()) result.AddRange(kind.List());
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
