using System.Globalization;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Bench;

/// <summary>
/// The check the GPU machine runs, one phase per process so that bench/gpu/run.sh can time-box each
/// (the machine has no .NET: this program is published self-contained):
/// <c>TinyGrad.GpuCheck env|smoke|timings|tests [device] [--tiny]</c>.
/// <list type="bullet">
/// <item><c>env</c>: what our libcuda probe and ILGPU see (<see cref="EnvCheck"/>).</item>
/// <item><c>smoke</c>: one tiny launch per primitive against the CPU reference (<see cref="SmokeCheck"/>).</item>
/// <item><c>timings</c>: SGEMM against cuBLAS, bandwidth, the four training steps (<see cref="TimingCheck"/>).</item>
/// <item><c>tests</c>: the device's tests of the NUnit suite, in process (<see cref="TestRun"/>).</item>
/// </list>
/// <c>--tiny</c> shrinks sizes for a dry run on ilgpu-cpu. <c>TINYGRAD_GPU_CHECK_HANG=phase[,phase...]</c>
/// makes those phases hang part-way (to check that run.sh cuts them and goes on).
/// </summary>
public static class GpuCheck
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        bool tiny = args.Contains("--tiny");
        string phase = positional.FirstOrDefault() ?? "", name = positional.Length > 1 ? positional[1] : "cuda";
        switch (phase)
        {
            case "env":
                return EnvCheck.Run();
            case "smoke":
                return SmokeCheck.Run(Open(name));
            case "timings":
                return TimingCheck.Run(Open(name), tiny);
            case "tests":
                return Tests(Open(name), tiny);
            default:
                Console.Error.WriteLine("usage: TinyGrad.GpuCheck env|smoke|timings|tests [device] [--tiny]");
                return 2;
        }
    }

    /// <summary>Hangs when <c>TINYGRAD_GPU_CHECK_HANG</c> (comma-separated) names <paramref name="phase"/> (run.sh's timeout must cut it).</summary>
    public static void HangIfAsked(string phase)
    {
        if (!(Environment.GetEnvironmentVariable("TINYGRAD_GPU_CHECK_HANG") ?? "").Split(',').Contains(phase)) return;
        Console.WriteLine($"{phase}: hanging on purpose (TINYGRAD_GPU_CHECK_HANG={phase})");
        Thread.Sleep(Timeout.Infinite);
    }

    private static Device Open(string name)
    {
        var device = Device.Parse(name);
        Console.WriteLine($"device {device.Name}: {device.Backend.Description}");
        return device;
    }

    /// <summary>The suite's tests for the device's kind, which must run here rather than skip (<c>--tiny</c>: the kernel checks only).</summary>
    private static int Tests(Device device, bool tiny)
    {
        string kind = device.Name.Split(':')[0];
        Environment.SetEnvironmentVariable("TINYGRAD_REQUIRE", kind);
        string pattern = tiny
            ? $"^TinyGrad\\.Tests\\.(Kernels\\.(HandWorkedKernelTests|DeferredIndexErrorTests)\\(\"{kind}\"\\)|Devices\\.DeviceTests)"
            : $"^TinyGrad\\.Tests\\.(\\w+\\.\\w+\\(\"{kind}\"\\)|Devices\\.DeviceTests|Tensors\\.TensorTests|Experiments\\.Hw1ProgramTests\\.BadCommandLines)";
        HangIfAsked("tests");
        var (_, failed, _) = TestRun.Run(pattern);
        if (device.Backend is IlgpuBackend ilgpu)
            Console.WriteLine($"tests: device pool {ilgpu.Memory.HeldBytes >> 20} MiB in {ilgpu.Memory.Blocks} blocks, {ilgpu.Memory.Collections} collections of its own");
        Console.WriteLine(failed == 0 ? "tests: every test passed" : $"tests: {failed} test(s) failed");
        return failed == 0 ? 0 : 1;
    }
}
