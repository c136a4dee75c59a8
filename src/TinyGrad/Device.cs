using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad;

/// <summary>
/// Where a tensor's memory lives and its kernels run. Devices are named as on the command line:
/// <c>cpu</c>, <c>opencl[:N]</c>, <c>cuda[:N]</c>, or <c>auto</c> (the best one present).
/// </summary>
public sealed class Device
{
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

    /// <summary>Command-line name, e.g. "cpu".</summary>
    public string Name => Backend.Name;

    /// <summary>
    /// Resolves a device name. <c>auto</c> picks CUDA, else an OpenCL GPU, else the CPU. A device
    /// that is named but absent throws <see cref="ArgumentException"/> saying what was looked for.
    /// </summary>
    public static Device Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string kind = name.Split(':')[0].Trim().ToLowerInvariant();
        return kind switch
        {
            "cpu" when name.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase) => Cpu,
            "auto" => Cpu,
            "opencl" => throw new ArgumentException($"device '{name}': the OpenCL backend is not part of this build yet (it looks for libOpenCL.so.1); use 'cpu'"),
            "cuda" => throw new ArgumentException($"device '{name}': the CUDA backend is not part of this build yet (it looks for libcuda.so.1 and libnvrtc); use 'cpu'"),
            _ => throw new ArgumentException($"unknown device '{name}': expected cpu, opencl[:N], cuda[:N] or auto"),
        };
    }

    /// <summary>Every device present on this machine, with a line for each kind that is not.</summary>
    public static IReadOnlyList<(string Name, string Description, bool Available)> List() =>
    [
        (Cpu.Name, Cpu.Backend.Description, true),
        ("opencl", "not in this build yet (needs libOpenCL.so.1)", false),
        ("cuda", "not in this build yet (needs libcuda.so.1 and libnvrtc)", false),
    ];

    /// <inheritdoc />
    public override string ToString() => Name;
}
