using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using TinyGrad.Kernels;

namespace TinyGrad.Bench;

/// <summary>
/// Entry point. <c>compare [steps]</c>: the compare.sh workloads, one machine-readable line each;
/// <c>memory [steps]</c>: working set over a long MLP training loop; <c>bombs [folder]</c>: peak memory
/// of the readers on decompression bombs (see <see cref="Bombs"/>); <c>readers [folder]</c>: peak memory of
/// reading a 400 MB array into a tensor from each format (see <see cref="ReaderMemory"/>); anything else goes to
/// BenchmarkDotNet (e.g. <c>--filter *Gemm*</c>). The GPU machine's check is its own program (bench/gpu).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length > 0 && args[0] == "compare")
        {
            int steps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
            string[] only = args.Length > 2 ? args[2].Split(',') : [.. Workload.Names, "sgemm", "hvp"];
            Compare(steps, only);
            return 0;
        }
        if (args.Length > 0 && args[0] == "profile")
        {
            int steps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
            Profile.Run(steps, args.Length > 2 ? args[2].Split(',') : Workload.Names);
            return 0;
        }
        if (args.Length > 0 && args[0] == "micro")
        {
            Micro.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20, args.Length > 2 ? args[2].Split(',') : null);
            return 0;
        }
        if (args.Length > 0 && args[0] == "determinism")
        {
            // Same seed, 5 steps: prints a checksum of every parameter bit; run with different
            // DOTNET_PROCESSOR_COUNT values and compare the lines.
            foreach (var name in Workload.Names)
            {
                var w = Workload.Create(name, Device.Cpu);
                for (int i = 0; i < 5; i++) w.Step();
                ulong hash = 14695981039346656037UL;
                foreach (var p in w.Parameters)
                    foreach (float f in p.ToArray<float>())
                        hash = (hash ^ BitConverter.SingleToUInt32Bits(f)) * 1099511628211UL;
                Console.WriteLine($"determinism {name} params_fnv1a={hash:x16}");
            }
            return 0;
        }
        if (args.Length > 0 && args[0] == "bombs") return Bombs.Run(args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "tinygrad-bombs"));
        if (args.Length > 1 && args[0] == "bomb-read") return Bombs.Read(args[1]);
        if (args.Length > 0 && args[0] == "readers") return ReaderMemory.Run(args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "tinygrad-readers"));
        if (args.Length > 2 && args[0] == "reader-read") return ReaderMemory.Read(args[1], args[2]);
        if (args.Length > 0 && args[0] == "memory")
        {
            int steps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
            return Memory.Run(steps);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static void Compare(int steps, string[] only)
    {
        var device = Device.Cpu;
        var cpu = TinyGrad.Kernels.Cpu.CpuKind.Host;
        Console.WriteLine($"ours cpu family={cpu.Family} model={cpu.Model} kind={cpu.Kind} label={cpu.Label} avx512={(TinyGrad.Kernels.Cpu.CpuKind.HasVector512 ? 1 : 0)}");
        foreach (var name in Workload.Names)
        {
            if (Array.IndexOf(only, name) < 0) continue;
            var w = Workload.Create(name, device);
            double ms = Timing.MedianMs(w.Step, steps, warmup: 5);
            Console.WriteLine($"ours {name} median_ms={ms:F3} flops={w.Flops.Total}");
        }
        if (Array.IndexOf(only, "sgemm") >= 0)
        {
            const int n = 1024;
            var backend = device.Backend;
            var a = backend.Allocate(DType.Float32, n * n);
            var b = backend.Allocate(DType.Float32, n * n);
            var c = backend.Allocate(DType.Float32, n * n);
            backend.Random(a, RandomDistribution.Uniform, 1, 0);
            backend.Random(b, RandomDistribution.Uniform, 2, 0);
            var g = GemmArgs.Contiguous(1, n, n, n);
            double ms = Timing.MedianMs(() => backend.Gemm(g, a, b, c), Math.Max(steps, 20), warmup: 3);
            Console.WriteLine($"ours sgemm1024 median_ms={ms:F3} gflops={2.0 * n * n * n / (ms * 1e6):F1}");
        }
        if (Array.IndexOf(only, "hvp") >= 0)
        {
            var w = Workload.Create("mlp", device);
            var h = w.Hessian();
            var v = Tensor.Randn([h.Size], new Generator(3));
            // Interleaved (gradient, HVP, gradient, ...) so both see the same machine load.
            var (grad, hvp) = Timing.MedianPairMs(() => h.Gradient(), () => h.Apply(v), steps, warmup: 3);
            Console.WriteLine($"ours mlp_grad median_ms={grad:F3}");
            Console.WriteLine($"ours mlp_hvp median_ms={hvp:F3} hvp_over_grad={hvp / grad:F3}");
        }
    }
}
