using NUnit.Framework;

namespace TinyGrad.Tests;

/// <summary>
/// Devices the device-parameterised fixtures run on. An absent device makes its tests Ignored,
/// unless TINYGRAD_REQUIRE names it (e.g. "opencl" or "opencl,cuda"): then absence is a failure.
/// </summary>
public static class TestDevices
{
    /// <summary>The device kinds every device-parameterised fixture is instantiated for.</summary>
    public static readonly string[] Names = ["cpu", "opencl", "cuda"];

    /// <summary>Opens <paramref name="name"/> or ignores/fails the current test.</summary>
    public static Device Require(string name)
    {
        try
        {
            return Device.Parse(name);
        }
        catch (ArgumentException e)
        {
            var required = (Environment.GetEnvironmentVariable("TINYGRAD_REQUIRE") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (required.Contains(name.Split(':')[0])) Assert.Fail($"device '{name}' is required (TINYGRAD_REQUIRE) but absent: {e.Message}");
            Assert.Ignore($"device '{name}' is absent: {e.Message}");
            throw;
        }
    }
}
