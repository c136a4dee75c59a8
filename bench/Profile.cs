using System.Diagnostics;

namespace TinyGrad.Bench;

/// <summary><c>profile</c>: where a training step spends its time (forward, backward, optimizer, GC).</summary>
public static class Profile
{
    private static void PerPrimitive(string name, int steps)
    {
        var device = Device.Cpu;
        var timer = new PrimitiveTimer();
        device.Backend.Observer = timer;
        try
        {
            var w = Workload.Create(name.Replace("_hvp", "").Replace("_grad", ""), device);
            Action step = w.Step;
            if (name.EndsWith("_hvp", StringComparison.Ordinal) || name.EndsWith("_grad", StringComparison.Ordinal))
            {
                var h = w.Hessian();
                var v = Tensor.Randn([h.Size], new Generator(3), device: device);
                step = name.EndsWith("_hvp", StringComparison.Ordinal) ? () => h.Apply(v) : () => h.Gradient();
            }
            for (int i = 0; i < 15; i++) step(); // past tiered JIT warm-up
            timer.Times.Clear();
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++) step();
            double total = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / steps, inKernels = 0;
            var rows = new List<(string Name, double Ms, int Calls)>();
            foreach (var (k, (ms, calls)) in timer.Times) rows.Add((k, ms / steps, calls / steps));
            rows.Sort((x, y) => y.Ms.CompareTo(x.Ms));
            foreach (var r in rows)
            {
                inKernels += r.Ms;
                Console.WriteLine($"  {name,-10} {r.Name,-28} {r.Ms,8:F3} ms/step {r.Calls,5} calls/step");
            }
            Console.WriteLine($"  {name,-10} {"(outside primitives)",-28} {total - inKernels,8:F3} ms/step   step total {total:F3}");
        }
        finally
        {
            device.Backend.Observer = null;
        }
    }

    public static void Run(int steps, string[] names)
    {
        foreach (var name in names)
        {
            PerPrimitive(name, steps);
            if (name.EndsWith("_hvp", StringComparison.Ordinal) || name.EndsWith("_grad", StringComparison.Ordinal)) continue;
            var w = Workload.Create(name, Device.Cpu);
            for (int i = 0; i < 15; i++) w.Step();
            double fwd = 0, bwd = 0, opt = 0, zero = 0;
            int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
            long alloc0 = GC.GetTotalAllocatedBytes(true);
            var pause0 = GC.GetTotalPauseDuration();
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
            double pauseMs = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds / steps;
            Console.WriteLine($"profile {name} zero_ms={zero / steps:F2} forward_ms={fwd / steps:F2} backward_ms={bwd / steps:F2} optimizer_ms={opt / steps:F2} " +
                $"alloc_mb_per_step={alloc / 1048576.0 / steps:F1} gc_pause_ms_per_step={pauseMs:F2} gen0={GC.CollectionCount(0) - gc0} gen2={GC.CollectionCount(2) - gc2}");
        }
    }
}
