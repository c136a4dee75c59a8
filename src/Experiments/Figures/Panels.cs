using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace TinyGrad.Experiments.Figures;

/// <summary>Panel factory for line charts; <see cref="ColorPanels"/> makes the ones coloured by a value.</summary>
public static class Panels
{
    /// <summary>A line chart of <paramref name="series"/> over the axes <paramref name="x"/> (bottom) and <paramref name="y"/> (left), with a legend.</summary>
    public static PlotModel Lines(string title, Axis x, Axis y, IEnumerable<Series> series)
    {
        var model = PanelStyle.NewPanel(title);
        x.Position = AxisPosition.Bottom;
        y.Position = AxisPosition.Left;
        // A log axis labels 2× and 3× steps when it has room; across the page, wide labels (20000 30000) would touch.
        if (x is LogarithmicAxis) x.IntervalLength = 60;
        model.Axes.Add(x);
        model.Axes.Add(y);
        foreach (var s in series) model.Series.Add(s);
        return model;
    }
}
