using System.Diagnostics;

namespace TinyGrad.Bench;

/// <summary>Working set of a long MLP training loop (issue 3, "must show" 3).</summary>
public static class Memory
{
    public static int Run(int steps)
    {
        var w = Workload.Create("mlp", Device.Cpu);
        int warmup = Math.Min(200, steps / 10), every = Math.Max(1, steps / 20);
        long baseline = 0, peak = 0, last = 0;
        var proc = Process.GetCurrentProcess();
        for (int i = 1; i <= steps; i++)
        {
            w.Step();
            if (i == warmup || (i > warmup && i % every == 0) || i == steps)
            {
                // Sampled after a full collection, so the number reflects what is kept, not GC timing.
                long managed = GC.GetTotalMemory(true);
                proc.Refresh();
                long ws = proc.WorkingSet64;
                if (i == warmup) baseline = ws;
                peak = Math.Max(peak, ws);
                last = ws;
                Console.WriteLine($"memory step={i} working_set_mb={ws / 1048576.0:F1} managed_mb={managed / 1048576.0:F1} gen0={GC.CollectionCount(0)} gen2={GC.CollectionCount(2)}");
            }
        }
        double growth = (double)(last - baseline) / baseline;
        double peakGrowth = (double)(peak - baseline) / baseline;
        bool flat = peakGrowth <= 0.05;
        Console.WriteLine($"memory summary steps={steps} baseline_mb={baseline / 1048576.0:F1} final_mb={last / 1048576.0:F1} peak_mb={peak / 1048576.0:F1} final_growth={growth:P2} peak_growth={peakGrowth:P2} flat={(flat ? "yes" : "no")}");
        return flat ? 0 : 1;
    }
}
