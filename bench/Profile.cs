using System.Diagnostics;

namespace TinyGrad.Bench;

/// <summary><c>profile</c>: where a training step spends its time (forward, backward, optimizer, GC).</summary>
public static class Profile
{
    public static void Run(int steps, string[] names)
    {
        foreach (var name in names)
        {
            var w = Workload.Create(name, Device.Cpu);
            for (int i = 0; i < 5; i++) w.Step();
            double fwd = 0, bwd = 0, opt = 0, zero = 0;
            int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
            long alloc0 = GC.GetTotalAllocatedBytes(true);
            for (int i = 0; i < steps; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                w.Optimizer.ZeroGrad();
                long t1 = Stopwatch.GetTimestamp();
                var loss = w.Loss();
                long t2 = Stopwatch.GetTimestamp();
                loss.Backward();
                long t3 = Stopwatch.GetTimestamp();
                w.Optimizer.Step();
                long t4 = Stopwatch.GetTimestamp();
                zero += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                fwd += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
                bwd += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
                opt += Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
            }
            long alloc = GC.GetTotalAllocatedBytes(true) - alloc0;
            Console.WriteLine($"profile {name} zero_ms={zero / steps:F2} forward_ms={fwd / steps:F2} backward_ms={bwd / steps:F2} optimizer_ms={opt / steps:F2} " +
                $"alloc_mb_per_step={alloc / 1048576.0 / steps:F1} gen0={GC.CollectionCount(0) - gc0} gen2={GC.CollectionCount(2) - gc2}");
        }
    }
}
