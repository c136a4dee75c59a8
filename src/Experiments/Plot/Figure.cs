namespace TinyGrad.Experiments.Plot;

/// <summary>A figure: one or more panels laid out in a grid, rendered to a standalone SVG document.</summary>
public sealed class Figure(string title, IReadOnlyList<Panel> panels, int columns = 2)
{
    /// <summary>The figure title (top line).</summary>
    public string Title { get; } = title;

    /// <summary>The panels, row by row.</summary>
    public IReadOnlyList<Panel> Panels { get; } = panels;

    /// <summary>Panels per row.</summary>
    public int Columns { get; } = Math.Max(1, Math.Min(columns, Math.Max(1, panels.Count)));

    /// <summary>Width of one panel in pixels.</summary>
    public double PanelWidth { get; init; } = 460;

    /// <summary>Height of one panel in pixels.</summary>
    public double PanelHeight { get; init; } = 320;

    /// <summary>Renders the figure to an SVG document.</summary>
    public string ToSvg()
    {
        const double header = 30;
        int rows = (Panels.Count + Columns - 1) / Columns;
        double width = Columns * PanelWidth, height = header + rows * PanelHeight;
        var svg = new Svg();
        svg.Text(width / 2, 20, Title, 15, "middle", bold: true);
        for (int k = 0; k < Panels.Count; k++)
            Panels[k].Render(svg, (k % Columns) * PanelWidth, header + (k / Columns) * PanelHeight, PanelWidth, PanelHeight);
        return svg.Document(width, height);
    }
}
