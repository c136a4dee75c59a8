using System.Diagnostics;
using System.Globalization;
using TinyGrad.Kernels;

namespace TinyGrad.Bench;

/// <summary>
/// The check the GPU machine runs (it has no .NET: this program is published self-contained):
/// <c>TinyGrad.GpuCheck [device] [--tiny]</c>. Lists the devices, times the first launches (kernel
/// compilation), runs the device's tests of the NUnit suite in process (parity of every primitive,
/// gradient and second-order checks in Float64, the CNN loss curve against cpu, the registry tests),
/// then prints the timings bench/gpu/ratios.py compares with PyTorch: lines <c>ours NAME median_ms=...</c>.
/// <c>--tiny</c> shrinks every size for a dry run on ilgpu-cpu.
/// </summary>
public static class GpuCheck
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string name = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "cuda";
        bool tiny = args.Contains("--tiny");
        var clock = Stopwatch.StartNew();
        foreach (var (n, description, available, _) in Device.List())
            Console.WriteLine($"devices {n} {(available ? "available" : "unavailable")}: {description}");
        var device = Device.Parse(name);
        Console.WriteLine($"device {device.Name}: {device.Backend.Description}");
        FirstLaunches(device.Backend, tiny ? 64 : 1024);

        // The suite's tests for this device kind, which must run here rather than skip.
        string kind = device.Name.Split(':')[0];
        Environment.SetEnvironmentVariable("TINYGRAD_REQUIRE", kind);
        var (_, failed, _) = TestRun.Run($"^TinyGrad\\.Tests\\.(\\w+\\.\\w+\\(\"{kind}\"\\)|Devices\\.DeviceTests|Tensors\\.TensorTests|Experiments\\.Hw1ProgramTests\\.BadCommandLines)");

        int steps = tiny ? 3 : 30;
        foreach (var workload in Workload.Names)
        {
            var w = Workload.Create(workload, device);
            long t0 = Stopwatch.GetTimestamp();
            Step(w, device);
            double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double ms = tiny ? first : Timing.MedianMs(() => Step(w, device), steps, warmup: 5);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours {workload} median_ms={ms:F4} first_ms={first:F1}"));
        }
        Sgemm(device.Backend, tiny ? 256 : 4096, steps);
        Bandwidth(device.Backend, tiny ? 1 << 20 : 64 << 20, steps);
        Console.WriteLine(failed == 0 ? $"gpu check: every test passed ({clock.Elapsed.TotalSeconds:F0} s)" : $"gpu check: {failed} test(s) failed ({clock.Elapsed.TotalSeconds:F0} s)");
        return failed == 0 ? 0 : 1;
    }

    private static void Step(Workload w, Device device)
    {
        w.Step();
        device.Backend.Synchronize();
    }

    /// <summary>The first call of a few primitives (ILGPU compiles the kernel then) against the second.</summary>
    private static void FirstLaunches(Backend b, int n)
    {
        DeviceBuffer x = b.Allocate(DType.Float32, n * n), y = b.Allocate(DType.Float32, n * n), z = b.Allocate(DType.Float32, n * n);
        var v = StridedView.Contiguous(x, [n, n]);
        var conv = new Conv2dGeometry(1, 4, 16, 16, 4, 3, 3, 1, 1, 1, 1, 1, 1); // fits n = 64 too
        var launches = new (string Name, Action Run)[]
        {
            ("random", () => b.Random(x, RandomDistribution.Normal, 1, 0)),
            ("fill", () => b.Fill(StridedView.Contiguous(y, [n, n]), 1)),
            ("add", () => b.Binary<BinaryOps.Add>(v, StridedView.Contiguous(y, [n, n]), z)),
            ("sum", () => b.Reduce(ReduceOp.Sum, v, StridedView.Contiguous(z, [n, 1]))),
            ("gemm", () => b.Gemm(GemmArgs.Contiguous(1, n, n, n), x, y, z)),
            ("conv2d", () => b.Conv2dForward(conv, x, y, z)),
        };
        foreach (var (name, run) in launches)
        {
            long t0 = Stopwatch.GetTimestamp();
            run();
            b.Synchronize();
            double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            t0 = Stopwatch.GetTimestamp();
            run();
            b.Synchronize();
            double second = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first_launch {name} first_ms={first:F1} second_ms={second:F2}"));
        }
    }

    private static void Sgemm(Backend b, int n, int steps)
    {
        DeviceBuffer x = b.Allocate(DType.Float32, n * n), y = b.Allocate(DType.Float32, n * n), z = b.Allocate(DType.Float32, n * n);
        b.Random(x, RandomDistribution.Normal, 1, 0);
        b.Random(y, RandomDistribution.Normal, 2, 0);
        var args = GemmArgs.Contiguous(1, n, n, n);
        double ms = Timing.MedianMs(() => { b.Gemm(args, x, y, z); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours sgemm{n} median_ms={ms:F4} gflops={2.0 * n * n * n / ms / 1e6:F1}"));
    }

    /// <summary>Device copy (read + write) and elementwise add (two reads + a write) of <paramref name="n"/> floats.</summary>
    private static void Bandwidth(Backend b, int n, int steps)
    {
        DeviceBuffer x = b.Allocate(DType.Float32, n), y = b.Allocate(DType.Float32, n), z = b.Allocate(DType.Float32, n);
        b.Random(x, RandomDistribution.Uniform, 1, 0);
        b.Random(y, RandomDistribution.Uniform, 2, 0);
        var (vx, vy, vz) = (StridedView.Contiguous(x, [n]), StridedView.Contiguous(y, [n]), StridedView.Contiguous(z, [n]));
        double copy = Timing.MedianMs(() => { b.Copy(vx, vz); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours copy median_ms={copy:F4} gbps={2.0 * 4 * n / copy / 1e6:F1}"));
        double add = Timing.MedianMs(() => { b.Binary<BinaryOps.Add>(vx, vy, z); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours add median_ms={add:F4} gbps={3.0 * 4 * n / add / 1e6:F1}"));
    }
}
