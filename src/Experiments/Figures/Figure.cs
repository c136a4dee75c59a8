using OxyPlot;

namespace TinyGrad.Experiments.Figures;

/// <summary>
/// A figure of the report: a shared title over OxyPlot panels laid out in a grid, row by row. OxyPlot draws one
/// <see cref="PlotModel"/> into one rectangle; this composes several into one picture (SVG via <see cref="FigureSvg"/>,
/// PNG via <see cref="FigurePng"/>).
/// </summary>
public sealed class Figure
{
    /// <summary>Height of the title band above the panels, in pixels.</summary>
    public const double TitleHeight = 30;

    /// <summary>Creates a figure of <paramref name="panels"/>, <paramref name="columns"/> per row.</summary>
    public Figure(string title, IReadOnlyList<PlotModel> panels, int columns = 2)
    {
        if (panels.Count == 0) throw new ArgumentException($"figure '{title}' has no panels");
        Title = title;
        Panels = panels;
        Columns = Math.Clamp(columns, 1, panels.Count);
    }

    /// <summary>The shared title.</summary>
    public string Title { get; }

    /// <summary>The panels, row by row.</summary>
    public IReadOnlyList<PlotModel> Panels { get; }

    /// <summary>Panels per row.</summary>
    public int Columns { get; }

    /// <summary>Width of one panel in pixels.</summary>
    public double PanelWidth { get; init; } = 460;

    /// <summary>Height of one panel in pixels.</summary>
    public double PanelHeight { get; init; } = 320;

    /// <summary>Width of the whole figure in pixels.</summary>
    public double Width => Columns * PanelWidth;

    /// <summary>Height of the whole figure in pixels.</summary>
    public double Height => TitleHeight + (Panels.Count + Columns - 1) / Columns * PanelHeight;

    /// <summary>The rectangle of panel <paramref name="k"/>.</summary>
    public OxyRect PanelBounds(int k) => new(k % Columns * PanelWidth, TitleHeight + k / Columns * PanelHeight, PanelWidth, PanelHeight);

    /// <summary>
    /// Draws the title and every panel into <paramref name="rc"/>. OxyPlot catches a panel's exception and draws its
    /// message instead; that is rethrown here, so a broken figure fails its run rather than being saved.
    /// </summary>
    public void Render(IRenderContext rc)
    {
        rc.DrawText(new ScreenPoint(Width / 2, 7), Title, PanelStyle.Text, PanelStyle.Font, 15, FontWeights.Bold, 0,
            HorizontalAlignment.Center, VerticalAlignment.Top);
        for (int k = 0; k < Panels.Count; k++)
        {
            IPlotModel panel = Panels[k];
            panel.Update(true);
            LegendCorner.Place(Panels[k], PanelWidth, PanelHeight);
            panel.Render(rc, PanelBounds(k));
            if (Panels[k].GetLastPlotException() is Exception e)
                throw new InvalidOperationException($"figure '{Title}', panel '{Panels[k].Title}': {e.Message}", e);
        }
    }
}
