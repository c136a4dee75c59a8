using OxyPlot;
using OxyPlot.Axes;

namespace TinyGrad.Experiments.Figures;

/// <summary>Axis factories with the shared look; the panel factories give them their positions.</summary>
public static class PlotAxes
{
    /// <summary>A linear axis, fitted to the data unless <paramref name="min"/> / <paramref name="max"/> fix it.</summary>
    public static Axis Linear(string title, double? min = null, double? max = null) =>
        new LinearAxis { Title = title, Minimum = min ?? double.NaN, Maximum = max ?? double.NaN }.Styled();

    /// <summary>A base-10 logarithmic axis; non-positive values are left out (they break a line).</summary>
    public static Axis Log(string title) =>
        new LogarithmicAxis { Title = title + " (log)", MinorGridlineStyle = LineStyle.None }.Styled();

    /// <summary>A linear colour axis (viridis) drawn as a colour bar on the right.</summary>
    public static Axis LinearColor(string title) => ColorBar(new LinearColorAxis { Palette = Palette.Viridis }, title);

    /// <summary>A logarithmic colour axis (viridis) drawn as a colour bar on the right.</summary>
    public static Axis LogColor(string title) => ColorBar(new LogarithmicColorAxis { Palette = Palette.Viridis }, title + " (log)");

    private static Axis ColorBar(Axis axis, string title)
    {
        axis.Title = title;
        axis.Position = AxisPosition.Right;
        axis.TitleFontSize = 11;
        axis.FontSize = 10;
        axis.LabelFormatter = TickLabel.Format;
        axis.TicklineColor = OxyColor.FromRgb(0x55, 0x55, 0x55);
        return axis;
    }
}
