using System.Globalization;

namespace TinyGrad.Experiments.Plot;

/// <summary>Colours: a categorical palette for series and a viridis-like map for values.</summary>
public static class ColorMap
{
    /// <summary>Ten distinguishable series colours (the matplotlib "tab10" set).</summary>
    public static IReadOnlyList<string> Palette { get; } =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    // Control points of viridis at 0, 0.25, 0.5, 0.75, 1.
    private static readonly (double R, double G, double B)[] Stops =
        [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];

    /// <summary>The series colour for index <paramref name="i"/>.</summary>
    public static string Series(int i) => Palette[((i % Palette.Count) + Palette.Count) % Palette.Count];

    /// <summary>The viridis colour of <paramref name="t"/> in [0, 1] (clamped) as #rrggbb.</summary>
    public static string Viridis(double t)
    {
        if (!double.IsFinite(t)) t = 0;
        t = Math.Clamp(t, 0, 1) * (Stops.Length - 1);
        int i = Math.Min((int)t, Stops.Length - 2);
        double f = t - i;
        var (a, b) = (Stops[i], Stops[i + 1]);
        int r = (int)Math.Round(a.R + (b.R - a.R) * f), g = (int)Math.Round(a.G + (b.G - a.G) * f), bl = (int)Math.Round(a.B + (b.B - a.B) * f);
        return "#" + r.ToString("x2", CultureInfo.InvariantCulture) + g.ToString("x2", CultureInfo.InvariantCulture) + bl.ToString("x2", CultureInfo.InvariantCulture);
    }
}
