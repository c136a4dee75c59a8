using System.Diagnostics;

namespace TinyGrad.Experiments.Runner;

/// <summary>Progress lines with ETA: a line per step at most every few seconds (plain text, fit for CI logs and terminals alike).</summary>
public sealed class ProgressLine
{
    private readonly Action<string> log;
    private readonly string label;
    private readonly int total;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly double intervalSeconds;
    private double lastPrinted = double.NegativeInfinity;

    /// <summary>Starts a progress counter of <paramref name="total"/> steps.</summary>
    public ProgressLine(Action<string> log, string label, int total, double intervalSeconds = 5)
    {
        this.log = log;
        this.label = label;
        this.total = Math.Max(1, total);
        this.intervalSeconds = intervalSeconds;
    }

    /// <summary>Reports that <paramref name="done"/> steps are finished; prints when due or when finished.</summary>
    public void Report(int done, string detail = "")
    {
        double t = clock.Elapsed.TotalSeconds;
        if (done < total && t - lastPrinted < intervalSeconds) return;
        lastPrinted = t;
        double eta = done > 0 ? t / done * (total - done) : double.NaN;
        log($"  [{label}] {done}/{total} {detail}{(done < total && double.IsFinite(eta) ? $" eta {eta:0}s" : $" {t:0.0}s")}");
    }
}
