using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;

namespace TinyGrad.Experiments.Figures;

/// <summary>The look shared by every panel: font, sizes, colours, grid lines, frame and legend box.</summary>
public static class PanelStyle
{
    /// <summary>The font text is measured and drawn in (Debian's fonts-dejavu-core).</summary>
    public const string Font = "DejaVu Sans";

    /// <summary>Text colour.</summary>
    public static OxyColor Text { get; } = OxyColor.FromRgb(0x22, 0x22, 0x22);

    /// <summary>A new panel with the shared look and one legend (placed later by <see cref="LegendCorner"/>).</summary>
    public static PlotModel NewPanel(string title)
    {
        var model = new PlotModel
        {
            Title = title,
            DefaultFont = Font,
            DefaultFontSize = 11,
            TitleFontSize = 13,
            TitleFontWeight = FontWeights.Bold,
            TextColor = Text,
            TitleColor = Text,
            PlotAreaBorderColor = OxyColor.FromRgb(0x88, 0x88, 0x88),
            PlotAreaBorderThickness = new OxyThickness(1),
            PlotAreaBackground = OxyColor.FromRgb(0xfc, 0xfc, 0xfc),
            Padding = new OxyThickness(6, 4, 10, 4),
        };
        model.Legends.Add(new Legend
        {
            LegendPlacement = LegendPlacement.Inside,
            LegendPosition = LegendPosition.RightTop,
            LegendBackground = OxyColor.FromAColor(220, OxyColors.White),
            LegendBorder = OxyColor.FromRgb(0xaa, 0xaa, 0xaa),
            LegendFontSize = 10.5,
            LegendPadding = 4,
            LegendItemSpacing = 6,
            LegendSymbolLength = 20,
        });
        return model;
    }

    /// <summary>Applies the shared axis look: light grid lines, short tick labels.</summary>
    public static T Styled<T>(this T axis) where T : Axis
    {
        axis.MajorGridlineStyle = LineStyle.Solid;
        axis.MajorGridlineColor = OxyColor.FromRgb(0xe4, 0xe4, 0xe4);
        axis.MinorGridlineStyle = LineStyle.None;
        axis.TicklineColor = OxyColor.FromRgb(0x55, 0x55, 0x55);
        axis.AxislineColor = OxyColor.FromRgb(0x55, 0x55, 0x55);
        axis.TitleFontSize = 12;
        axis.FontSize = 10.5;
        // OxyPlot's default 60 px between labels leaves a short panel two labels; a descender of the title touched them.
        axis.IntervalLength = 40;
        axis.AxisTitleDistance = 8;
        // Room at the ends, so markers and lines at the extremes are not cut by the frame.
        axis.MinimumPadding = axis.MaximumPadding = 0.04;
        axis.LabelFormatter = TickLabel.Format;
        return axis;
    }
}
