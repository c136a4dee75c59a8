using TinyGrad.Experiments.Plot;
using TinyGrad.Experiments.Runner;
using TinyGrad.Nn;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Helpers shared by the experiments: curve panels from metrics, sums of squared gradients, statistics.</summary>
public static class Common
{
    /// <summary>A line panel of one metric for several series of the run metrics.</summary>
    public static LinePanel Curves(Metrics m, string title, IReadOnlyList<string> series, string metric, string xLabel, string yLabel, Scale yScale = Scale.Linear, Scale xScale = Scale.Linear, IReadOnlyList<string>? names = null) =>
        new(title, new Axis(xLabel, xScale), new Axis(yLabel, yScale),
            series.Select((s, i) => { var (x, y) = m.Get(s, metric); return new Series(names?[i] ?? s, x, y) { Color = ColorMap.Series(i) }; }).ToList());

    /// <summary>Train (solid) and test (dashed) curves of a metric for several series.</summary>
    public static LinePanel TrainTest(Metrics m, string title, IReadOnlyList<string> series, string metric, string yLabel, Scale yScale = Scale.Linear, string xLabel = "epoch")
    {
        var list = new List<Series>();
        for (int i = 0; i < series.Count; i++)
        {
            var (x, y) = m.Get(series[i], "train_" + metric);
            list.Add(new Series(series[i] + " train", x, y) { Color = ColorMap.Series(i), Markers = x.Length < 12 });
            (x, y) = m.Get(series[i], "test_" + metric);
            list.Add(new Series(series[i] + " test", x, y) { Color = ColorMap.Series(i), Dashed = true, Markers = x.Length < 12 });
        }
        return new LinePanel(title, new Axis(xLabel), new Axis(yLabel, yScale), list);
    }

    /// <summary>The squared L2 norm of all parameter gradients (after a backward pass).</summary>
    public static double GradSquared(Module model)
    {
        double s = 0;
        foreach (var p in model.Parameters())
        {
            if (p.Grad is null) continue;
            s += (p.Grad * p.Grad).Sum().Item();
        }
        return s;
    }

    /// <summary>Pearson correlation of two samples (NaN when undefined).</summary>
    public static double Correlation(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n = a.Count;
        if (n < 2) return double.NaN;
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : double.NaN;
    }

    /// <summary>Spearman rank correlation (Pearson on ranks).</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b) => Correlation(Ranks(a), Ranks(b));

    private static double[] Ranks(IReadOnlyList<double> v)
    {
        var idx = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var r = new double[v.Count];
        for (int k = 0; k < idx.Length; k++) r[idx[k]] = k;
        return r;
    }

    /// <summary>Picks a value by preset.</summary>
    public static T Pick<T>(this RunContext ctx, T smoke, T quick, T full) => ctx.Preset switch
    {
        Preset.Smoke => smoke,
        Preset.Quick => quick,
        _ => full,
    };

    /// <summary>Formats a number for observations.</summary>
    public static string N(double v) => Ticks.Num(v);

    /// <summary>Formats a fraction as a percentage.</summary>
    public static string Pct(double v) => double.IsFinite(v) ? (100 * v).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%" : "NaN";
}
