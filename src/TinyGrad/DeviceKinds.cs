using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad;

/// <summary>One device as listed: its name, what it is, whether it can be opened (else why not), and whether it is a GPU.</summary>
/// <param name="Name">Command-line name (<c>cuda:0</c>), or the kind alone when none of it is present.</param>
/// <param name="Description">Hardware in words, or why the kind or device is unavailable.</param>
/// <param name="Available">Whether <see cref="Device.Parse"/> can open it.</param>
/// <param name="IsGpu">Whether the device is a GPU (an OpenCL kind may also list CPU devices).</param>
public readonly record struct DeviceListing(string Name, string Description, bool Available, bool IsGpu);

/// <summary>
/// The device kinds, in one place: each says how it is named, whether it is a GPU kind, whether
/// <c>auto</c> may pick its devices, how they are found (and why they are absent) and how one is
/// opened. <see cref="Device.Parse"/>, <c>auto</c>, <c>hw1 --device</c>, <c>hw1 devices</c>, the
/// tests' device fixtures and the benches all read this list: adding or removing a backend touches it only.
/// </summary>
public sealed class DeviceKind
{
    private static readonly Lazy<CpuBackend> CpuBackend = new(() => new CpuBackend());

    private readonly Func<IReadOnlyList<DeviceListing>> list;
    private readonly Func<int, Backend> open;

    private DeviceKind(string name, bool indexed, bool isGpu, bool autoPick, Func<IReadOnlyList<DeviceListing>> list, Func<int, Backend> open)
    {
        Name = name;
        Indexed = indexed;
        IsGpu = isGpu;
        AutoPick = autoPick;
        this.list = list;
        this.open = open;
    }

    /// <summary>The host CPU (the SIMD backend): always present, and what <c>auto</c> falls back to.</summary>
    public static DeviceKind Cpu { get; } = new("cpu", false, false, true,
        () => [new("cpu", CpuBackend.Value.Description, true, false)], _ => CpuBackend.Value);

    /// <summary>Every kind, in the order <c>auto</c> prefers them (GPUs first, <see cref="Cpu"/> last).</summary>
    public static IReadOnlyList<DeviceKind> All { get; } =
    [
        Ilgpu("cuda", IlgpuKind.Cuda),
        Ilgpu("opencl", IlgpuKind.OpenCl),
        Ilgpu(IlgpuDevices.SimulatorName, IlgpuKind.Simulator),
        Cpu,
    ];

    /// <summary>The command-line name, e.g. <c>cuda</c>.</summary>
    public string Name { get; }

    /// <summary>Whether its devices are numbered (<c>cuda:N</c>); otherwise there is one, named as the kind.</summary>
    public bool Indexed { get; }

    /// <summary>Whether it is a GPU kind (ILGPU's CPU simulator and the host CPU are not).</summary>
    public bool IsGpu { get; }

    /// <summary>Whether <c>auto</c> may pick its devices (a GPU kind's GPUs only); the simulator runs only when named.</summary>
    public bool AutoPick { get; }

    /// <summary>How a user writes it: <c>cuda[:N]</c> or <c>cpu</c>.</summary>
    public string Usage => Indexed ? $"{Name}[:N]" : Name;

    /// <summary>Every name a user may write: <c>cuda[:N], opencl[:N], ilgpu-cpu, cpu or auto</c>.</summary>
    public static string Syntax => string.Join(", ", All.Select(k => k.Usage)) + " or auto";

    /// <summary>Its devices, usable or not, or one row saying why it has none here.</summary>
    public IReadOnlyList<DeviceListing> List() => list();

    /// <summary>Whether <c>auto</c> may pick <paramref name="listing"/>, one of this kind's devices.</summary>
    public bool AutoPicks(DeviceListing listing) => AutoPick && listing.Available && listing.IsGpu == IsGpu;

    /// <summary>Opens device <paramref name="index"/> of this kind.</summary>
    /// <exception cref="BackendUnavailableException">The device is absent; the message says why.</exception>
    internal Backend Open(int index) => open(index);

    /// <inheritdoc />
    public override string ToString() => Usage;

    private static DeviceKind Ilgpu(string name, IlgpuKind kind) =>
        new(name, kind != IlgpuKind.Simulator, kind != IlgpuKind.Simulator, kind != IlgpuKind.Simulator,
            () =>
            {
                if (IlgpuDevices.DriverMissing(kind) is { } missing) return [new(name, missing, false, kind != IlgpuKind.Simulator)];
                var devices = IlgpuDevices.List(kind);
                if (devices.Count == 0) return [new(name, IlgpuDevices.WhyNoDevices(kind), false, kind != IlgpuKind.Simulator)];
                return devices.Select(d => new DeviceListing(d.Name, d.Unusable is null ? d.Description : $"{d.Description}: {d.Unusable}", d.Unusable is null, d.IsGpu)).ToArray();
            },
            index => new IlgpuBackend(kind, index));
}
