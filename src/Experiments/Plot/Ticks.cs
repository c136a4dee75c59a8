using System.Globalization;

namespace TinyGrad.Experiments.Plot;

/// <summary>Tick positions and labels for linear and logarithmic axes.</summary>
public static class Ticks
{
    /// <summary>
    /// "Nice" linear ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering [<paramref name="min"/>, <paramref name="max"/>]
    /// with at most about <paramref name="target"/> ticks; returns the ticks and the rounded-out range.
    /// </summary>
    public static (double[] Ticks, double Min, double Max) Linear(double min, double max, int target = 6)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max < min) (min, max) = (max, min);
        if (max - min < 1e-300 * Math.Max(1, Math.Abs(max)) || max == min)
        {
            // A flat series still needs a visible range around it.
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }
        double step = NiceStep((max - min) / Math.Max(1, target - 1));
        double lo = Math.Floor(min / step + 1e-9) * step;
        double hi = Math.Ceiling(max / step - 1e-9) * step;
        int n = (int)Math.Round((hi - lo) / step) + 1;
        var ticks = new double[n];
        for (int i = 0; i < n; i++)
        {
            double t = lo + i * step;
            ticks[i] = Math.Abs(t) < step * 1e-9 ? 0 : t;
        }
        return (ticks, lo, hi);
    }

    /// <summary>The nice step (1, 2, 2.5, 5 × 10^k) nearest above <paramref name="raw"/>.</summary>
    public static double NiceStep(double raw)
    {
        if (!(raw > 0) || !double.IsFinite(raw)) return 1;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / mag;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * mag;
    }

    /// <summary>
    /// Logarithmic ticks: the powers of ten spanning [<paramref name="min"/>, <paramref name="max"/>] (both &gt; 0), thinned to at
    /// most about <paramref name="target"/>; returns the ticks and the range rounded out to whole decades.
    /// </summary>
    public static (double[] Ticks, double Min, double Max) Log(double min, double max, int target = 7)
    {
        if (!(min > 0) || !double.IsFinite(min)) min = max > 0 && double.IsFinite(max) ? max / 10 : 1e-3;
        if (!(max > 0) || !double.IsFinite(max)) max = min * 10;
        if (max < min) (min, max) = (max, min);
        int lo = (int)Math.Floor(Math.Log10(min) + 1e-9);
        int hi = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        if (hi == lo) hi = lo + 1;
        // Few decades: add 2× and 5× (or every mantissa) so a short log axis still has several labels.
        double[] mantissas = hi - lo <= 1 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : hi - lo <= 3 ? [1, 2, 5] : [1];
        int every = Math.Max(1, (int)Math.Ceiling((hi - lo + 1) / (double)target));
        var ticks = new List<double>();
        for (int k = lo; k <= hi; k++)
        {
            if ((k - lo) % every != 0) continue;
            foreach (double m in mantissas)
                if (k < hi || m == 1) ticks.Add(m * Math.Pow(10, k));
        }
        return (ticks.ToArray(), Math.Pow(10, lo), Math.Pow(10, hi));
    }

    /// <summary>A short label for a tick value: plain for moderate magnitudes, scientific (1e-4) otherwise.</summary>
    public static string Format(double v)
    {
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a >= 1e-3 && a < 1e5)
        {
            string s = v.ToString("0.####", CultureInfo.InvariantCulture);
            return s;
        }
        string e = v.ToString("0.##e0", CultureInfo.InvariantCulture);
        return e;
    }

    /// <summary>A number for prose and tables: 3 significant digits, scientific outside [1e-3, 1e4).</summary>
    public static string Num(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a >= 100 && a < 1e4) return v.ToString("0", CultureInfo.InvariantCulture);
        return a >= 1e-3 && a < 100 ? v.ToString("G3", CultureInfo.InvariantCulture) : v.ToString("0.00e0", CultureInfo.InvariantCulture);
    }
}
