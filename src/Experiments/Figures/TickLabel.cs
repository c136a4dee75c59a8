using System.Globalization;

namespace TinyGrad.Experiments.Figures;

/// <summary>Tick label text: OxyPlot's default prints 1E-05 and long decimals; ours prints 1e-5, 0.25, 2.5e5.</summary>
public static class TickLabel
{
    /// <summary>Plain for magnitudes in [1e-3, 1e5), scientific with up to two decimals otherwise; 0 is "0".</summary>
    public static string Format(double v)
    {
        double a = Math.Abs(v);
        if (a < 1e-12) return "0";
        return a >= 1e-3 && a < 1e5
            ? v.ToString("0.####", CultureInfo.InvariantCulture)
            : v.ToString("0.##e0", CultureInfo.InvariantCulture);
    }
}
