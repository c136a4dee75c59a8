using NUnit.Framework;

namespace TinyGrad.Tests;

/// <summary>
/// Devices the device-parameterised fixtures run on. An absent device makes its tests Ignored,
/// unless TINYGRAD_REQUIRE names its kind (e.g. "ilgpu-cpu" or "ilgpu-cpu,cuda"): then absence is a failure.
/// </summary>
public static class TestDevices
{
    /// <summary>The device kinds every device-parameterised fixture is instantiated for.</summary>
    public static readonly string[] Names = ["cpu", "ilgpu-cpu", "cuda", "opencl"];

    /// <summary>The ILGPU device kinds: the simulator (always present) and the GPUs.</summary>
    public static readonly string[] Ilgpu = ["ilgpu-cpu", "cuda", "opencl"];

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
}
