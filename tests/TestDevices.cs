using NUnit.Framework;

namespace TinyGrad.Tests;

/// <summary>
/// Devices the device-parameterised fixtures run on: every registered kind (<see cref="DeviceKind.All"/>).
/// An absent device makes its tests Ignored, unless TINYGRAD_REQUIRE names its kind (e.g. "ilgpu-cpu"
/// or "ilgpu-cpu,cuda"): then absence is a failure.
/// </summary>
public static class TestDevices
{
    /// <summary>Every device kind, the CPU first: the fixtures of the Tensor-level suites are instantiated for each.</summary>
    public static readonly string[] Names = [DeviceKind.Cpu.Name, .. Others()];

    /// <summary>Every kind but the CPU: the devices whose kernels are held to the reference and to the CPU.</summary>
    public static string[] Others() => DeviceKind.All.Where(k => k != DeviceKind.Cpu).Select(k => k.Name).ToArray();

    /// <summary>Whether TINYGRAD_REQUIRE names <paramref name="what"/> (a device kind, or "pocl").</summary>
    public static bool Required(string what) =>
        (Environment.GetEnvironmentVariable("TINYGRAD_REQUIRE") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(what);

    /// <summary>Ignores the current test for lack of <paramref name="what"/>, or fails it when TINYGRAD_REQUIRE names it.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Absent(string what, string message)
    {
        if (Required(what)) Assert.Fail($"{what} is required (TINYGRAD_REQUIRE) but absent: {message}");
        Assert.Ignore(message);
    }

    /// <summary>Opens <paramref name="name"/> or ignores/fails the current test.</summary>
    public static Device Require(string name)
    {
        try
        {
            return Device.Parse(name);
        }
        catch (ArgumentException e)
        {
            Absent(name.Split(':')[0], $"device '{name}' is absent: {e.Message}");
            throw;
        }
    }

    /// <summary>
    /// Makes <paramref name="name"/> the default device for a test (ignored or failed when absent, and
    /// ignored when the test needs Float64 and the device has none); <see cref="Restore"/> undoes it.
    /// </summary>
    public static Device Use(string name, bool float64 = false)
    {
        var device = Require(name);
        if (float64 && !device.Backend.SupportsFloat64) Assert.Ignore($"{device} has no Float64");
        Device.Default = device;
        return device;
    }

    /// <summary>Puts the CPU back as the default device.</summary>
    public static void Restore() => Device.Default = Device.Cpu;
}

/// <summary>
/// A fixture whose every test runs with its device as the default (Float64 required; ignored or failed
/// when absent, see <see cref="TestDevices"/>): derive and add
/// <c>[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]</c>.
/// </summary>
public abstract class DeviceFixture(string device)
{
    /// <summary>The device kind this instance of the fixture runs on.</summary>
    protected string DeviceName { get; } = device;

    [SetUp]
    public void UseDevice() => TestDevices.Use(DeviceName, float64: true);

    [TearDown]
    public void RestoreDevice() => TestDevices.Restore();
}
