using System.Globalization;
using OxyPlot;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;
using TinyGrad.Nn;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Helpers shared by the experiments: curve panels from metrics, sums of squared gradients, statistics.</summary>
public static class Common
{
    /// <summary>A line panel of one metric for several series of the run metrics, named <paramref name="names"/> (default: the series keys).</summary>
    public static PlotModel Curves(Metrics m, string title, IReadOnlyList<string> series, string metric, OxyPlot.Axes.Axis x, OxyPlot.Axes.Axis y, IReadOnlyList<string>? names = null) =>
        Panels.Lines(title, x, y, series.Select((s, i) => { var (xs, ys) = m.Get(s, metric); return Figures.Curves.Line(names?[i] ?? s, xs, ys, Palette.Series(i)); }));

    /// <summary>Train (solid) and test (dashed) curves of a metric for several series, per epoch; markers when there are few epochs.</summary>
    public static PlotModel TrainTest(Metrics m, string title, IReadOnlyList<string> series, string metric, OxyPlot.Axes.Axis y)
    {
        var list = new List<OxyPlot.Series.Series>();
        for (int i = 0; i < series.Count; i++)
        {
            var (x, v) = m.Get(series[i], "train_" + metric);
            list.Add(Figures.Curves.Line(series[i] + " train", x, v, Palette.Series(i), markers: x.Length < 12));
            (x, v) = m.Get(series[i], "test_" + metric);
            list.Add(Figures.Curves.Line(series[i] + " test", x, v, Palette.Series(i), dashed: true, markers: x.Length < 12));
        }
        return Panels.Lines(title, PlotAxes.Linear("epoch"), y, list);
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

    /// <summary>Picks a value by the preset of a unit or an aggregation.</summary>
    public static T Pick<T>(this ExperimentScope ctx, T smoke, T quick, T full) => ctx.Preset.Pick(smoke, quick, full);

    /// <summary>Picks a value by preset.</summary>
    public static T Pick<T>(this Preset preset, T smoke, T quick, T full) => preset switch
    {
        Preset.Smoke => smoke,
        Preset.Quick => quick,
        _ => full,
    };

    /// <summary>A number for observations and tables: 3 significant digits, scientific outside [1e-3, 1e4).</summary>
    public static string N(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a >= 100 && a < 1e4) return v.ToString("0", CultureInfo.InvariantCulture);
        return a >= 1e-3 && a < 100 ? v.ToString("G3", CultureInfo.InvariantCulture) : v.ToString("0.00e0", CultureInfo.InvariantCulture);
    }

    /// <summary>Formats a fraction as a percentage.</summary>
    public static string Pct(double v) => double.IsFinite(v) ? (100 * v).ToString("0.#", CultureInfo.InvariantCulture) + "%" : "NaN";
}
