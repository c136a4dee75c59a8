using System.Diagnostics;
using System.Globalization;
using ILGPU.Runtime.Cuda;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Bench;

/// <summary>
/// The GPU check's timing phase, as lines bench/gpu/ratios.py reads (<c>ours NAME median_ms=...</c>,
/// <c>cublas NAME ...</c>): SGEMM at 1024 and 4096 against cuBLAS in this process (through
/// ILGPU.Algorithms, when the device is CUDA and libcublas loads), elementwise add against a device
/// copy in GB/s, and the four training steps of bench/compare.sh (<c>--tiny</c>: small sizes, a batch
/// of 1 and the first step only, for a dry run on ILGPU's CPU simulator).
/// </summary>
internal static class TimingCheck
{
    public static int Run(Device device, bool tiny)
    {
        var b = device.Backend;
        int steps = tiny ? 3 : 30;
        using var cublas = OpenCuBlas(b);
        foreach (int n in tiny ? [64, 128] : new[] { 1024, 4096 }) Sgemm(b, cublas, n, steps);
        Bandwidth(b, tiny ? 1 << 16 : 64 << 20, steps);
        GpuCheck.HangIfAsked("timings");
        foreach (var name in Workload.Names)
        {
            var w = Workload.Create(name, device, batch: tiny ? 1 : 100);
            long t0 = Stopwatch.GetTimestamp();
            Step(w, b);
            double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double ms = tiny ? first : Timing.MedianMs(() => Step(w, b), steps, warmup: 5);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours {name} median_ms={ms:F4} first_ms={first:F1}"));
        }
        if (b is IlgpuBackend ilgpu)
            Console.WriteLine($"timings: device pool {ilgpu.Memory.HeldBytes >> 20} MiB in {ilgpu.Memory.Blocks} blocks, {ilgpu.Memory.Collections} collections of its own, {ilgpu.HostWaits} host waits");
        return 0;
    }

    private static void Step(Workload w, Backend b)
    {
        w.Step();
        b.Synchronize();
    }

    /// <summary>cuBLAS on the device's CUDA context, or null (saying why) when the device is not CUDA or libcublas does not load.</summary>
    private static CuBlas? OpenCuBlas(Backend b)
    {
        if (b is not IlgpuBackend { Accelerator: CudaAccelerator cuda })
        {
            Console.WriteLine("cublas: not timed (the device is not CUDA)");
            return null;
        }
        Console.WriteLine($"cublas: {CuBlasLibrary.Resolution}");
        try
        {
            return new CuBlas(cuda);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CuBlasException)
        {
            Console.WriteLine($"cublas: not timed ({e.GetType().Name}: {e.Message})");
            return null;
        }
    }

    /// <summary>An n x n x n row-major product, ours and (when given) cuBLAS's on the same buffers, which must agree.</summary>
    private static void Sgemm(Backend b, CuBlas? cublas, int n, int steps)
    {
        DeviceBuffer x = b.Allocate(DType.Float32, n * n), y = b.Allocate(DType.Float32, n * n), z = b.Allocate(DType.Float32, n * n);
        b.Random(x, RandomDistribution.Normal, 1, 0);
        b.Random(y, RandomDistribution.Normal, 2, 0);
        var args = GemmArgs.Contiguous(1, n, n, n);
        double ms = Timing.MedianMs(() => { b.Gemm(args, x, y, z); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours sgemm{n} median_ms={ms:F4} gflops={2.0 * n * n * n / ms / 1e6:F2}"));
        if (cublas is null) return;
        // Column-major cuBLAS sees each row-major matrix transposed: C^T = B^T A^T is C in row-major order.
        var (vx, vy) = (KernelHost.View<float>(x), KernelHost.View<float>(y));
        var c = b.Allocate(DType.Float32, n * n);
        var vc = KernelHost.View<float>(c);
        double theirs = Timing.MedianMs(() =>
        {
            cublas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, n, n, n, 1f, vy, n, vx, n, 0f, vc, n);
            b.Synchronize();
        }, steps, warmup: 3);
        float[] ours = new float[n * n], expected = new float[n * n];
        b.Download<float>(z, ours);
        b.Download<float>(c, expected);
        double scale = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs(ours[i] - expected[i]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cublas sgemm{n} median_ms={theirs:F4} gflops={2.0 * n * n * n / theirs / 1e6:F2} max_diff_vs_ours={worst / scale:E1}"));
    }

    /// <summary>Device copy (read + write) and elementwise add (two reads + a write) of <paramref name="n"/> floats.</summary>
    private static void Bandwidth(Backend b, int n, int steps)
    {
        DeviceBuffer x = b.Allocate(DType.Float32, n), y = b.Allocate(DType.Float32, n), z = b.Allocate(DType.Float32, n);
        b.Random(x, RandomDistribution.Uniform, 1, 0);
        b.Random(y, RandomDistribution.Uniform, 2, 0);
        var (vx, vy, vz) = (StridedView.Contiguous(x, [n]), StridedView.Contiguous(y, [n]), StridedView.Contiguous(z, [n]));
        double copy = Timing.MedianMs(() => { b.Copy(vx, vz); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours copy median_ms={copy:F4} gbps={2.0 * 4 * n / copy / 1e6:F2}"));
        double add = Timing.MedianMs(() => { b.Binary<BinaryOps.Add>(vx, vy, z); b.Synchronize(); }, steps, warmup: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours add median_ms={add:F4} gbps={3.0 * 4 * n / add / 1e6:F2}"));
    }
}
