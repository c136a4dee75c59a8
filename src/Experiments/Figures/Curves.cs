using OxyPlot;
using OxyPlot.Series;

namespace TinyGrad.Experiments.Figures;

/// <summary>Series factories: lines (solid or dashed, with or without markers) and unconnected points.</summary>
public static class Curves
{
    /// <summary>
    /// A line through (<paramref name="x"/>, <paramref name="y"/>); an empty <paramref name="name"/> keeps it out of the
    /// legend. Points an axis cannot show (NaN, or non-positive on a log axis) break the line.
    /// </summary>
    public static LineSeries Line(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, OxyColor color,
        bool dashed = false, bool markers = false, double width = 1.6)
    {
        if (x.Count != y.Count) throw new ArgumentException($"series '{name}': {x.Count} x values but {y.Count} y values");
        var s = new LineSeries
        {
            Title = name.Length > 0 ? name : null,
            Color = color,
            StrokeThickness = width,
            LineStyle = dashed ? LineStyle.Dash : LineStyle.Solid,
            MarkerType = markers ? MarkerType.Circle : MarkerType.None,
            MarkerSize = 2.6,
            MarkerFill = color,
            // A broken line stays broken: no connecting segment over the points that cannot be drawn.
            BrokenLineStyle = LineStyle.None,
        };
        for (int i = 0; i < x.Count; i++) s.Points.Add(new DataPoint(x[i], y[i]));
        return s;
    }

    /// <summary>Markers only, no connecting line (a scatter series, so the legend shows a marker, not a line).</summary>
    public static ScatterSeries Points(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, OxyColor color)
    {
        if (x.Count != y.Count) throw new ArgumentException($"series '{name}': {x.Count} x values but {y.Count} y values");
        var s = new ScatterSeries { Title = name.Length > 0 ? name : null, MarkerType = MarkerType.Circle, MarkerSize = 3.2, MarkerFill = color };
        for (int i = 0; i < x.Count; i++) s.Points.Add(new ScatterPoint(x[i], y[i]));
        return s;
    }
}
