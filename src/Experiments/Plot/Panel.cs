namespace TinyGrad.Experiments.Plot;

/// <summary>One plot area of a figure: title, two axes and content drawn by the subclass.</summary>
public abstract class Panel
{
    /// <summary>Margins around the plot area inside the panel (pixels).</summary>
    protected const double Left = 64, Top = 28, Bottom = 46;

    /// <summary>Creates a panel.</summary>
    protected Panel(string title, Axis x, Axis y)
    {
        Title = title;
        X = x;
        Y = y;
    }

    /// <summary>The title above the plot area.</summary>
    public string Title { get; }

    /// <summary>The horizontal axis.</summary>
    public Axis X { get; }

    /// <summary>The vertical axis.</summary>
    public Axis Y { get; }

    /// <summary>Right margin: wider when a colour bar is drawn.</summary>
    protected virtual double Right => 16;

    /// <summary>Whether the axes span exactly the data (heatmaps) instead of a range rounded out to ticks.</summary>
    protected virtual bool Tight => false;

    /// <summary>All x values to fit the axis to.</summary>
    protected abstract IEnumerable<double> XValues();

    /// <summary>All y values to fit the axis to.</summary>
    protected abstract IEnumerable<double> YValues();

    /// <summary>Draws the content inside the plot area given the resolved axes.</summary>
    protected abstract void DrawContent(Svg svg, ResolvedAxis xa, ResolvedAxis ya, (double X0, double Y0, double X1, double Y1) area);

    /// <summary>Draws the whole panel into the box at (<paramref name="x"/>, <paramref name="y"/>) of size <paramref name="w"/> × <paramref name="h"/>.</summary>
    public void Render(Svg svg, double x, double y, double w, double h)
    {
        double x0 = x + Left, x1 = x + w - Right, y0 = y + Top, y1 = y + h - Bottom;
        Occupied.Clear();
        var xa = new ResolvedAxis(X, XValues(), x0, x1, Tight);
        var ya = new ResolvedAxis(Y, YValues(), y1, y0, Tight);
        svg.Rect(x0, y0, x1 - x0, y1 - y0, "#fcfcfc", "#888");
        foreach (var t in xa.TickValues.Where(xa.Contains))
        {
            double px = xa.Map(t);
            svg.Line(px, y0, px, y1, "#e4e4e4", 0.8);
            svg.Line(px, y1, px, y1 + 4, "#555");
            svg.Text(px, y1 + 16, Ticks.Format(t), 10.5, "middle");
        }
        foreach (var t in ya.TickValues.Where(ya.Contains))
        {
            double py = ya.Map(t);
            svg.Line(x0, py, x1, py, "#e4e4e4", 0.8);
            svg.Line(x0 - 4, py, x0, py, "#555");
            svg.Text(x0 - 6, py + 3.5, Ticks.Format(t), 10.5, "end");
        }
        svg.Text((x0 + x1) / 2, y + h - 10, X.Label + (X.Scale == Scale.Log ? " (log)" : ""), 12, "middle");
        svg.Text(x + 14, (y0 + y1) / 2, Y.Label + (Y.Scale == Scale.Log ? " (log)" : ""), 12, "middle", -90);
        svg.Text((x0 + x1) / 2, y + 18, Title, 13, "middle", bold: true);
        string clip = $"clip{Guid.NewGuid():N}";
        svg.Raw($"<clipPath id=\"{clip}\"><rect x=\"{Svg.F(x0)}\" y=\"{Svg.F(y0)}\" width=\"{Svg.F(x1 - x0)}\" height=\"{Svg.F(y1 - y0)}\"/></clipPath>");
        svg.Raw($"<g clip-path=\"url(#{clip})\">");
        DrawContent(svg, xa, ya, (x0, y0, x1, y1));
        svg.Raw("</g>");
        DrawOverlay(svg, xa, ya, (x0, y0, x1, y1));
    }

    /// <summary>Draws things outside the clipped area (legend, colour bar).</summary>
    protected virtual void DrawOverlay(Svg svg, ResolvedAxis xa, ResolvedAxis ya, (double X0, double Y0, double X1, double Y1) area)
    {
    }

    /// <summary>Pixel positions drawn so far in this panel (line vertices, markers), so the legend can avoid them.</summary>
    protected List<(double X, double Y)> Occupied { get; } = [];

    /// <summary>Draws series lines and markers, breaking lines at points the axes cannot show.</summary>
    protected void DrawSeries(Svg svg, IReadOnlyList<Series> series, ResolvedAxis xa, ResolvedAxis ya)
    {
        for (int s = 0; s < series.Count; s++)
        {
            var ser = series[s];
            string color = ser.Color ?? ColorMap.Series(s);
            var run = new List<(double, double)>();
            void Flush()
            {
                if (ser.Line && run.Count > 1) svg.Polyline(run, color, ser.Width, ser.Dashed ? "6 4" : null);
                run.Clear();
            }
            for (int i = 0; i < ser.X.Length; i++)
            {
                if (!xa.Axis.Accepts(ser.X[i]) || !ya.Axis.Accepts(ser.Y[i])) { Flush(); continue; }
                var pt = (xa.Map(ser.X[i]), ya.Map(ser.Y[i]));
                if (run.Count > 0)
                {
                    // Midpoints too, so long straight segments also count as occupied.
                    var prev = run[^1];
                    for (int k = 1; k < 4; k++) Occupied.Add((prev.Item1 + (pt.Item1 - prev.Item1) * k / 4, prev.Item2 + (pt.Item2 - prev.Item2) * k / 4));
                }
                run.Add(pt);
                Occupied.Add(pt);
            }
            Flush();
            if (ser.Markers || !ser.Line)
                for (int i = 0; i < ser.X.Length; i++)
                    if (xa.Axis.Accepts(ser.X[i]) && ya.Axis.Accepts(ser.Y[i]))
                        svg.Circle(xa.Map(ser.X[i]), ya.Map(ser.Y[i]), 2.6, color);
        }
    }

    /// <summary>Draws a legend box for the named series in the corner of the plot area that covers the fewest drawn points.</summary>
    protected void DrawLegend(Svg svg, IReadOnlyList<Series> series, (double X0, double Y0, double X1, double Y1) area)
    {
        var named = series.Select((s, i) => (s, i)).Where(p => p.s.Name.Length > 0).ToList();
        if (named.Count == 0) return;
        double width = 34 + 6.6 * named.Max(p => p.s.Name.Length), height = 8 + 15 * named.Count;
        (double X, double Y)[] corners =
        [
            (area.X1 - width - 6, area.Y0 + 6), (area.X0 + 6, area.Y0 + 6),
            (area.X1 - width - 6, area.Y1 - height - 6), (area.X0 + 6, area.Y1 - height - 6),
        ];
        var (lx, ly) = corners.MinBy(c => Occupied.Count(p => p.X >= c.X - 4 && p.X <= c.X + width + 4 && p.Y >= c.Y - 4 && p.Y <= c.Y + height + 4));
        svg.Raw($"<rect x=\"{Svg.F(lx)}\" y=\"{Svg.F(ly)}\" width=\"{Svg.F(width)}\" height=\"{Svg.F(height)}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#aaa\" stroke-width=\"0.8\"/>");
        for (int k = 0; k < named.Count; k++)
        {
            var (s, i) = named[k];
            string color = s.Color ?? ColorMap.Series(i);
            double cy = ly + 12 + 15 * k;
            if (s.Line) svg.Line(lx + 5, cy - 3.5, lx + 24, cy - 3.5, color, 2.2, s.Dashed ? "5 3" : null);
            else svg.Circle(lx + 14, cy - 3.5, 3, color);
            svg.Text(lx + 29, cy, s.Name, 10.5);
        }
    }
}

/// <summary>A line chart of several series with a legend.</summary>
public sealed class LinePanel(string title, Axis x, Axis y, IReadOnlyList<Series> series) : Panel(title, x, y)
{
    /// <summary>The series drawn.</summary>
    public IReadOnlyList<Series> Series { get; } = series;

    /// <inheritdoc/>
    protected override IEnumerable<double> XValues() => Series.SelectMany(s => s.X);

    /// <inheritdoc/>
    protected override IEnumerable<double> YValues() => Series.SelectMany(s => s.Y);

    /// <inheritdoc/>
    protected override void DrawContent(Svg svg, ResolvedAxis xa, ResolvedAxis ya, (double X0, double Y0, double X1, double Y1) area) =>
        DrawSeries(svg, Series, xa, ya);

    /// <inheritdoc/>
    protected override void DrawOverlay(Svg svg, ResolvedAxis xa, ResolvedAxis ya, (double X0, double Y0, double X1, double Y1) area) =>
        DrawLegend(svg, Series, area);
}
