using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace TinyGrad.Experiments.Figures;

/// <summary>Panels coloured by a value, with a colour bar: scatter plots and heatmaps with contour lines.</summary>
public static class ColorPanels
{
    /// <summary>
    /// Points (<paramref name="xs"/>, <paramref name="ys"/>) coloured by <paramref name="values"/> on <paramref name="color"/>
    /// (see <see cref="PlotAxes.LinearColor"/>), with optional <paramref name="overlays"/> (paths, in the legend) and a
    /// text label beside each point whose entry in <paramref name="labels"/> is not empty.
    /// </summary>
    public static PlotModel Scatter(string title, Axis x, Axis y, IReadOnlyList<double> xs, IReadOnlyList<double> ys, IReadOnlyList<double> values,
        Axis color, IEnumerable<Series>? overlays = null, IReadOnlyList<string?>? labels = null)
    {
        if (xs.Count != ys.Count || xs.Count != values.Count) throw new ArgumentException($"scatter '{title}': {xs.Count} x, {ys.Count} y and {values.Count} colour values");
        // Markers need room at the edges, and labels (right of and above their point) more.
        bool labelled = labels?.Any(l => !string.IsNullOrEmpty(l)) == true;
        x.MinimumPadding = y.MinimumPadding = 0.06;
        x.MaximumPadding = labelled ? 0.14 : 0.06;
        y.MaximumPadding = labelled ? 0.1 : 0.06;
        var model = Panels.Lines(title, x, y, overlays ?? []);
        model.Axes.Add(Fitted(color, values));
        var points = new ScatterSeries
        {
            MarkerType = MarkerType.Circle,
            MarkerSize = 3.6,
            MarkerStroke = OxyColor.FromRgb(0x33, 0x33, 0x33),
            MarkerStrokeThickness = 0.6,
        };
        for (int i = 0; i < xs.Count; i++) points.Points.Add(new ScatterPoint(xs[i], ys[i], double.NaN, values[i]));
        // Drawn under the overlay paths' lines, so a path stays visible through a crowd of points.
        model.Series.Insert(0, points);
        for (int i = 0; i < (labels?.Count ?? 0); i++)
            if (!string.IsNullOrEmpty(labels![i]))
                model.Annotations.Add(new TextAnnotation
                {
                    Text = labels[i]!, TextPosition = new DataPoint(xs[i], ys[i]), Offset = new ScreenVector(5, -3),
                    TextHorizontalAlignment = HorizontalAlignment.Left, TextVerticalAlignment = VerticalAlignment.Bottom,
                    FontSize = 8.5, TextColor = OxyColor.FromRgb(0x44, 0x44, 0x44), Stroke = OxyColors.Undefined, StrokeThickness = 0,
                    Background = OxyColors.Undefined, Padding = new OxyThickness(0),
                });
        return model;
    }

    /// <summary>
    /// A heatmap of <paramref name="z"/>[i, j], the value at (<paramref name="xs"/>[j], <paramref name="ys"/>[i]) on evenly
    /// spaced cell centres, drawn as one bitmap (no seams between cells) and smoothed between the centres, with contour lines
    /// at the colour bar's 1-2-5 steps (log colour axis) or ten even steps, and optional <paramref name="overlays"/>.
    /// The axes span the grid exactly.
    /// </summary>
    public static PlotModel Heatmap(string title, Axis x, Axis y, IReadOnlyList<double> xs, IReadOnlyList<double> ys, double[,] z,
        Axis color, IEnumerable<Series>? overlays = null)
    {
        int rows = z.GetLength(0), cols = z.GetLength(1);
        if (rows != ys.Count || cols != xs.Count || rows < 2 || cols < 2)
            throw new ArgumentException($"heatmap '{title}': grid {rows}×{cols} for {ys.Count} y and {xs.Count} x values (at least 2 each)");
        // OxyPlot indexes heatmap and contour data [x, y].
        var data = new double[cols, rows];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) data[j, i] = z[i, j];
        double hx = (xs[^1] - xs[0]) / (cols - 1) / 2, hy = (ys[^1] - ys[0]) / (rows - 1) / 2;
        (x.Minimum, x.Maximum, y.Minimum, y.Maximum) = (xs[0] - hx, xs[^1] + hx, ys[0] - hy, ys[^1] + hy);
        var model = Panels.Lines(title, x, y, []);
        model.Axes.Add(Fitted(color, data.Cast<double>().ToList()));
        x.MajorGridlineStyle = y.MajorGridlineStyle = LineStyle.None;
        model.Series.Add(new HeatMapSeries
        {
            X0 = xs[0], X1 = xs[^1], Y0 = ys[0], Y1 = ys[^1], Data = data,
            CoordinateDefinition = HeatMapCoordinateDefinition.Center, RenderMethod = HeatMapRenderMethod.Bitmap, Interpolate = true,
        });
        model.Series.Add(new ContourSeries
        {
            ColumnCoordinates = [.. xs], RowCoordinates = [.. ys], Data = data, ContourLevels = ContourLevels(color),
            Color = OxyColor.FromAColor(150, OxyColors.White), StrokeThickness = 0.8, LineStyle = LineStyle.Solid,
        });
        foreach (var s in overlays ?? []) model.Series.Add(s);
        return model;
    }

    // The colour range is the data range itself: rounding out to whole decades would wash out the colours.
    private static Axis Fitted(Axis color, IReadOnlyList<double> values)
    {
        var v = values.Where(a => double.IsFinite(a) && (color is not LogarithmicColorAxis || a > 0)).ToList();
        if (v.Count > 0 && v.Max() > v.Min()) (color.Minimum, color.Maximum) = (v.Min(), v.Max());
        return color;
    }

    private static double[] ContourLevels(Axis color)
    {
        double lo = color.Minimum, hi = color.Maximum;
        if (!(hi > lo)) return [];
        if (color is LinearColorAxis) return [.. Enumerable.Range(1, 9).Select(k => lo + (hi - lo) * k / 10)];
        var levels = new List<double>();
        for (int e = (int)Math.Floor(Math.Log10(lo)); e <= (int)Math.Ceiling(Math.Log10(hi)); e++)
            foreach (double m in new[] { 1.0, 2, 5 })
                if (m * Math.Pow(10, e) is var l && l > lo && l < hi) levels.Add(l);
        return [.. levels];
    }
}
