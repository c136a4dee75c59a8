namespace TinyGrad.Experiments.Plot;

/// <summary>A panel whose points or cells are coloured by a value, with a colour bar on the right.</summary>
public abstract class ColorBarPanel(string title, Axis x, Axis y, string colorLabel, Scale colorScale) : Panel(title, x, y)
{
    /// <summary>The colour bar label.</summary>
    public string ColorLabel { get; } = colorLabel;

    /// <summary>Linear or log colour scale.</summary>
    public Scale ColorScale { get; } = colorScale;

    /// <summary>Optional lines drawn on top (e.g. an optimizer path), with a legend.</summary>
    public IReadOnlyList<Series> Overlays { get; init; } = [];

    /// <inheritdoc/>
    protected override double Right => 104;

    /// <summary>The values mapped to colour.</summary>
    protected abstract IEnumerable<double> ColorValues();

    private ResolvedAxis? colorAxis;

    /// <summary>The colour of a value under the resolved colour axis.</summary>
    protected string ColorOf(double v)
    {
        var ca = colorAxis ?? throw new InvalidOperationException("colour axis not resolved");
        if (!ca.Axis.Accepts(v)) return "#cccccc";
        return ColorMap.Viridis(ca.Map(v));
    }

    /// <summary>Resolves the colour axis onto [0, 1] before the content is drawn.</summary>
    protected void ResolveColors()
    {
        // The colour range is the data range itself: rounding out to whole decades would wash out the colours.
        var axis = new Axis(ColorLabel, ColorScale);
        var v = ColorValues().Where(axis.Accepts).ToList();
        colorAxis = v.Count > 0 && v.Max() > v.Min()
            ? new ResolvedAxis(new Axis(ColorLabel, ColorScale, v.Min(), v.Max()), v, 0, 1)
            : new ResolvedAxis(axis, v, 0, 1);
    }

    /// <inheritdoc/>
    protected override void DrawOverlay(Svg svg, ResolvedAxis xa, ResolvedAxis ya, (double X0, double Y0, double X1, double Y1) area)
    {
        DrawLegend(svg, Overlays, area);
        var ca = colorAxis!;
        double bx = area.X1 + 14, bw = 14, by0 = area.Y0, by1 = area.Y1;
        const int steps = 48;
        for (int i = 0; i < steps; i++)
        {
            double t0 = i / (double)steps, t1 = (i + 1) / (double)steps;
            svg.Rect(bx, by1 - t1 * (by1 - by0), bw, (t1 - t0) * (by1 - by0) + 0.6, ColorMap.Viridis((t0 + t1) / 2));
        }
        svg.Rect(bx, by0, bw, by1 - by0, "none", "#666", 0.8);
        foreach (var t in ca.TickValues.Where(ca.Contains))
        {
            double f = ca.Map(t);
            double py = by1 - f * (by1 - by0);
            svg.Line(bx + bw, py, bx + bw + 3, py, "#555");
            svg.Text(bx + bw + 5, py + 3.5, Ticks.Format(t), 10);
        }
        svg.Text(bx + bw + 50, (by0 + by1) / 2, ColorLabel + (ColorScale == Scale.Log ? " (log)" : ""), 11, "middle", -90);
    }
}

/// <summary>A scatter plot coloured by a third value, with optional per-point text labels.</summary>
public sealed class ScatterPanel : ColorBarPanel
{
    /// <summary>Creates a scatter of (x, y) coloured by <paramref name="c"/>.</summary>
    public ScatterPanel(string title, Axis x, Axis y, IReadOnlyList<double> xs, IReadOnlyList<double> ys, IReadOnlyList<double> c, string colorLabel, Scale colorScale = Scale.Linear)
        : base(title, x, y, colorLabel, colorScale)
    {
        if (xs.Count != ys.Count || xs.Count != c.Count) throw new ArgumentException("scatter: x, y and colour lengths differ");
        Xs = [.. xs];
        Ys = [.. ys];
        C = [.. c];
    }

    /// <summary>The x values.</summary>
    public double[] Xs { get; }

    /// <summary>The y values.</summary>
    public double[] Ys { get; }

    /// <summary>The colour values.</summary>
    public double[] C { get; }

    /// <summary>Optional text drawn next to each point (null or empty entries skipped).</summary>
    public IReadOnlyList<string?>? Labels { get; init; }

    /// <inheritdoc/>
    protected override IEnumerable<double> XValues() => Padded(Xs.Concat(Overlays.SelectMany(s => s.X)), X);

    /// <inheritdoc/>
    protected override IEnumerable<double> YValues() => Padded(Ys.Concat(Overlays.SelectMany(s => s.Y)), Y);

    // Markers and their labels need room: widen a linear range by 6% on each side.
    private static IEnumerable<double> Padded(IEnumerable<double> values, Axis axis)
    {
        var v = values.Where(axis.Accepts).ToList();
        if (v.Count == 0 || axis.Scale == Scale.Log) return v;
        double lo = v.Min(), hi = v.Max(), pad = (hi - lo) * 0.06;
        return v.Append(lo - pad).Append(hi + pad);
    }

    /// <inheritdoc/>
    protected override IEnumerable<double> ColorValues() => C;

    /// <inheritdoc/>
    protected override void DrawContent(Svg svg, ResolvedAxis xa, ResolvedAxis ya, (double X0, double Y0, double X1, double Y1) area)
    {
        ResolveColors();
        DrawSeries(svg, Overlays, xa, ya);
        for (int i = 0; i < Xs.Length; i++)
        {
            if (!xa.Axis.Accepts(Xs[i]) || !ya.Axis.Accepts(Ys[i])) continue;
            double px = xa.Map(Xs[i]), py = ya.Map(Ys[i]);
            svg.Circle(px, py, 3.6, ColorOf(C[i]), "#333");
            Occupied.Add((px, py));
            if (Labels is not null && i < Labels.Count && !string.IsNullOrEmpty(Labels[i]))
                svg.Text(px + 5, py - 4, Labels[i]!, 8.5, fill: "#444");
        }
    }
}

/// <summary>A heatmap of values on a rectangular grid (cell centres at the given x and y), with iso-lines optional via overlays.</summary>
public sealed class HeatmapPanel : ColorBarPanel
{
    /// <summary>Creates a heatmap; <paramref name="z"/>[i, j] is the value at (xs[j], ys[i]).</summary>
    public HeatmapPanel(string title, Axis x, Axis y, IReadOnlyList<double> xs, IReadOnlyList<double> ys, double[,] z, string colorLabel, Scale colorScale = Scale.Linear)
        : base(title, x, y, colorLabel, colorScale)
    {
        if (z.GetLength(0) != ys.Count || z.GetLength(1) != xs.Count) throw new ArgumentException("heatmap: grid shape does not match the axes");
        Xs = [.. xs];
        Ys = [.. ys];
        Z = z;
    }

    /// <summary>Cell-centre x values (ascending).</summary>
    public double[] Xs { get; }

    /// <summary>Cell-centre y values (ascending).</summary>
    public double[] Ys { get; }

    /// <summary>The grid values.</summary>
    public double[,] Z { get; }

    private static (double Lo, double Hi) Edges(double[] c, int i) =>
        (i == 0 ? c[0] - (c.Length > 1 ? (c[1] - c[0]) / 2 : 0.5) : (c[i - 1] + c[i]) / 2,
         i == c.Length - 1 ? c[i] + (c.Length > 1 ? (c[i] - c[i - 1]) / 2 : 0.5) : (c[i] + c[i + 1]) / 2);

    /// <inheritdoc/>
    protected override bool Tight => true;

    /// <inheritdoc/>
    protected override IEnumerable<double> XValues() => [Edges(Xs, 0).Lo, Edges(Xs, Xs.Length - 1).Hi];

    /// <inheritdoc/>
    protected override IEnumerable<double> YValues() => [Edges(Ys, 0).Lo, Edges(Ys, Ys.Length - 1).Hi];

    /// <inheritdoc/>
    protected override IEnumerable<double> ColorValues() => Z.Cast<double>();

    /// <inheritdoc/>
    protected override void DrawContent(Svg svg, ResolvedAxis xa, ResolvedAxis ya, (double X0, double Y0, double X1, double Y1) area)
    {
        ResolveColors();
        for (int i = 0; i < Ys.Length; i++)
        {
            var (ylo, yhi) = Edges(Ys, i);
            for (int j = 0; j < Xs.Length; j++)
            {
                var (xlo, xhi) = Edges(Xs, j);
                double px0 = xa.Map(xlo), px1 = xa.Map(xhi), py0 = ya.Map(yhi), py1 = ya.Map(ylo);
                svg.Rect(px0, py0, px1 - px0 + 0.5, py1 - py0 + 0.5, ColorOf(Z[i, j]));
            }
        }
        DrawSeries(svg, Overlays, xa, ya);
    }
}
