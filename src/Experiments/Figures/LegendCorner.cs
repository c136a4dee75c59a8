using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace TinyGrad.Experiments.Figures;

/// <summary>
/// Puts a panel's legend into the corner of the plot area that covers the fewest drawn points and point labels. OxyPlot places a legend
/// where it is told; it does not look at the data.
/// </summary>
public static class LegendCorner
{
    private static readonly LegendPosition[] Corners = [LegendPosition.RightTop, LegendPosition.LeftTop, LegendPosition.RightBottom, LegendPosition.LeftBottom];

    /// <summary>
    /// Chooses the corner for <paramref name="model"/> (already updated, so its axes know their ranges) drawn in a panel
    /// of <paramref name="panelWidth"/> × <paramref name="panelHeight"/> pixels; ties go to the earlier of top right, top left,
    /// bottom right, bottom left.
    /// </summary>
    public static void Place(PlotModel model, double panelWidth, double panelHeight)
    {
        var legend = model.Legends.FirstOrDefault();
        var named = model.Series.Where(s => s.IsVisible && !string.IsNullOrEmpty(s.Title)).ToList();
        if (legend is null || named.Count == 0 || model.DefaultXAxis is not Axis xa || model.DefaultYAxis is not Axis ya) return;
        // The legend box with its margin, as a fraction of the plot area (the panel less axes, titles and colour bar);
        // the sizes follow the legend settings of PanelStyle and the width of DejaVu Sans at 10.5 px.
        double areaWidth = panelWidth - 95 - (model.Axes.Any(a => a is IColorAxis) ? 85 : 0), areaHeight = panelHeight - 90;
        double w = (8 + 8 + 20 + 6 + 6.4 * named.Max(s => s.Title.Length) + 6) / Math.Max(1, areaWidth);
        double h = (8 + 8 + 16 * named.Count + 4) / Math.Max(1, areaHeight);
        // Point labels (text annotations right of and above their point) count too, at both ends of the text.
        var labels = model.Annotations.OfType<TextAnnotation>().SelectMany(t =>
        {
            var (u, v) = (Fraction(xa, t.TextPosition.X), Fraction(ya, t.TextPosition.Y));
            double du = (5 + 6 * (t.Text?.Length ?? 0)) / Math.Max(1, areaWidth), dv = 10 / Math.Max(1, areaHeight);
            return new (double U, double V)[] { (u, v), (u + du / 2, v + dv), (u + du, v + dv) };
        });
        var points = model.Series.SelectMany(s => Occupied(s, xa, ya)).Concat(labels).Where(p => double.IsFinite(p.U) && double.IsFinite(p.V)).ToList();
        int Covered(LegendPosition c)
        {
            bool right = c is LegendPosition.RightTop or LegendPosition.RightBottom, top = c is LegendPosition.RightTop or LegendPosition.LeftTop;
            return points.Count(p => (right ? p.U >= 1 - w : p.U <= w) && (top ? p.V >= 1 - h : p.V <= h));
        }
        legend.LegendPosition = Corners.MinBy(Covered);
    }

    /// <summary>Where <paramref name="v"/> lies on the axis: 0 at its minimum, 1 at its maximum (NaN when it cannot be drawn).</summary>
    public static double Fraction(Axis axis, double v)
    {
        if (!axis.IsValidValue(v)) return double.NaN;
        bool log = axis.IsLogarithmic();
        double T(double a) => log ? Math.Log10(a) : a;
        return (T(v) - T(axis.ActualMinimum)) / (T(axis.ActualMaximum) - T(axis.ActualMinimum));
    }

    // Where a series draws, as axis fractions; lines also count three points along each segment, so long segments count.
    private static IEnumerable<(double U, double V)> Occupied(Series series, Axis xa, Axis ya)
    {
        var points = series switch
        {
            LineSeries l => l.Points.Select(p => (Fraction(xa, p.X), Fraction(ya, p.Y))).ToList(),
            ScatterSeries s => s.Points.Select(p => (Fraction(xa, p.X), Fraction(ya, p.Y))).ToList(),
            _ => [],
        };
        for (int i = 0; i < points.Count; i++)
        {
            yield return points[i];
            if (series is not LineSeries || i + 1 == points.Count) continue;
            var (a, b) = (points[i], points[i + 1]);
            for (int k = 1; k < 4; k++) yield return (a.Item1 + (b.Item1 - a.Item1) * k / 4, a.Item2 + (b.Item2 - a.Item2) * k / 4);
        }
    }
}
