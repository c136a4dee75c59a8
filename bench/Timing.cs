using System.Diagnostics;

namespace TinyGrad.Bench;

/// <summary>Wall-clock medians of repeated calls (shared by the benchmarks and the GPU check).</summary>
public static class Timing
{
    /// <summary>CPU milliseconds per call of the last <see cref="MedianMs"/> (all threads; steadier than wall time on a busy machine).</summary>
    public static double LastCpuMs { get; private set; }

    /// <summary>Median in milliseconds of <paramref name="steps"/> calls after <paramref name="warmup"/> untimed ones.</summary>
    public static double MedianMs(Action action, int steps, int warmup)
    {
        for (int i = 0; i < warmup; i++) action();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var times = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        LastCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / steps;
        Array.Sort(times);
        return steps % 2 == 1 ? times[steps / 2] : 0.5 * (times[steps / 2 - 1] + times[steps / 2]);
    }

    /// <summary>Medians of two actions timed alternately.</summary>
    public static (double First, double Second) MedianPairMs(Action first, Action second, int steps, int warmup)
    {
        for (int i = 0; i < warmup; i++)
        {
            first();
            second();
        }
        var a = new double[steps];
        var b = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            first();
            a[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            t0 = Stopwatch.GetTimestamp();
            second();
            b[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(a);
        Array.Sort(b);
        static double Mid(double[] x) => x.Length % 2 == 1 ? x[x.Length / 2] : 0.5 * (x[x.Length / 2 - 1] + x[x.Length / 2]);
        return (Mid(a), Mid(b));
    }
}
