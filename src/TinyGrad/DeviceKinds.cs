using TinyGrad.Kernels;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad;

/// <summary>One device as listed: its name, what it is, and whether it can be opened (else why not).</summary>
/// <param name="Name">Command-line name (<c>cuda:0</c>), or the kind alone when none of it is present.</param>
/// <param name="Description">Hardware in words, or why the kind or device is unavailable.</param>
/// <param name="Available">Whether <see cref="Device.Parse"/> can open it.</param>
public readonly record struct DeviceListing(string Name, string Description, bool Available);

/// <summary>
/// The device kinds, in one place: each says how it is named, how its devices are found (and why
/// they are absent), how one is opened, and whether <c>auto</c> may pick it. Adding or removing a
/// backend touches this list only.
/// </summary>
internal sealed record DeviceKind(string Name, bool Indexed, Func<IReadOnlyList<DeviceListing>> List, Func<int, IBackend> Open, Func<DeviceListing, bool> AutoPicks)
{
    /// <summary>Every kind, in the order <c>auto</c> prefers them (cpu last) and <c>hw1 devices</c> lists them.</summary>
    public static readonly DeviceKind[] All =
    [
        Ilgpu("cuda", IlgpuKind.Cuda),
        Ilgpu("opencl", IlgpuKind.OpenCl),
        Ilgpu(IlgpuDevices.SimulatorName, IlgpuKind.Simulator),
        new("cpu", false, () => [new("cpu", Device.Cpu.Backend.Description, true)], _ => Device.Cpu.Backend, _ => true),
    ];

    /// <summary>The names a user may write: <c>cuda[:N]</c>, <c>opencl[:N]</c>, <c>ilgpu-cpu</c>, <c>cpu</c>, <c>auto</c>.</summary>
    public static string Syntax => string.Join(", ", All.Select(k => k.Indexed ? $"{k.Name}[:N]" : k.Name)) + " or auto";

    private static DeviceKind Ilgpu(string name, IlgpuKind kind) => new(name, kind != IlgpuKind.Simulator,
        () =>
        {
            if (IlgpuDevices.DriverMissing(kind) is { } missing) return [new(name, missing, false)];
            var devices = IlgpuDevices.List(kind);
            if (devices.Count == 0) return [new(name, IlgpuDevices.WhyNoDevices(kind), false)];
            return devices.Select(d => new DeviceListing(d.Name, d.Unusable is null ? d.Description : $"{d.Description}: {d.Unusable}", d.Unusable is null)).ToArray();
        },
        index => new IlgpuBackend(kind, index),
        // auto takes GPUs only: the simulator and CPU OpenCL devices run only when named.
        listing => kind != IlgpuKind.Simulator && listing.Available && IlgpuDevices.List(kind).Single(d => d.Name == listing.Name).IsGpu);
}
