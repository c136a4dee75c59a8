using System.Globalization;
using TinyGrad.Kernels;
using TinyGrad.Tests.Devices;
using TinyGrad.Tests.Kernels;

namespace TinyGrad.Bench;

/// <summary>
/// <c>gpu [device]</c>: what the GPU machine (no .NET SDK, so no <c>dotnet test</c>) must show, from one
/// self-contained binary: every kernel's parity with the scalar reference, the small CNN's loss
/// curve against the CPU's, and the timings bench/gpu/ratios.py compares with PyTorch.
/// Lines: <c>parity NAME ok|FAIL ...</c>, <c>curve ok|FAIL ...</c>, <c>ours NAME median_ms=... [gflops=|gbps=...]</c>.
/// </summary>
public static class GpuCheck
{
    public static int Run(string deviceName, int steps, int gemmSize = 4096)
    {
        var device = Device.Parse(deviceName);
        Console.WriteLine($"device {device.Name}: {device.Backend.Description}");
        int failures = 0;
        foreach (var primitive in ParityChecks.Primitives)
        {
            try
            {
                ParityChecks.RunParity(device.Backend, primitive);
                Console.WriteLine($"parity {primitive} ok");
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"parity {primitive} FAIL {e.Message.ReplaceLineEndings(" ")}");
            }
        }
        var cpu = CnnCurve.Train(Device.Cpu);
        var gpu = CnnCurve.Train(device);
        int mismatch = CnnCurve.FirstMismatch(cpu, gpu);
        if (mismatch >= 0) failures++;
        Console.WriteLine(mismatch < 0
            ? $"curve ok ({cpu.Length} steps, final loss cpu {cpu[^1]:G6} {device.Name} {gpu[^1]:G6})"
            : $"curve FAIL at step {mismatch}: cpu {cpu[mismatch]:G8} {device.Name} {gpu[mismatch]:G8}");

        foreach (var name in Workload.Names)
        {
            var w = Workload.Create(name, device);
            double ms = Program.MedianMs(() => { w.Step(); device.Backend.Synchronize(); }, steps, warmup: 5);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours {name} median_ms={ms:F4}"));
        }
        Sgemm(device, gemmSize, steps);
        Bandwidth(device, 64 << 20, steps);
        Console.WriteLine(failures == 0 ? "gpu check: all parity and curve checks passed" : $"gpu check: {failures} failure(s)");
        return failures == 0 ? 0 : 1;
    }

    private static void Sgemm(Device device, int n, int steps)
    {
        var b = device.Backend;
        DeviceBuffer x = b.Allocate(DType.Float32, n * n), y = b.Allocate(DType.Float32, n * n), z = b.Allocate(DType.Float32, n * n);
        b.Random(x, RandomDistribution.Normal, 1, 0);
        b.Random(y, RandomDistribution.Normal, 2, 0);
        var args = GemmArgs.Contiguous(1, n, n, n);
        double ms = Program.MedianMs(() => { b.Gemm(args, x, y, z); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours sgemm{n} median_ms={ms:F4} gflops={2.0 * n * n * n / ms / 1e6:F1}"));
    }

    /// <summary>Device copy (read + write) against elementwise add (two reads + a write) of <paramref name="n"/> floats.</summary>
    private static void Bandwidth(Device device, int n, int steps)
    {
        var b = device.Backend;
        DeviceBuffer x = b.Allocate(DType.Float32, n), y = b.Allocate(DType.Float32, n), z = b.Allocate(DType.Float32, n);
        b.Random(x, RandomDistribution.Uniform, 1, 0);
        b.Random(y, RandomDistribution.Uniform, 2, 0);
        var vx = StridedView.Contiguous(x, [n]);
        var vy = StridedView.Contiguous(y, [n]);
        var vz = StridedView.Contiguous(z, [n]);
        double copy = Program.MedianMs(() => { b.Copy(vx, vz); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours copy median_ms={copy:F4} gbps={2.0 * 4 * n / copy / 1e6:F1}"));
        double add = Program.MedianMs(() => { b.Binary(BinaryOp.Add, vx, vy, z); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours add median_ms={add:F4} gbps={3.0 * 4 * n / add / 1e6:F1}"));
    }
}
