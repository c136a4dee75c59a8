using System.Diagnostics;

namespace TinyGrad.Bench;

/// <summary>
/// <c>memory [steps]</c>: working set and live managed heap over a long training loop of the
/// compare.sh MLP (issue 3, "must show" 3), sampled every steps/20 as the program runs. No collection
/// is forced for a sample: a forced full collection is itself a perturbation (the first one hands the
/// host array cache every buffer the program dropped at once, and it then keeps about 12 MB more), so the numbers
/// are what a training loop really holds, the cache's own collections included.
/// </summary>
public static class Memory
{
    public static int Run(int steps)
    {
        var w = Workload.Create("mlp", Device.Cpu);
        int warmup = Math.Max(1, steps / 10), every = Math.Max(1, steps / 20);
        long wsFirst = 0, wsMin = long.MaxValue, wsMax = 0, wsLast = 0, heapFirst = 0, heapMax = 0, heapLast = 0;
        var proc = Process.GetCurrentProcess();
        var clock = Stopwatch.StartNew();
        for (int i = 1; i <= steps; i++)
        {
            w.Step();
            if (i == warmup || (i > warmup && i % every == 0) || i == steps)
            {
                long heap = GC.GetTotalMemory(forceFullCollection: false);
                proc.Refresh();
                long ws = proc.WorkingSet64;
                if (i == warmup)
                {
                    wsFirst = ws;
                    heapFirst = heap;
                }
                wsMin = Math.Min(wsMin, ws);
                wsMax = Math.Max(wsMax, ws);
                heapMax = Math.Max(heapMax, heap);
                wsLast = ws;
                heapLast = heap;
                Console.WriteLine($"memory step={i} working_set_mb={ws / 1048576.0:F1} live_heap_mb={heap / 1048576.0:F1} gen0={GC.CollectionCount(0)} gen2={GC.CollectionCount(2)} elapsed_s={clock.Elapsed.TotalSeconds:F0}");
            }
        }
        double wsGrowth = (double)(wsLast - wsFirst) / wsFirst, heapGrowth = (double)(heapMax - heapFirst) / heapFirst;
        bool flat = wsGrowth <= 0.05 && heapGrowth <= 0.05;
        Console.WriteLine($"memory summary steps={steps} warmup={warmup} ws_after_warmup_mb={wsFirst / 1048576.0:F1} ws_final_mb={wsLast / 1048576.0:F1} " +
            $"ws_min_mb={wsMin / 1048576.0:F1} ws_max_mb={wsMax / 1048576.0:F1} ws_growth={wsGrowth:P1} live_heap_after_warmup_mb={heapFirst / 1048576.0:F1} " +
            $"live_heap_max_mb={heapMax / 1048576.0:F1} live_heap_final_mb={heapLast / 1048576.0:F1} live_heap_growth={heapGrowth:P1} flat={(flat ? "yes" : "no")}");
        return flat ? 0 : 1;
    }
}
