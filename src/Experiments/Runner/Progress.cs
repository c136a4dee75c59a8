using System.Diagnostics;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// Progress with ETA and the current loss: on a terminal a bar redrawn in place; otherwise (CI, redirected output, tests)
/// a plain line at most every few seconds.
/// </summary>
public sealed class ProgressLine
{
    private readonly Action<string> log;
    private readonly string label;
    private readonly int total;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly double intervalSeconds;
    private double lastPrinted = double.NegativeInfinity;

    private readonly bool terminal;

    /// <summary>Starts a progress counter of <paramref name="total"/> steps; <paramref name="terminal"/> draws a bar in place on the console.</summary>
    public ProgressLine(Action<string> log, string label, int total, double intervalSeconds = 5, bool terminal = false)
    {
        this.terminal = terminal;
        this.log = log;
        this.label = label;
        this.total = Math.Max(1, total);
        this.intervalSeconds = intervalSeconds;
    }

    /// <summary>Reports that <paramref name="done"/> steps are finished; prints when due or when finished.</summary>
    public void Report(int done, string detail = "")
    {
        double t = clock.Elapsed.TotalSeconds;
        double eta = done > 0 ? t / done * (total - done) : double.NaN;
        if (terminal)
        {
            if (done < total && t - lastPrinted < 0.2) return;
            lastPrinted = t;
            const int width = 30;
            int filled = (int)Math.Round(width * Math.Min(1.0, done / (double)total));
            string bar = new string('█', filled) + new string('░', width - filled);
            string tail = done < total && double.IsFinite(eta) ? $"eta {eta:0}s" : $"{t:0.0}s";
            Console.Write($"\r  {label,-34} {bar} {done}/{total} {detail} {tail}   ");
            if (done >= total) Console.WriteLine();
            return;
        }
        if (done < total && t - lastPrinted < intervalSeconds) return;
        lastPrinted = t;
        log($"  [{label}] {done}/{total} {detail}{(done < total && double.IsFinite(eta) ? $" eta {eta:0}s" : $" {t:0.0}s")}");
    }
}
